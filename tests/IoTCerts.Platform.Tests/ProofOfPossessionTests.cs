using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

public sealed class ProofOfPossessionTests
{
    /// <summary>A CA made by the openssl CLI, so the signature is checked by an independent implementation.</summary>
    private static (X509Certificate2 Certificate, AsymmetricAlgorithm Key) OpenSslCa(TempDirectory dir, string keyAlgorithm)
    {
        if (keyAlgorithm == "rsa")
        {
            OpenSsl.Run(dir.Path, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca.key");
        }
        else
        {
            OpenSsl.Run(dir.Path, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
        }

        OpenSsl.Run(dir.Path, "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=PoP Root " + keyAlgorithm, "-days", "30", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(dir.File("ca.pem"));
        AsymmetricAlgorithm key = keyAlgorithm == "rsa" ? RSA.Create() : ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(dir.File("ca.key")));
        return (certificate, key);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public async Task End_to_end_the_uploaded_signature_verifies_with_openssl_against_the_ca_certificate(string algorithm)
    {
        using var dir = new TempDirectory();
        var (ca, key) = OpenSslCa(dir, algorithm);
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        stub.ClearRequests();

        var final = await client.ProveProofOfPossessionAsync(ca, key);

        Assert.True(final.ProofOfPossessionValid);
        var requests = stub.Requests;
        var prefix = "/tenant/tenants/t100/trusted-certificates-pop/" + fingerprint;
        Assert.Equal([$"POST {prefix}/verification-code", $"POST {prefix}/pop"], requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Empty(requests[0].Body);
        Assert.Equal("application/json", requests[0].Header("Accept"));
        var upload = requests[1].Json!.AsObject();
        Assert.Equal(["proofOfPossessionSignedVerificationCode"], upload.Select(p => p.Key));

        // Independent check: openssl dgst -sha256 -verify with the public key extracted from the CA certificate.
        var code = stub.LastIssuedCode!;
        File.WriteAllText(dir.File("code.txt"), code);
        File.WriteAllBytes(dir.File("sig.bin"), Convert.FromBase64String((string)upload["proofOfPossessionSignedVerificationCode"]!));
        File.WriteAllText(dir.File("pub.pem"), OpenSsl.Run(dir.Path, "x509", "-in", "ca.pem", "-pubkey", "-noout"));
        Assert.Contains("Verified OK", OpenSsl.Run(dir.Path, "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "code.txt"));

        // And byte-identical to what openssl signs, for RSA (PKCS#1 v1.5 is deterministic).
        if (algorithm == "rsa")
        {
            Assert.Equal(RunBase64(dir), (string)upload["proofOfPossessionSignedVerificationCode"]!);
        }
    }

    private static string RunBase64(TempDirectory dir)
    {
        OpenSsl.Run(dir.Path, "dgst", "-sha256", "-sign", "ca.key", "-out", "openssl.sig", "code.txt");
        return OpenSsl.Run(dir.Path, "base64", "-A", "-in", "openssl.sig").Trim();
    }

    [Fact]
    public async Task An_already_expired_code_is_asked_for_again_before_signing()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var key = RSA.Create(2048);
        using var ca = TestPki.Ca("CN=Expiring", key);
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        stub.ExpiredCodesToIssue = 1;
        stub.ClearRequests();

        var final = await client.ProveProofOfPossessionAsync(fingerprint, key);

        Assert.True(final.ProofOfPossessionValid);
        Assert.Equal(["verification-code", "verification-code", "pop"], stub.Requests.Select(r => r.Path.Split('/')[^1]));
    }

    [Fact]
    public async Task A_code_refused_as_expired_on_upload_is_renewed_and_signed_again()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = TestPki.Ca("CN=Skewed clock", key);
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        stub.ExpireOnUpload = 1;
        stub.ClearRequests();

        var final = await client.ProveProofOfPossessionAsync(fingerprint, key);

        Assert.True(final.ProofOfPossessionValid);
        Assert.Equal(["verification-code", "pop", "verification-code", "pop"], stub.Requests.Select(r => r.Path.Split('/')[^1]));
    }

    [Fact]
    public async Task Gives_up_when_every_code_has_expired()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var key = RSA.Create(2048);
        using var ca = TestPki.Ca("CN=Always expired", key);
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.MaxVerificationCodeRequests = 2; });
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        stub.ExpiredCodesToIssue = 5;
        stub.ClearRequests();

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.ProveProofOfPossessionAsync(fingerprint, key));

        Assert.Equal(CumulocityErrorCode.GaveUp, ex.Code);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_locally_for_a_certificate_and_by_the_platform_for_a_fingerprint()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        using var ca = TestPki.Ca("CN=Owned", key);
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        stub.ClearRequests();

        await Assert.ThrowsAsync<ArgumentException>(() => client.ProveProofOfPossessionAsync(ca, other));
        Assert.Empty(stub.Requests);

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.ProveProofOfPossessionAsync(fingerprint, other));
        Assert.Equal(CumulocityErrorCode.InvalidRequest, ex.Code);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.Status);
        Assert.Contains("signature does not match", ex.Message);
    }

    [Fact]
    public async Task The_three_steps_separately_and_the_management_override()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var ca = TestPki.Ca("CN=Stepwise", key);
        using var second = TestPki.Ca("CN=Confirmed by management");
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        var fingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca))).Fingerprint!;
        var secondFingerprint = (await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(second))).Fingerprint!;

        var withCode = await client.RequestVerificationCodeAsync(fingerprint);
        Assert.False(withCode.ProofOfPossessionValid);
        Assert.True(withCode.ProofOfPossessionVerificationCodeUsableUntil > DateTimeOffset.UtcNow);
        var signature = IoTCerts.Core.ProofOfPossession.Sign(IoTCerts.Core.PrivateKey.FromAsymmetricAlgorithm(key), withCode.ProofOfPossessionUnsignedVerificationCode!);
        Assert.True((await client.UploadSignedVerificationCodeAsync(fingerprint, signature)).ProofOfPossessionValid);

        Assert.True((await client.ConfirmProofOfPossessionAsync(secondFingerprint)).ProofOfPossessionValid);
        Assert.EndsWith(secondFingerprint + "/confirmed", stub.Requests[^1].Path);
    }
}
