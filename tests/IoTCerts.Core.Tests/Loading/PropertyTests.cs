using System.Diagnostics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Loading;

/// <summary>
/// FsCheck properties: the PEM codec round-trips, and no input — random bytes or mutations of real openssl
/// files — gets anything out of the loader but a result or a <see cref="MaterialException"/>, each within a hang guard.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class PropertyTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    // Low so that a mutated iteration count cannot turn a fuzz case into seconds of PBKDF2.
    private static readonly LoadOptions FuzzOptions = new()
    {
        Password = OpenSslFixtures.Password,
        Limits = new MaterialLimits { MaxKdfIterations = 10_000 },
    };

    private static readonly string[] Seeds =
    [
        "rsa.crt.pem", "rsa.crt.der", "chain.pem", "rsa.p12-nodes.pem", "rsa.csr.der", "int.crl.der", "root.trusted.pem",
        "rsa.pkcs1.der", "ec.sec1.der", "rsa.p8.der", "ec.sec1.pem",
        "rsa.p8-aes256.der", "ec.p8-3des.pem", "genrsa-aes256.pem", "ec.legacy-des3.pem",
        "bundle.p7b", "bundle.p7b.pem", "ec-cheap.p12",
    ];

    private readonly OpenSslFixtures openssl;

    public PropertyTests(OpenSslFixtures openssl) => this.openssl = openssl;

    private static Gen<string> Labels =>
        from first in Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#$%&*+./:;<=>?@_~".ToCharArray())
        from rest in Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -#.".ToCharArray()).ArrayOf()
        from last in Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".ToCharArray())
        let middle = new string(rest).Replace("--", "-", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal)
        select first + middle + last;

    [Property(MaxTest = 2_000)]
    public Property PemWriteThenReadGivesBackTheLabelAndBytes()
    {
        var cases = from label in Labels
                    from data in ArbMap.Default.GeneratorFor<byte[]>()
                    select (label, data);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var block = Assert.Single(PemReader.Read(PemWriter.Write(c.label, c.data)));
            Assert.Equal(c.label, block.Label);
            Assert.Equal(c.data, block.Data.ToArray());
        });
    }

    [Property(MaxTest = 1_000)]
    public Property PemBlocksSurviveTextAroundThemAndCrlfLineEnds()
    {
        var junk = Gen.Elements("Bag Attributes\n", "    localKeyID: 01 02 \n", "subject=/CN=x\n", "\n", "  \t\n", "issuer=CN = y\n")
            .ArrayOf().Select(lines => string.Concat(lines));
        var cases = from before in junk
                    from after in junk
                    from blocks in (from label in Labels from data in ArbMap.Default.GeneratorFor<byte[]>() select new PemBlock(label, data)).ArrayOf()
                    from crlf in ArbMap.Default.GeneratorFor<bool>()
                    select (before, after, blocks, crlf);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var text = string.Concat(c.blocks.Select(b => c.before + PemWriter.Write(b) + c.after));
            if (c.crlf)
            {
                text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
            }

            var read = PemReader.Read(text);
            Assert.Equal(c.blocks.Select(b => b.Label), read.Select(b => b.Label));
            Assert.Equal(c.blocks.Select(b => Convert.ToHexString(b.Data.Span)), read.Select(b => Convert.ToHexString(b.Data.Span)));
        });
    }

    [Property(MaxTest = 2_500)]
    public Property ArbitraryBytesGiveOnlyMaterialExceptions()
    {
        var bytes = ArbMap.Default.GeneratorFor<byte[]>();
        var derLike = from body in bytes from tag in Gen.Elements<byte>(0x30, 0x30, 0x31, 0xA0, 0x04, 0x02) select (byte[])[tag, .. body];
        var textLike = from body in Gen.Elements("ABCDabcd0123+/=\n -:".ToCharArray()).ArrayOf() select Encoding.ASCII.GetBytes(new string(body));
        var pemLike = from label in Gen.Elements("CERTIFICATE", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PKCS7", "X509 CRL", "TRUSTED CERTIFICATE")
                      from body in bytes
                      from header in Gen.Elements("", "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n", "Proc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0011\n\n")
                      select Encoding.ASCII.GetBytes($"-----BEGIN {label}-----\n{header}{Convert.ToBase64String(body)}\n-----END {label}-----\n");
        var cases = Gen.OneOf(bytes, derLike, textLike, pemLike);
        return Prop.ForAll(cases.ToArbitrary(), LoadsOrFailsWithMaterialException);
    }

    [Property(MaxTest = 6_000)]
    public Property MutatedOpenSslFilesGiveOnlyMaterialExceptions()
    {
        var seeds = Seeds.Select(openssl.Bytes).ToArray();
        var mutation =
            from kind in Gen.Choose(0, 5)
            from position in Gen.Choose(0, int.MaxValue)
            from value in Gen.Choose(0, 255)
            from count in Gen.Choose(1, 64)
            select (kind, position, value, count);
        var cases =
            from seed in Gen.Choose(0, seeds.Length - 1)
            from mutations in Gen.Choose(1, 3).SelectMany(n => mutation.ArrayOf(n))
            select Mutate(seeds[seed], mutations);
        return Prop.ForAll(cases.ToArbitrary(), LoadsOrFailsWithMaterialException);
    }

    private static void LoadsOrFailsWithMaterialException(byte[] input)
    {
        var watch = Stopwatch.StartNew();

        // Any exception other than MaterialException escapes TryLoad and fails the property.
        if (MaterialLoader.TryLoad(input, FuzzOptions, out var material, out var error))
        {
            Assert.False(material.IsEmpty);
        }
        else
        {
            Assert.True(Enum.IsDefined(error.Code));
            Assert.DoesNotContain(OpenSslFixtures.Password + "\"", error.Message, StringComparison.Ordinal);
        }

        Assert.True(watch.Elapsed < HangGuard, $"one input took {watch.Elapsed}");
    }

    private static byte[] Mutate(byte[] seed, (int Kind, int Position, int Value, int Count)[] mutations)
    {
        var data = seed.ToList();
        foreach (var (kind, position, value, count) in mutations)
        {
            if (data.Count == 0)
            {
                break;
            }

            int at = position % data.Count;
            switch (kind)
            {
                case 0: // bit flip
                    data[at] ^= (byte)(1 << (value % 8));
                    break;
                case 1: // truncation
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 2: // insertion
                    data.InsertRange(at, Enumerable.Repeat((byte)value, count));
                    break;
                case 3: // deletion
                    data.RemoveRange(at, Math.Min(count, data.Count - at));
                    break;
                case 4: // length corruption: rewrite the length octet after a SEQUENCE / OCTET STRING tag
                    int tag = data.FindIndex(at, b => b is 0x30 or 0x04 or 0xA0);
                    if (tag >= 0 && tag + 1 < data.Count)
                    {
                        data[tag + 1] = (byte)value;
                    }

                    break;
                default: // byte overwrite
                    data[at] = (byte)value;
                    break;
            }
        }

        return data.ToArray();
    }
}
