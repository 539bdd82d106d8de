namespace IoTCerts.Issuance.Tests.CliCommands;

/// <summary>The issuance commands end to end, in-process: exit codes 0/2, one sentence on stderr, safe files.</summary>
public sealed class IssuanceCliTests
{
    [Fact]
    public void FullWorkflowProducesWhatOpenSslAndKeytoolAccept()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["pw"], "cli-secret\n");
        File.WriteAllText(dir["store-pw"], "store-secret\n");
        Cli.Ok("ca", "init", "--dir", dir["root"], "--subject", "CN=Cli Root,O=Acme,C=DE", "--key", "ec-p384", "--pathlen", "1", "--crl-url", "http://crl.example/root.crl", "--password-file", dir["pw"]);
        Cli.Ok("ca", "intermediate", "--ca", dir["root"], "--dir", dir["int"], "--subject", "CN=Cli Issuing,O=Acme", "--key", "ec-p256", "--pathlen", "0", "--password-file", dir["pw"]);
        var issue = Cli.Ok("issue", "--ca", dir["int"], "--subject", "CN=cli-device-1,O=Acme", "--key-out", dir["dev.key"], "--out", dir["dev.pem"], "--chain-out", dir["chain.pem"], "--password-file", dir["pw"]);
        Assert.Contains("issued device certificate", issue, StringComparison.Ordinal);
        Cli.Ok("csr", "--subject", "CN=mqtt.example,O=Acme", "--san", "DNS:mqtt.example", "--san", "IP:192.0.2.10", "--profile", "server", "--key-out", dir["srv.key"], "--out", dir["srv.csr"]);
        Assert.Equal(0, Cli.Run("csr", "--verify", dir["srv.csr"]).ExitCode);
        Cli.Ok("issue", "--ca", dir["int"], "--csr", dir["srv.csr"], "--profile", "server", "--out", dir["srv.pem"], "--password-file", dir["pw"]);
        Cli.Ok("pkcs12", "--key", dir["dev.key"], "--chain", dir["chain.pem"], "--out", dir["dev.p12"], "--password-file", dir["store-pw"]);
        Cli.Ok("truststore", Path.Combine(dir["root"], "caCert.pem"), "--out", dir["trust.p12"], "--password-file", dir["store-pw"]);

        Tool.OpenSslOk(dir.Path, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine("root", "caCert.pem"), "-untrusted", "chain.pem", "dev.pem");
        Tool.OpenSslOk(dir.Path, "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", Path.Combine("root", "caCert.pem"), "-untrusted", Path.Combine("int", "caCert.pem"), "srv.pem");
        Assert.Equal(3, File.ReadAllText(dir["chain.pem"]).Split("BEGIN CERTIFICATE").Length - 1);
        Assert.Contains("http://crl.example/root.crl", Tool.OpenSslOk(dir.Path, "x509", "-in", Path.Combine("int", "caCert.pem"), "-noout", "-ext", "crlDistributionPoints"), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["dev.key"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir["dev.p12"]));
        Assert.Equal(IoTCerts.Core.AtomicFile.PublicMode, File.GetUnixFileMode(dir["dev.pem"]));
        var keystore = Tool.Run("keytool", ["-list", "-storetype", "PKCS12", "-keystore", "dev.p12", "-storepass", "store-secret"], dir.Path);
        Assert.Contains("devicekeyentry, ", keystore.Out, StringComparison.Ordinal);
        Assert.Contains("PrivateKeyEntry", keystore.Out, StringComparison.Ordinal);
        var truststore = Tool.Run("keytool", ["-list", "-storetype", "PKCS12", "-keystore", "trust.p12", "-storepass", "store-secret"], dir.Path);
        Assert.Contains("trustedCertEntry", truststore.Out, StringComparison.Ordinal);

        // Revoke the device and publish the CRL as PEM and DER.
        var serial = Tool.OpenSslOk(dir.Path, "x509", "-in", "dev.pem", "-noout", "-serial").Trim()["serial=".Length..];
        Cli.Ok("revoke", "--ca", dir["int"], "--serial", serial, "--reason", "keyCompromise", "--password-file", dir["pw"]);
        Cli.Ok("crl", "--ca", dir["int"], "--out", dir["int.crl"], "--der-out", dir["int.crl.der"], "--password-file", dir["pw"]);
        var revoked = Tool.OpenSsl(dir.Path, "verify", "-crl_check", "-CAfile", Path.Combine("root", "caCert.pem"), "-untrusted", Path.Combine("int", "caCert.pem"), "-CRLfile", "int.crl", "dev.pem");
        Assert.Contains("certificate revoked", revoked.Out + revoked.Error, StringComparison.Ordinal);
        Tool.OpenSslOk(dir.Path, "crl", "-inform", "DER", "-in", "int.crl.der", "-noout");
    }

    [Fact]
    public void CaPassphraseIsNeverTakenFromTheCommandLineAndIsRequired()
    {
        using var dir = new TempDir();

        var missing = Cli.Run("ca", "init", "--dir", dir["ca"], "--subject", "CN=x", "--key", "ec-p256");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing-password", missing.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir["ca"]));

        var onCommandLine = Cli.Run("ca", "init", "--dir", dir["ca"], "--subject", "CN=x", "--password", "secret");
        Assert.Equal(2, onCommandLine.ExitCode);
        Assert.Contains("usage", onCommandLine.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ExistingCaDirectoriesAndKeyFilesAreNotOverwrittenWithoutForce()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=first", "--key", "ec-p256", "--no-password");
        var firstCert = File.ReadAllText(Path.Combine(dir["ca"], "caCert.pem"));

        var again = Cli.Run("ca", "init", "--dir", dir["ca"], "--subject", "CN=second", "--key", "ec-p256", "--no-password");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already-exists", again.Error, StringComparison.Ordinal);
        Assert.Equal(firstCert, File.ReadAllText(Path.Combine(dir["ca"], "caCert.pem")));

        File.WriteAllText(dir["taken.key"], "precious");
        var key = Cli.Run("issue", "--ca", dir["ca"], "--subject", "CN=d", "--key-out", dir["taken.key"], "--out", dir["d.pem"]);
        Assert.Equal(2, key.ExitCode);
        Assert.Equal("precious", File.ReadAllText(dir["taken.key"]));
        Assert.False(File.Exists(dir["d.pem"]));
        Assert.Empty(new DirectoryCaDatabase(dir["ca"]).ReadRecords());

        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=second", "--key", "ec-p256", "--no-password", "--force");
        Assert.NotEqual(firstCert, File.ReadAllText(Path.Combine(dir["ca"], "caCert.pem")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path, ".ca.*"));
    }

    [Theory]
    [InlineData("invalid-name", "issue", "--subject", "CN=x+O=y")]
    [InlineData("invalid-san", "issue", "--subject", "CN=x", "--san", "nonsense")]
    [InlineData("policy-violation", "issue", "--subject", "O=no-common-name")]
    [InlineData("invalid-option", "issue", "--subject", "CN=x", "--profile", "wizard")]
    [InlineData("weak-or-unsupported-key", "issue", "--subject", "CN=x", "--key-type", "rsa1024")]
    [InlineData("invalid-option", "issue", "--subject", "CN=x", "--days", "0")]
    [InlineData("usage", "issue")]
    public void BadInputIsExitCode2WithOneSentence(string code, params string[] args)
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=Root", "--key", "ec-p256", "--no-password");

        var result = Cli.Run([.. args, "--ca", dir["ca"], "--key-out", dir["k.pem"], "--out", dir["c.pem"]]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"[{code}]", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(File.Exists(dir["k.pem"]));
    }

    [Fact]
    public void WrongCaPassphraseIsAClearErrorWithoutTheSecret()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["pw"], "right-one\n");
        File.WriteAllText(dir["bad"], "wrong-one\n");
        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=Root", "--key", "ec-p256", "--password-file", dir["pw"]);

        var result = Cli.Run("issue", "--ca", dir["ca"], "--subject", "CN=d", "--key-out", dir["k"], "--out", dir["c"], "--password-file", dir["bad"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("wrong-passphrase", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-one", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedCsrIsRefusedAndVerifyReportsIt()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=Root", "--key", "ec-p256", "--no-password");
        Tool.OpenSslOk(dir.Path, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "d.key", "-out", "d.csr", "-subj", "/CN=tamper-me");
        Tool.OpenSslOk(dir.Path, "req", "-in", "d.csr", "-outform", "DER", "-out", "d.der");
        var der = File.ReadAllBytes(dir["d.der"]);
        der[der.AsSpan().IndexOf("tamper-me"u8)] ^= 0x20;
        File.WriteAllBytes(dir["bad.der"], der);

        Assert.Equal(1, Cli.Run("csr", "--verify", dir["bad.der"]).ExitCode);
        Assert.Equal(0, Cli.Run("csr", "--verify", dir["d.der"]).ExitCode);
        var result = Cli.Run("issue", "--ca", dir["ca"], "--csr", dir["bad.der"], "--out", dir["c.pem"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("csr-signature-invalid", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir["c.pem"]));
    }

    [Fact]
    public void QuickstartEdgeCaIsSelfSignedWithPathlenZeroForNinetyDays()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["edge"], "--subject", "CN=Quickstart Edge CA", "--profile", "edge-ca", "--key", "ec-p256", "--no-password");
        var text = Tool.OpenSslOk(dir.Path, "x509", "-in", Path.Combine("edge", "caCert.pem"), "-noout", "-text", "-dates");

        Assert.Contains("CA:TRUE, pathlen:0", text, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Certificate Sign", text, StringComparison.Ordinal);
        var parsed = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir["edge"], "caCert.pem"));
        Assert.InRange((parsed.NotAfter - parsed.NotBefore).TotalDays, 90, 91);
    }
}

/// <summary><c>iotcerts issue --csr-dir</c>: a fleet's CSRs issued in one CA transaction, all or nothing.</summary>
public sealed class FleetIssuanceCliTests
{
    [Fact]
    public void EveryCsrOfADirectoryIsIssuedInOneTransactionAndOpenSslVerifiesEachCertificate()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["root"], "--subject", "CN=Fleet Root", "--key", "ec-p256", "--no-password");
        var names = MakeCsrs(dir, 10);
        Tool.OpenSslOk(dir["csrs"], "req", "-in", "dev-03.csr", "-outform", "DER", "-out", "dev-03.der");
        File.Delete(Path.Combine(dir["csrs"], "dev-03.csr"));
        File.WriteAllText(Path.Combine(dir["csrs"], "README.txt"), "not a CSR: ignored");

        var json = Cli.Ok("issue", "--ca", dir["root"], "--csr-dir", dir["csrs"], "--out-dir", dir["certs"], "--with-chain", "--json");

        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(10, root.GetProperty("count").GetInt32());
        Assert.Equal("device", root.GetProperty("profile").GetString());
        Assert.True(root.GetProperty("withChain").GetBoolean());
        var entries = root.GetProperty("certificates").EnumerateArray().ToList();
        Assert.Equal(names.Select(n => Path.Combine(dir["certs"], n + ".pem")), entries.Select(e => e.GetProperty("out").GetString()));
        Assert.EndsWith(Path.Combine("csrs", "dev-03.der"), entries[3].GetProperty("csr").GetString(), StringComparison.Ordinal);

        // One openssl verify over every file: each must print OK, and its subject is the CSR's.
        var verified = Tool.OpenSslOk(dir.Path, ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine("root", "caCert.pem"), .. names.Select(n => Path.Combine("certs", n + ".pem"))]);
        Assert.Equal(10, verified.Split('\n').Count(l => l.EndsWith(": OK", StringComparison.Ordinal)));
        for (var i = 0; i < names.Count; i++)
        {
            var file = Path.Combine("certs", names[i] + ".pem");
            Assert.Equal($"subject=O = Acme, CN = {names[i]}", Tool.OpenSslOk(dir.Path, "x509", "-in", file, "-noout", "-subject").Trim());
            Assert.Equal(2, File.ReadAllText(dir[file]).Split("BEGIN CERTIFICATE").Length - 1);
            Assert.Equal(entries[i].GetProperty("serial").GetString(), Tool.OpenSslOk(dir.Path, "x509", "-in", file, "-noout", "-serial").Trim()["serial=".Length..]);
        }

        var records = new DirectoryCaDatabase(dir["root"]).ReadRecords();
        Assert.Equal(entries.Select(e => e.GetProperty("serial").GetString()), records.Select(r => r.SerialNumber));
        Assert.False(File.Exists(Path.Combine(dir["certs"], "README.pem")));
    }

    [Fact]
    public void OneBadCsrIssuesNothingWritesNothingAndIsNamed()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["root"], "--subject", "CN=Fleet Root", "--key", "ec-p256", "--no-password");
        MakeCsrs(dir, 6);
        var bad = Path.Combine(dir["csrs"], "dev-04.csr");
        Tool.OpenSslOk(dir["csrs"], "req", "-in", "dev-04.csr", "-outform", "DER", "-out", "dev-04.der");
        var der = File.ReadAllBytes(Path.Combine(dir["csrs"], "dev-04.der"));
        der[der.AsSpan().IndexOf("dev-04"u8)] ^= 0x01;
        File.Delete(bad);
        File.Delete(Path.Combine(dir["csrs"], "dev-04.der"));
        File.WriteAllBytes(bad, der);

        var result = Cli.Run("issue", "--ca", dir["root"], "--csr-dir", dir["csrs"], "--out-dir", dir["certs"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[csr-signature-invalid]", result.Error, StringComparison.Ordinal);
        Assert.Contains($"'{bad}'", result.Error, StringComparison.Ordinal);
        Assert.Contains("nothing was issued", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Empty(new DirectoryCaDatabase(dir["root"]).ReadRecords());
        Assert.False(Directory.Exists(dir["certs"]));
    }

    [Fact]
    public void APolicyBreachOrAnExistingOutputIssuesNothing()
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["root"], "--subject", "CN=Fleet Root", "--key", "ec-p256", "--no-password");
        MakeCsrs(dir, 4);
        File.Copy(Path.Combine(dir["csrs"], "dev-01.csr"), Path.Combine(dir["csrs"], "dev-01-again.csr"));

        var twice = Cli.Run("issue", "--ca", dir["root"], "--csr-dir", dir["csrs"], "--out-dir", dir["certs"]);
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("[policy-violation]", twice.Error, StringComparison.Ordinal);
        Assert.Empty(new DirectoryCaDatabase(dir["root"]).ReadRecords());
        Assert.False(Directory.Exists(dir["certs"]));

        File.Delete(Path.Combine(dir["csrs"], "dev-01-again.csr"));
        Directory.CreateDirectory(dir["certs"]);
        File.WriteAllText(Path.Combine(dir["certs"], "dev-02.pem"), "precious");
        var exists = Cli.Run("issue", "--ca", dir["root"], "--csr-dir", dir["csrs"], "--out-dir", dir["certs"]);
        Assert.Equal(2, exists.ExitCode);
        Assert.Contains("[already-exists]", exists.Error, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dir["certs"], "dev-02.pem")));
        Assert.Empty(new DirectoryCaDatabase(dir["root"]).ReadRecords());

        Assert.Contains("issued 4 device certificates", Cli.Ok("issue", "--ca", dir["root"], "--csr-dir", dir["csrs"], "--out-dir", dir["certs"], "--force"), StringComparison.Ordinal);
        Assert.Equal(4, new DirectoryCaDatabase(dir["root"]).ReadRecords().Count);
    }

    [Theory]
    [InlineData("usage", "--csr-dir", "{csrs}")]
    [InlineData("usage", "--csr-dir", "{csrs}", "--out-dir", "{certs}", "--out", "{x}")]
    [InlineData("usage", "--csr-dir", "{csrs}", "--out-dir", "{certs}", "--san", "DNS:x")]
    [InlineData("usage", "--csr", "{x}", "--out", "{x}", "--out-dir", "{certs}")]
    [InlineData("file-not-found", "--csr-dir", "{missing}", "--out-dir", "{certs}")]
    [InlineData("file-not-found", "--csr-dir", "{empty}", "--out-dir", "{certs}")]
    public void MisusedFleetOptionsAreExitCode2WithOneSentence(string code, params string[] args)
    {
        using var dir = new TempDir();
        Cli.Ok("ca", "init", "--dir", dir["root"], "--subject", "CN=Fleet Root", "--key", "ec-p256", "--no-password");
        MakeCsrs(dir, 1);
        Directory.CreateDirectory(dir["empty"]);

        var result = Cli.Run(["issue", "--ca", dir["root"], .. args.Select(a => a.StartsWith('{') ? dir[a.Trim('{', '}')] : a)]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"[{code}]", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Empty(new DirectoryCaDatabase(dir["root"]).ReadRecords());
    }

    private static List<string> MakeCsrs(TempDir dir, int count)
    {
        Directory.CreateDirectory(dir["csrs"]);
        var names = Enumerable.Range(0, count).Select(i => $"dev-{i:D2}").ToList();
        foreach (var name in names)
        {
            Tool.OpenSslOk(dir["csrs"], "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", $"/O=Acme/CN={name}");
            File.Delete(Path.Combine(dir["csrs"], name + ".key"));
        }

        return names;
    }
}
