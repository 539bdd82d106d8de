using IoTCerts.Core;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>R-65: the real openssl CLI accepts every chain, CSR, CRL, key and PKCS#12 we write.</summary>
public sealed class OpenSslInteropTests
{
    public static TheoryData<int?, int?[], string> Hierarchies => new()
    {
        // root pathlen, intermediate pathlens (top-down), leaf profile
        { null, [], "device" },
        { null, [null], "device" },
        { 2, [1, 0], "device" },
        { 1, [0], "server" },
        { 0, [], "server" },
        { null, [null, null, 0], "device" },
    };

    [Theory]
    [MemberData(nameof(Hierarchies))]
    public void OpenSslVerifyAcceptsEveryChainWeIssue(int? rootPathLength, int?[] intermediatePathLengths, string leafProfile)
    {
        using var dir = new TempDir();
        var cas = new List<CertificateAuthority> { TestCa.Root(dir["root"], rootPathLength) };
        try
        {
            for (var i = 0; i < intermediatePathLengths.Length; i++)
            {
                cas.Add(TestCa.Intermediate(cas[^1], dir[$"int{i}"], $"Intermediate {i}", intermediatePathLengths[i]));
            }

            var profile = CertificateProfile.FromName(leafProfile);
            var (issued, key) = cas[^1].IssueWithNewKey("CN=leaf.example,O=Acme", profile, subjectAlternativeNames: ["DNS:leaf.example"]);
            key.Dispose();
            TestCa.WritePem(dir["root.pem"], cas[0].Certificate);
            TestCa.WritePem(dir["untrusted.pem"], [.. issued.Chain.Skip(1).Where(c => c.Thumbprint != cas[0].Certificate.Thumbprint)]);
            TestCa.WritePem(dir["leaf.pem"], issued.Certificate);
            Assert.Equal(intermediatePathLengths.Length + 2, issued.Chain.Count);

            var purpose = leafProfile == "server" ? "sslserver" : "sslclient";
            var args = new List<string> { "verify", "-x509_strict", "-purpose", purpose, "-CAfile", "root.pem" };
            if (intermediatePathLengths.Length > 0)
            {
                args.AddRange(["-untrusted", "untrusted.pem"]);
            }

            args.Add("leaf.pem");
            var output = Tool.OpenSslOk(dir.Path, [.. args]);
            Assert.Contains("leaf.pem: OK", output, StringComparison.Ordinal);

            // The chain file (R-10) also works as the whole untrusted set.
            TestCa.WritePem(dir["chain.pem"], [.. issued.Chain]);
            Assert.Contains("OK", Tool.OpenSslOk(dir.Path, "verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem"), StringComparison.Ordinal);
        }
        finally
        {
            cas.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void RsaRootsAndRsaDevicesVerifyToo()
    {
        using var dir = new TempDir();
        using var root = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(dir["root"]), new CaOptions { Subject = "CN=RSA Root", KeyAlgorithm = KeyAlgorithm.Rsa3072, PathLength = 1 });
        using var ec = TestCa.Intermediate(root, dir["int"], "EC Issuing", 0);
        var (issued, key) = ec.IssueWithNewKey("CN=rsa-device", CertificateProfile.Device(), KeyAlgorithm.Rsa2048);
        key.Dispose();
        TestCa.WritePem(dir["root.pem"], root.Certificate);
        TestCa.WritePem(dir["int.pem"], ec.Certificate);
        TestCa.WritePem(dir["leaf.pem"], issued.Certificate);

        Assert.Contains("OK", Tool.OpenSslOk(dir.Path, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "root.pem", "-untrusted", "int.pem", "leaf.pem"), StringComparison.Ordinal);
        Assert.Contains("sha256WithRSAEncryption", Tool.OpenSslOk(dir.Path, "x509", "-in", "int.pem", "-noout", "-text"), StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSslX509TextShowsTheProfileExtensions()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], pathLength: 1, key: KeyAlgorithm.EcP384);
        TestCa.WritePem(dir["root.pem"], root.Certificate);

        var text = Tool.OpenSslOk(dir.Path, "x509", "-in", "root.pem", "-noout", "-text");

        Assert.Contains("CA:TRUE, pathlen:1", text, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Certificate Sign, CRL Sign", text, StringComparison.Ordinal);
        Assert.Contains("ecdsa-with-SHA384", text, StringComparison.Ordinal);
        Assert.Contains("Subject: C = DE, O = IoTCerts Tests, CN = Test Root", text, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSslReqVerifiesOurCsrAndSeesItsAttributes()
    {
        using var dir = new TempDir();
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        File.WriteAllText(dir["dev.csr"], CertificationRequests.CreatePem(key, new CertificationRequestOptions
        {
            Subject = DistinguishedNames.Parse("CN=d:iot-type:dev-7,O=Acme"),
            SubjectAlternativeNames = ["email:d:iot-type:dev-7", "DNS:dev-7.example"],
            Profile = CertificateProfile.Device(),
            ChallengePassword = "revoke-me-42",
        }));

        var result = Tool.OpenSsl(dir.Path, "req", "-in", "dev.csr", "-noout", "-verify", "-text");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("verify OK", result.Out + result.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("challengePassword", result.Out, StringComparison.Ordinal);
        Assert.Contains("revoke-me-42", result.Out, StringComparison.Ordinal);
        Assert.Contains("TLS Web Client Authentication", result.Out, StringComparison.Ordinal);
        Assert.Contains("email:d:iot-type:dev-7", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void CsrMadeByOpenSslIsVerifiedAndIssuedAndATamperedOneIsRefused()
    {
        using var dir = new TempDir();
        Tool.OpenSslOk(dir.Path, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "d.key", "-out", "d.csr", "-subj", "/O=Acme/CN=openssl-device", "-addext", "subjectAltName=DNS:openssl-device.example");
        using var root = TestCa.Root(dir["root"]);

        var request = IssuanceRequest.FromCertificationRequest(File.ReadAllBytes(dir["d.csr"]));
        var issued = root.Issue(request);
        TestCa.WritePem(dir["root.pem"], root.Certificate);
        TestCa.WritePem(dir["d.pem"], issued.Certificate);
        Assert.Contains("OK", Tool.OpenSslOk(dir.Path, "verify", "-CAfile", "root.pem", "d.pem"), StringComparison.Ordinal);
        Assert.Contains("DNS:openssl-device.example", Tool.OpenSslOk(dir.Path, "x509", "-in", "d.pem", "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);
        Assert.Equal("subject=O = Acme, CN = openssl-device", Tool.OpenSslOk(dir.Path, "x509", "-in", "d.pem", "-noout", "-subject").Trim());

        // Flip one byte inside the subject: the self-signature no longer verifies.
        var der = Convert.FromBase64String(string.Concat(File.ReadAllLines(dir["d.csr"]).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        var at = der.AsSpan().IndexOf("openssl-device"u8);
        der[at] ^= 0x01;
        var ex = Assert.Throws<IssuanceException>(() => IssuanceRequest.FromCertificationRequest(der));
        Assert.Equal(IssuanceErrorCode.RequestSignatureInvalid, ex.Code);
        Assert.False(CertificationRequests.Verify(der));
    }

    [Fact]
    public void OpenSslCrlVerifyAcceptsOurCrlAndVerifyWithCrlCheckSeesTheRevocation()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (good, k1) = root.IssueWithNewKey("CN=good", CertificateProfile.Device());
        var (bad, k2) = root.IssueWithNewKey("CN=bad", CertificateProfile.Device());
        k1.Dispose();
        k2.Dispose();
        root.Revoke(bad.SerialNumber, X509RevocationReason.KeyCompromise);
        root.PublishCrl();
        var crl = root.PublishCrl();
        File.WriteAllText(dir["crl.pem"], crl.Pem);
        File.WriteAllBytes(dir["crl.der"], crl.Der);
        TestCa.WritePem(dir["root.pem"], root.Certificate);
        TestCa.WritePem(dir["good.pem"], good.Certificate);
        TestCa.WritePem(dir["bad.pem"], bad.Certificate);

        var pem = Tool.OpenSsl(dir.Path, "crl", "-in", "crl.pem", "-CAfile", "root.pem", "-noout", "-text");
        Assert.True(pem.ExitCode == 0, pem.ToString());
        Assert.Contains("verify OK", pem.Out + pem.Error, StringComparison.Ordinal);
        Assert.Contains("X509v3 CRL Number", pem.Out, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", pem.Out, StringComparison.Ordinal);
        Assert.Contains("Key Compromise", pem.Out, StringComparison.Ordinal);
        Assert.Contains(bad.SerialNumber, pem.Out, StringComparison.Ordinal);
        Assert.Matches(@"CRL Number:\s*\n\s*2", pem.Out);
        var der = Tool.OpenSsl(dir.Path, "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "root.pem", "-noout");
        Assert.Contains("verify OK", der.Out + der.Error, StringComparison.Ordinal);

        Assert.Contains("good.pem: OK", Tool.OpenSslOk(dir.Path, "verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "good.pem"), StringComparison.Ordinal);
        var revoked = Tool.OpenSsl(dir.Path, "verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "bad.pem");
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("certificate revoked", revoked.Out + revoked.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Pkcs12Encryption.Aes256Sha256, "AES-256-CBC", "MAC: sha256")]
    [InlineData(Pkcs12Encryption.LegacyTripleDesSha1, "pbeWithSHA1And3-KeyTripleDES-CBC", "MAC: sha1")]
    public void OpenSslPkcs12InfoReadsOurKeystore(Pkcs12Encryption encryption, string expectedCipher, string expectedMac)
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=ks-device", CertificateProfile.Device());
        using var _ = key;
        File.WriteAllBytes(dir["ks.p12"], Pkcs12Files.CreateKeystore(key, issued.Chain, "store-pw", new Pkcs12Options { Encryption = encryption }));

        var info = Tool.OpenSsl(dir.Path, "pkcs12", "-info", "-in", "ks.p12", "-passin", "pass:store-pw", "-noenc");

        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains(expectedMac, info.Out + info.Error, StringComparison.Ordinal);
        Assert.Contains(expectedCipher, info.Out + info.Error, StringComparison.Ordinal);
        Assert.Contains("friendlyName: devicekeyentry", info.Out, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(info.Out, "BEGIN CERTIFICATE"));
        Assert.Equal(1, CountOf(info.Out, "BEGIN PRIVATE KEY"));
        var wrong = Tool.OpenSsl(dir.Path, "pkcs12", "-info", "-in", "ks.p12", "-passin", "pass:nope", "-noenc");
        Assert.NotEqual(0, wrong.ExitCode);
    }

    [Fact]
    public void KeyFilesAreOwnerOnlyAndOpenSslReadsTheEncryptedPkcs8()
    {
        using var dir = new TempDir();
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        IssuanceFiles.WriteText(dir["k.pem"], key.ExportPkcs8Pem("key-pw") + "\n", IoTCerts.Core.AtomicFile.SecretMode, overwrite: false);
        using var root = TestCa.Root(dir["root"]);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["k.pem"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir["root"], "caKey.pem")));
        Assert.Equal(IoTCerts.Core.AtomicFile.PublicMode, File.GetUnixFileMode(Path.Combine(dir["root"], "caCert.pem")));
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(dir["k.pem"]), StringComparison.Ordinal);
        Tool.OpenSslOk(dir.Path, "pkey", "-in", "k.pem", "-passin", "pass:key-pw", "-noout");
        Tool.OpenSslOk(dir.Path, "pkey", "-in", Path.Combine("root", "caKey.pem"), "-passin", $"pass:{TestCa.Password}", "-noout");
        Assert.NotEqual(0, Tool.OpenSsl(dir.Path, "pkey", "-in", "k.pem", "-passin", "pass:wrong", "-noout").ExitCode);
        Assert.Equal(IssuanceErrorCode.AlreadyExists, Assert.Throws<IssuanceException>(() => IssuanceFiles.WriteText(dir["k.pem"], key.ExportPkcs8Pem(null) + "\n", IoTCerts.Core.AtomicFile.SecretMode, overwrite: false)).Code);
    }

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
