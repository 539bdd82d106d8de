using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

public sealed class CertificationRequestTests
{
    private const string RequestConfig = """
        [req]
        prompt = no
        distinguished_name = dn
        attributes = attrs
        req_extensions = ext

        [dn]
        C = DE
        O = IoTCerts
        CN = device-42

        [attrs]
        challengePassword = s3cret-challenge

        [ext]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature, keyEncipherment
        extendedKeyUsage = clientAuth
        subjectAltName = DNS:device-42.example.com, IP:192.0.2.42, IP:2001:db8::42, email:d:type:42@example.com
        """;

    [Theory]
    [InlineData("rsa", PublicKeyKind.Rsa, SignatureAlgorithmKind.RsaPkcs1, "rsa:2048")]
    [InlineData("ec", PublicKeyKind.EllipticCurve, SignatureAlgorithmKind.Ecdsa, "ec")]
    [InlineData("pss", PublicKeyKind.Rsa, SignatureAlgorithmKind.RsaPss, "rsa:2048")]
    public void OpenSslRequestsParseAndVerify(string name, PublicKeyKind keyKind, SignatureAlgorithmKind signatureKind, string newKey)
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Write("req.cnf", RequestConfig);
        var arguments = new List<string> { "req", "-new", "-nodes", "-newkey", newKey, "-keyout", "k.pem", "-out", "r.pem", "-config", "req.cnf" };
        if (newKey == "ec")
        {
            arguments.AddRange(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }

        if (name == "pss")
        {
            arguments.AddRange(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]);
        }

        workspace.Run([.. arguments]);
        var der = workspace.ReadDer("r.pem", "CERTIFICATE REQUEST");
        var request = CertificationRequest.Parse(der);

        Assert.Equal(1, request.Version);
        Assert.Equal("CN=device-42,O=IoTCerts,C=DE", request.Subject.Rfc4514Name);
        Assert.Equal(keyKind, request.PublicKey.Kind);
        Assert.Equal(signatureKind, request.SignatureAlgorithm.Kind);
        Assert.Equal("s3cret-challenge", request.ChallengePassword);
        Assert.Equal(new BasicConstraints(false, null), request.BasicConstraints);
        Assert.Equal(KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment, request.KeyUsage);
        Assert.Equal([ExtendedKeyUsageOids.ClientAuth], request.ExtendedKeyUsages);
        Assert.Equal([IPAddress.Parse("192.0.2.42"), IPAddress.Parse("2001:db8::42")], request.SubjectAlternativeNames!.Where(n => n.IPAddress is not null).Select(n => n.IPAddress));
        Assert.Equal(4, request.Extensions.Count);
        Assert.Equal(["1.2.840.113549.1.9.14", "1.2.840.113549.1.9.7"], request.Attributes.Select(a => a.Oid).Order(StringComparer.Ordinal));
        Assert.True(request.VerifySignature(), name + " signature");

        // openssl agrees that the signature is valid.
        Assert.Contains("verify OK", RunVerify(workspace), StringComparison.Ordinal);

        var tamperedSignature = (byte[])der.Clone();
        tamperedSignature[^5] ^= 0x20;
        Assert.False(CertificationRequest.Parse(tamperedSignature).VerifySignature());

        var tamperedSubject = (byte[])der.Clone();
        var at = tamperedSubject.AsSpan().IndexOf("device-42"u8);
        tamperedSubject[at] = (byte)'D';
        var tampered = CertificationRequest.Parse(tamperedSubject);
        Assert.Equal("Device-42", tampered.Subject.CommonName);
        Assert.False(tampered.VerifySignature());
    }

    [Fact]
    public void DotNetRequestWithoutAttributesParses()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest("CN=plain", key, HashAlgorithmName.SHA384);
        var parsed = CertificationRequest.Parse(request.CreateSigningRequest());
        Assert.Empty(parsed.Extensions);
        Assert.Null(parsed.ChallengePassword);
        Assert.Null(parsed.KeyUsage);
        Assert.Equal("P-384", parsed.PublicKey.CurveName);
        Assert.True(parsed.VerifySignature());
    }

    [Fact]
    public void MalformedRequestsGiveMaterialExceptions()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        Assert.Equal(MaterialErrorCode.Truncated, Assert.Throws<MaterialException>(() => CertificationRequest.Parse(der.AsMemory(0, der.Length - 1))).Code);
        Assert.Equal(MaterialErrorCode.Malformed, Assert.Throws<MaterialException>(() => CertificationRequest.Parse(der.Append((byte)0).ToArray())).Code);
        Assert.Equal(MaterialErrorCode.Empty, Assert.Throws<MaterialException>(() => CertificationRequest.Parse(ReadOnlyMemory<byte>.Empty)).Code);
        Assert.False(CertificationRequest.TryParse(TestCertificates.Get("p256-minimal"), out _, out var error));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
    }

    private static string RunVerify(OpenSslWorkspace workspace)
    {
        var start = new System.Diagnostics.ProcessStartInfo("openssl", ["req", "-in", "r.pem", "-verify", "-noout"])
        {
            WorkingDirectory = workspace.Directory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text;
    }
}
