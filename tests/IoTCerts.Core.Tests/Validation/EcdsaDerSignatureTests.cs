using System.Formats.Asn1;
using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// The validator verifies ECDSA signatures by converting the DER Ecdsa-Sig-Value to r‖s itself (no per-call buffers).
/// These properties pin that conversion to strict DER and to the platform's own verification of the DER form.
/// </summary>
public sealed class EcdsaDerSignatureTests
{
    private static readonly (ECDsa Key, HashAlgorithmName Hash, int FieldSize)[] s_keys =
    [
        (ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256, 32),
        (ECDsa.Create(ECCurve.NamedCurves.nistP384), HashAlgorithmName.SHA384, 48),
        (ECDsa.Create(ECCurve.NamedCurves.nistP521), HashAlgorithmName.SHA512, 66),
    ];

    [Property(MaxTest = 1000)]
    public Property EveryCanonicalEncodingConvertsToThePaddedPair()
    {
        var pairs =
            from fieldSize in Gen.Elements(32, 48, 66)
            from rLength in Gen.Choose(1, fieldSize)
            from sLength in Gen.Choose(1, fieldSize)
            from r in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), rLength)
            from s in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), sLength)
            select (fieldSize, r, s);
        return Prop.ForAll(Arb.From(pairs), p =>
        {
            var der = Encode(p.r, p.s);
            var output = new byte[2 * p.fieldSize];
            Assert.True(EcdsaDerSignature.TryConvertToP1363(der, p.fieldSize, output));
            Assert.Equal([.. Pad(p.r, p.fieldSize), .. Pad(p.s, p.fieldSize)], output);
        });
    }

    [Fact]
    public void OnlyCanonicalEncodingsConvert()
    {
        // Near-valid inputs (mutated canonical encodings): whatever converts must be exactly the DER of the pair it gives.
        var inputs =
            from fieldSize in Gen.Elements(32, 48, 66)
            from r in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), fieldSize)
            from s in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), fieldSize)
            from mutation in Mutation()
            select (fieldSize, der: mutation(Encode(r, s)));
        var converted = 0;
        Prop.ForAll(Arb.From(inputs), p =>
        {
            var output = new byte[2 * p.fieldSize];
            if (EcdsaDerSignature.TryConvertToP1363(p.der, p.fieldSize, output))
            {
                converted++;
                Assert.Equal(Encode(output[..p.fieldSize], output[p.fieldSize..]), p.der);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
        Assert.InRange(converted, 1, 2999);
    }

    [Theory]
    [InlineData("3006020101020101", true)] // r = 1, s = 1
    [InlineData("300702020001020101", false)] // r with a needless leading zero
    [InlineData("3006020181020101", false)] // r negative
    [InlineData("30050200020101", false)] // r empty
    [InlineData("308106020101020101", false)] // SEQUENCE length in long form below 128
    [InlineData("3006028101020101", false)] // INTEGER length in long form
    [InlineData("3007020101020101", false)] // SEQUENCE longer than the input
    [InlineData("300602010102010100", false)] // trailing byte
    [InlineData("3009020101020101020101", false)] // three INTEGERs
    [InlineData("3003020101", false)] // one INTEGER
    [InlineData("3106020101020101", false)] // SET, not SEQUENCE
    [InlineData("3080020101020101 0000", false)] // BER indefinite length
    [InlineData("", false)]
    public void StrictDerIsRequired(string hex, bool converts) =>
        Assert.Equal(converts, EcdsaDerSignature.TryConvertToP1363(Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal)), 32, new byte[64]));

    [Fact]
    public void AnIntegerLongerThanTheFieldDoesNotConvert()
    {
        var der = Encode([0x01, .. new byte[32]], [0x01]);
        Assert.False(EcdsaDerSignature.TryConvertToP1363(der, 32, new byte[64]));
        Assert.True(EcdsaDerSignature.TryConvertToP1363(Encode([0xFF, .. new byte[31]], [0x01]), 32, new byte[64]));
    }

    [Fact]
    public void VerificationAgreesWithThePlatformOnValidAndMutatedSignatures()
    {
        var cases =
            from keyIndex in Gen.Choose(0, s_keys.Length - 1)
            from data in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 64)
            from mutate in Gen.Frequency((1, Gen.Constant(false)), (3, Gen.Constant(true)))
            from mutation in Mutation()
            select (keyIndex, data, mutate, mutation);
        var (valid, invalid) = (0, 0);
        Prop.ForAll(Arb.From(cases), c =>
        {
            var (key, hash, fieldSize) = s_keys[c.keyIndex];
            var signature = key.SignData(c.data, hash, DSASignatureFormat.Rfc3279DerSequence);
            if (c.mutate)
            {
                signature = c.mutation(signature);
            }

            var expected = key.VerifyData(c.data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            Assert.Equal(expected, EcdsaDerSignature.Verify(key, c.data, signature, hash, fieldSize));
            _ = expected ? valid++ : invalid++;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(400));
        Assert.True(valid > 50 && invalid > 50, $"{valid} valid, {invalid} invalid");
    }

    [Fact]
    public void NonCanonicalEncodingsOfAValidSignatureAreRefusedLikeThePlatformDoes()
    {
        var (key, hash, fieldSize) = s_keys[0];
        var data = "signed bytes"u8.ToArray();
        var p1363 = key.SignData(data, hash);
        var r = p1363[..fieldSize];
        var s = p1363[fieldSize..];
        List<byte[]> variants =
        [
            // r with an extra leading zero (non-minimal INTEGER).
            Raw(0x30, [.. Raw(0x02, [0x00, .. Minimal(r)]), .. Encode(r, s)[(2 + 2 + Minimal(r).Length)..]]),
            // the SEQUENCE length in the long form.
            [0x30, 0x81, .. Encode(r, s)[1..]],
            // a trailing zero byte.
            [.. Encode(r, s), 0x00],
        ];
        foreach (var variant in variants)
        {
            Assert.False(key.VerifyData(data, variant, hash, DSASignatureFormat.Rfc3279DerSequence));
            Assert.False(EcdsaDerSignature.Verify(key, data, variant, hash, fieldSize));
        }

        Assert.True(EcdsaDerSignature.Verify(key, data, Encode(r, s), hash, fieldSize));
    }

    private static byte[] Encode(byte[] r, byte[] s)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Trim(r));
            writer.WriteIntegerUnsigned(Trim(s));
        }

        return writer.Encode();
    }

    private static byte[] Minimal(byte[] value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteIntegerUnsigned(Trim(value));
        var encoded = writer.Encode();
        return encoded[2..];
    }

    // AsnWriter refuses redundant leading zeros; the value stays at least one byte long.
    private static byte[] Trim(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }

    private static byte[] Raw(byte tag, byte[] content) => content.Length < 128
        ? [tag, (byte)content.Length, .. content]
        : [tag, 0x81, (byte)content.Length, .. content];

    private static byte[] Pad(byte[] value, int size)
    {
        var trimmed = value.SkipWhile(b => b == 0).ToArray();
        return [.. new byte[size - trimmed.Length], .. trimmed];
    }

    private static Gen<Func<byte[], byte[]>> Mutation() => Gen.OneOf(
        from position in Gen.Choose(0, 1000)
        from value in Gen.Choose(0, 255)
        select (Func<byte[], byte[]>)(d => { var c = (byte[])d.Clone(); c[position % c.Length] = (byte)value; return c; }),
        from position in Gen.Choose(0, 1000)
        from value in Gen.Choose(0, 255)
        select (Func<byte[], byte[]>)(d => { var p = position % (d.Length + 1); return [.. d[..p], (byte)value, .. d[p..]]; }),
        from position in Gen.Choose(0, 1000)
        select (Func<byte[], byte[]>)(d => { var p = position % d.Length; return [.. d[..p], .. d[(p + 1)..]]; }),
        from bit in Gen.Choose(0, 7)
        from position in Gen.Choose(0, 6)
        select (Func<byte[], byte[]>)(d => { var c = (byte[])d.Clone(); c[position % c.Length] ^= (byte)(1 << bit); return c; }));
}
