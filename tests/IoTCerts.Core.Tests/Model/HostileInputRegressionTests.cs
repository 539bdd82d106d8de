using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Core.Tests.Model;

/// <summary>
/// Issue 17: the outside fuzzing run's reproducers and a minimal one for each other finding. After a successful parse
/// nothing may throw anything but <see cref="MaterialException"/>; a malformed certificate is a result with a code.
/// </summary>
public sealed class HostileInputRegressionTests
{
    /// <summary>Finding 1: Certificate.Parse accepted an OID arc wider than 128 bits; Validate then threw AsnContentException.</summary>
    internal const string WideArcCertificate = "MFswUQIBPTADBgErMAAwHhcNMjYxMjA3MTk1MzE0WhcNMjcxMjA3MTk1MzE0WjAAMCMwHgYc////////////////////////////////////AQMBADADBgErAwEA";

    /// <summary>Finding 1: CertificationRequest.Parse accepted it; SignatureAlgorithm threw.</summary>
    internal const string WideArcRequest = "MDQwDwIBADAAMAgwAwYBKgMBADAeBhz///////////////////////////////////8BAwEA";

    /// <summary>Finding 2: the same inside RSA-PSS parameters (SignatureAlgorithm.ReadPss).</summary>
    internal const string WideArcPssCertificate = "MIGSMIGHAgFIMFQGCSqGSIb3DQEBCjBHoEUwQwZB/////////////////////////////////////////////////////////////////////////////////////wEwADAeFw0yNjEyMDcxOTUzMTRaFw0yNzEyMDcxOTUzMTRaMAAwCDADBgEqAwEAMAMGASoDAQA=";

    [Theory]
    [InlineData(WideArcCertificate)]
    [InlineData(WideArcPssCertificate)]
    public void A_certificate_with_an_OID_arc_wider_than_128_bits_is_refused_at_parse(string base64)
    {
        var der = Convert.FromBase64String(base64);

        Assert.False(Certificate.TryParse(der, out _, out var error));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.Contains("object identifier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_with_an_OID_arc_wider_than_128_bits_is_refused_at_parse()
    {
        var error = Assert.Throws<MaterialException>(() => CertificationRequest.Parse(Convert.FromBase64String(WideArcRequest)));

        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
    }

    [Theory]
    [InlineData(18, 0xFF, true)]
    [InlineData(19, 0x83, true)] // 2^128 - 1 fits: 19 groups whose top 5 bits are zero
    [InlineData(19, 0x84, false)]
    [InlineData(20, 0x81, false)]
    public void OID_arcs_are_accepted_exactly_when_the_platform_can_decode_them(int arcBytes, int firstByte, bool accepted)
    {
        var content = new List<byte> { 0x2A, (byte)firstByte };
        content.AddRange(Enumerable.Repeat((byte)0xFF, arcBytes - 2));
        content.Add(0x7F);
        var encoded = new byte[] { 0x06, (byte)content.Count }.Concat(content).ToArray();
        var platform = true;
        try
        {
            AsnDecoder.ReadObjectIdentifier(encoded, AsnEncodingRules.DER, out _);
        }
        catch (AsnContentException)
        {
            platform = false;
        }

        // An EKU extension carrying the OID: parse accepts it exactly when System.Formats.Asn1 can decode it later.
        var eku = new AsnWriter(AsnEncodingRules.DER);
        using (eku.PushSequence())
        {
            eku.WriteEncodedValue(encoded);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=arc", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension("2.5.29.37", eku.Encode(), critical: false));
        using var x509 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var parsed = Certificate.TryParse(x509.RawData, out var certificate, out _);

        Assert.Equal(accepted, platform);
        Assert.Equal(accepted, parsed);
        if (parsed)
        {
            Assert.Single(certificate!.ExtendedKeyUsages!);
            Assert.Null(Record.Exception(() => new ChainValidator([certificate]).Validate(certificate)));
        }
    }

    [Fact]
    public void A_file_with_an_EC_key_and_a_certificate_on_an_unknown_curve_matches_no_certificate()
    {
        // Finding 3: KeyMatch let PlatformNotSupportedException escape from LoadedMaterial.CertificateFor.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=odd-curve", key, HashAlgorithmName.SHA256);
        using var x509 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var der = x509.RawData;
        byte[] p256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
        var at = der.AsSpan().IndexOf(p256);
        der[at + p256.Length - 1] = 0x7F; // 1.2.840.10045.3.1.127: no platform knows it
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = PemWriter.Write("CERTIFICATE", der) + PemWriter.Write("PRIVATE KEY", otherKey.ExportPkcs8PrivateKey());

        var material = MaterialLoader.Load(Encoding.ASCII.GetBytes(pem));

        Assert.Null(material.CertificateFor(material.PrivateKeys[0]));
        Assert.False(KeyMatch.MatchesSubjectPublicKeyInfo(material.PrivateKeys[0], material.Certificates[0].PublicKey.RawData.Span));
    }

    [Fact]
    public void A_65536_bit_RSA_intermediate_with_a_65536_bit_exponent_is_KeyOutOfBounds_without_being_imported()
    {
        // Finding 5: such an intermediate was reported valid after seconds of CPU per verification.
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=Bounds Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var hugeKey = PublicKey.CreateFromSubjectPublicKeyInfo(RsaSpki(modulusBits: 65_536, exponent: HugeOddExponent(65_536)), out _);
        var intermediateRequest = new CertificateRequest(new X500DistinguishedName("CN=Huge Intermediate"), hugeKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var intermediate = intermediateRequest.Create(root.SubjectName, X509SignatureGenerator.CreateForRSA(rootKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3]);
        using var leafKey = RSA.Create(2048);
        var leafRequest = new CertificateRequest("CN=device-huge", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var leaf = leafRequest.Create(intermediate.SubjectName, X509SignatureGenerator.CreateForRSA(leafKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [4, 5, 6]);
        var huge = Certificate.Parse(intermediate.RawData);

        var watch = Stopwatch.StartNew();
        var result = new ChainValidator([Certificate.Parse(root.RawData)]).Validate(Certificate.Parse(leaf.RawData), [huge]);
        var anchored = new ChainValidator([huge]).Validate(Certificate.Parse(leaf.RawData));
        watch.Stop();

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Status == ChainStatus.KeyOutOfBounds && e.Message.Contains("65536 bits", StringComparison.Ordinal));
        Assert.Contains(anchored.Errors, e => e.Status == ChainStatus.KeyOutOfBounds);
        Assert.False(anchored.IsValid);
        Assert.NotNull(huge.PublicKey.BoundsViolation);
        Assert.Equal(MaterialErrorCode.KeyOutOfBounds, Assert.Throws<MaterialException>(() => huge.PublicKey.CreateRsa()).Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(16_384, "010001", null)]
    [InlineData(16_392, "010001", "modulus")]
    [InlineData(2048, "010000", "even")]
    [InlineData(2048, "01", "is 1")]
    [InlineData(2048, "03", null)]
    public void RSA_keys_outside_the_bounds_say_why(int modulusBits, string exponentHex, string? reason)
    {
        var spki = SubjectPublicKeyInfo.Parse(RsaSpki(modulusBits, Convert.FromHexString(exponentHex)));

        if (reason is null)
        {
            Assert.Null(spki.BoundsViolation);
            Assert.Equal(modulusBits, spki.KeySize);
        }
        else
        {
            Assert.Contains(reason, spki.BoundsViolation, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_exponent_above_2_to_the_256_is_out_of_bounds()
    {
        var spki = SubjectPublicKeyInfo.Parse(RsaSpki(2048, HugeOddExponent(257)));

        Assert.Contains("exponent has 257 bits", spki.BoundsViolation, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_refuses_garbage_and_truncations_without_throwing_internally()
    {
        var valid = Certificate.Parse(Convert.FromBase64String(ValidCertificateBase64())).RawData.ToArray();
        var random = new Random(17);
        var inputs = new List<byte[]>();
        for (var i = 0; i < 500; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            inputs.Add(garbage);
            inputs.Add(valid[..random.Next(valid.Length)]);
        }

        var thread = Environment.CurrentManagedThreadId;
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            foreach (var input in inputs)
            {
                Assert.False(Certificate.TryParse(input, out _, out var error));
                Assert.NotNull(error);
                Assert.False(CertificationRequest.TryParse(input, out _, out _));
                Assert.False(CertificateRevocationList.TryParse(input, out _, out _));
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, thrown);
    }

    private static string ValidCertificateBase64()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var x509 = new CertificateRequest("CN=try-parse", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(x509.RawData);
    }

    private static byte[] HugeOddExponent(int bits)
    {
        var exponent = new byte[(bits + 7) / 8];
        exponent[0] = (byte)(1 << ((bits - 1) % 8));
        exponent[^1] |= 1;
        return exponent;
    }

    internal static byte[] RsaSpki(int modulusBits, byte[] exponent)
    {
        var modulus = new byte[modulusBits / 8];
        RandomNumberGenerator.Fill(modulus);
        modulus[0] |= 0x80;
        modulus[^1] |= 1;
        var rsaPublicKey = new AsnWriter(AsnEncodingRules.DER);
        using (rsaPublicKey.PushSequence())
        {
            rsaPublicKey.WriteIntegerUnsigned(modulus);
            rsaPublicKey.WriteIntegerUnsigned(exponent);
        }

        var spki = new AsnWriter(AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence())
            {
                spki.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                spki.WriteNull();
            }

            spki.WriteBitString(rsaPublicKey.Encode());
        }

        return spki.Encode();
    }
}
