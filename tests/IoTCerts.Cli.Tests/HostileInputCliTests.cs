using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// Issue 17: <c>iotcerts verify</c> on each reproducer exits 1 or 2 with one error line, <c>iotcerts inspect</c> exits 0
/// or 2, and neither ever reaches the internal-error handler (exit 3, asserted by <see cref="CliRunner"/>) or the
/// runtime's exit 134.
/// </summary>
public sealed class HostileInputCliTests(OpenSslFixtures pki) : IClassFixture<OpenSslFixtures>
{
    public static TheoryData<string> Reproducers() => new()
    {
        "wide-arc-certificate",
        "wide-arc-request",
        "wide-arc-pss-certificate",
        "unknown-curve-with-key",
        "huge-rsa-intermediate",
    };

    [Theory]
    [MemberData(nameof(Reproducers))]
    public void Verify_exits_1_or_2_with_one_error_line(string name)
    {
        var path = Write(name);

        var r = CliRunner.Run("verify", "--chain", path, "--trust", pki.PathOf("root.pem"));

        Assert.True(r.ExitCode is 1 or 2, r.ToString());
        Assert.DoesNotContain("Unhandled exception", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at IoTCerts", r.Error + r.Out, StringComparison.Ordinal);
        if (r.ExitCode == 2)
        {
            Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("iotcerts: error [", r.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Reproducers))]
    public void Inspect_exits_0_or_2(string name)
    {
        var path = Write(name);

        var text = CliRunner.Run("inspect", path);
        var json = CliRunner.Run("inspect", path, "--json");

        Assert.True(text.ExitCode is 0 or 2, text.ToString());
        Assert.True(json.ExitCode is 0 or 2, json.ToString());
        Assert.DoesNotContain(" at IoTCerts", text.Error + json.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_huge_RSA_intermediate_is_reported_as_KeyOutOfBounds()
    {
        var r = CliRunner.Run("verify", "--chain", Write("huge-rsa-intermediate"), "--trust", Write("huge-rsa-root"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("KeyOutOfBounds", r.Out + r.Error, StringComparison.Ordinal);
    }

    private static readonly Lazy<Dictionary<string, string>> s_files = new(Build);

    private string Write(string name)
    {
        var path = Path.Combine(pki.Dir, "hostile-" + name + ".pem");
        File.WriteAllText(path, s_files.Value[name]);
        return path;
    }

    private static Dictionary<string, string> Build()
    {
        var files = new Dictionary<string, string>
        {
            ["wide-arc-certificate"] = PemWriter.Write("CERTIFICATE", Convert.FromBase64String("MFswUQIBPTADBgErMAAwHhcNMjYxMjA3MTk1MzE0WhcNMjcxMjA3MTk1MzE0WjAAMCMwHgYc////////////////////////////////////AQMBADADBgErAwEA")),
            ["wide-arc-request"] = PemWriter.Write("CERTIFICATE REQUEST", Convert.FromBase64String("MDQwDwIBADAAMAgwAwYBKgMBADAeBhz///////////////////////////////////8BAwEA")),
            ["wide-arc-pss-certificate"] = PemWriter.Write("CERTIFICATE", Convert.FromBase64String("MIGSMIGHAgFIMFQGCSqGSIb3DQEBCjBHoEUwQwZB/////////////////////////////////////////////////////////////////////////////////////wEwADAeFw0yNjEyMDcxOTUzMTRaFw0yNzEyMDcxOTUzMTRaMAAwCDADBgEqAwEAMAMGASoDAQA=")),
        };

        // An EC key and a certificate on a curve no platform knows (finding 3).
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=odd-curve", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var der = selfSigned.RawData;
        byte[] p256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
        der[der.AsSpan().IndexOf(p256) + p256.Length - 1] = 0x7F;
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        files["unknown-curve-with-key"] = PemWriter.Write("CERTIFICATE", der) + PemWriter.Write("PRIVATE KEY", otherKey.ExportPkcs8PrivateKey());

        // A leaf under a 65,536-bit RSA intermediate with a 65,536-bit exponent (finding 5).
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=Huge Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var exponent = new byte[8192];
        exponent[0] = 0x80;
        exponent[^1] = 1;
        var modulus = RandomNumberGenerator.GetBytes(8192);
        modulus[0] |= 0x80;
        var rsaKey = new AsnWriter(AsnEncodingRules.DER);
        using (rsaKey.PushSequence())
        {
            rsaKey.WriteIntegerUnsigned(modulus);
            rsaKey.WriteIntegerUnsigned(exponent);
        }

        var spki = new AsnWriter(AsnEncodingRules.DER);
        using (spki.PushSequence())
        {
            using (spki.PushSequence())
            {
                spki.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                spki.WriteNull();
            }

            spki.WriteBitString(rsaKey.Encode());
        }

        var intermediateRequest = new CertificateRequest(new X500DistinguishedName("CN=Huge Intermediate"), PublicKey.CreateFromSubjectPublicKeyInfo(spki.Encode(), out _), HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var intermediate = intermediateRequest.Create(root.SubjectName, X509SignatureGenerator.CreateForRSA(rootKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3]);
        using var leafKey = RSA.Create(2048);
        using var leaf = new CertificateRequest("CN=device-huge", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .Create(intermediate.SubjectName, X509SignatureGenerator.CreateForRSA(leafKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [4, 5, 6]);
        files["huge-rsa-intermediate"] = PemWriter.Write("CERTIFICATE", leaf.RawData) + PemWriter.Write("CERTIFICATE", intermediate.RawData);
        files["huge-rsa-root"] = PemWriter.Write("CERTIFICATE", root.RawData);
        return files;
    }
}
