using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// <c>--json</c> of the issuing commands on a CA the CLI itself creates: every field is checked against the files
/// written, read back by openssl and keytool (never by IoTCerts).
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class IssuanceJsonTests(OpenSslFixtures files)
{
    private string NewPath(string suffix = "") => files.PathOf("json-" + Guid.NewGuid().ToString("N")[..12] + suffix);

    private string PasswordFile(string secret)
    {
        var path = NewPath(".pw");
        File.WriteAllText(path, secret + "\n");
        return path;
    }

    private string NewRoot(string subject = "CN=Json Root,O=IoTCerts")
    {
        var dir = NewPath();
        var result = CliRunner.Run("ca", "init", "--dir", dir, "--subject", subject, "--key", "ec-p256", "--no-password", "--sequential-serials");
        Assert.True(result.ExitCode == 0, result.ToString());
        return dir;
    }

    [Fact]
    public void CaInitDescribesTheRootAsOpenSslReadsIt()
    {
        var dir = NewPath();

        var json = JsonAssert.Success(CliRunner.Run("ca", "init", "--dir", dir, "--subject", "CN=Json Root,O=IoTCerts", "--key", "ec-p256", "--no-password", "--sequential-serials", "--json"));

        Assert.Equal(Path.GetFullPath(dir), json.GetProperty("dir").GetString());
        Assert.Equal("root-ca", json.GetProperty("profile").GetString());
        var certificatePath = json.GetProperty("certificatePath").GetString()!;
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "caCert.pem"), certificatePath);
        JsonAssert.SummaryMatchesOpenSsl(json.GetProperty("certificate"), certificatePath, files);
        Assert.Equal("CN=Json Root,O=IoTCerts", json.GetProperty("certificate").GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("chainPath").ValueKind);
        Assert.Equal("ec-p256", json.GetProperty("keyType").GetString());
        Assert.Contains("ASN1 OID: prime256v1", files.OpenSsl($"x509 -in {certificatePath} -noout -text"));
        var key = json.GetProperty("key").GetString()!;
        Assert.Contains("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key));
        Assert.False(json.GetProperty("keyEncrypted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("keyUri").ValueKind);
        Assert.Equal("sequential", json.GetProperty("serialMode").GetString());
        Assert.False(json.TryGetProperty("signedBy", out _));
        Assert.DoesNotContain("PRIVATE KEY", json.GetRawText());
    }

    [Fact]
    public void CaIntermediateNamesItsParentAndItsEncryptedKey()
    {
        var root = NewRoot();

        var json = JsonAssert.Success(CliRunner.Run("ca", "intermediate", "--ca", root, "--dir", NewPath(), "--subject", "CN=Json Issuing CA", "--key", "ec-p384", "--pathlen", "0", "--new-password-file", PasswordFile("int-secret"), "--json"));

        var certificatePath = json.GetProperty("certificatePath").GetString()!;
        JsonAssert.SummaryMatchesOpenSsl(json.GetProperty("certificate"), certificatePath, files);
        JsonAssert.SummaryMatchesOpenSsl(json.GetProperty("signedBy"), Path.Combine(root, "caCert.pem"), files);
        Assert.Equal("CN=Json Root,O=IoTCerts", json.GetProperty("certificate").GetProperty("issuer").GetString());
        Assert.Equal("intermediate-ca", json.GetProperty("profile").GetString());
        Assert.Equal("ec-p384", json.GetProperty("keyType").GetString());
        Assert.Equal("random", json.GetProperty("serialMode").GetString());
        Assert.True(json.GetProperty("keyEncrypted").GetBoolean());
        var key = json.GetProperty("key").GetString()!;
        Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(key));
        files.OpenSsl($"pkey -in {key} -passin pass:int-secret -noout");
        Assert.True(File.Exists(json.GetProperty("chainPath").GetString()));
        Assert.DoesNotContain("int-secret", json.GetRawText());
    }

    [Fact]
    public void CaImportCountsWhatTheOpenSslDirectoryHeld()
    {
        // An `openssl ca` directory made by openssl itself: two issued certificates, one of them revoked.
        var name = Path.GetFileName(NewPath());
        var source = files.PathOf(name);
        Directory.CreateDirectory(Path.Combine(source, "newcerts"));
        File.Copy(files.PathOf("int.pem"), Path.Combine(source, "caCert.pem"));
        File.Copy(files.PathOf("int.key"), Path.Combine(source, "caKey.pem"));
        File.WriteAllText(Path.Combine(source, "index.txt"), string.Empty);
        File.WriteAllText(Path.Combine(source, "serial"), "1000\n");
        File.WriteAllText(Path.Combine(source, "crlnumber"), "01\n");
        File.WriteAllText(Path.Combine(source, "ca.cnf"), $"""
            [ca]
            default_ca = local

            [local]
            database = {name}/index.txt
            new_certs_dir = {name}/newcerts
            certificate = {name}/caCert.pem
            private_key = {name}/caKey.pem
            serial = {name}/serial
            crlnumber = {name}/crlnumber
            default_md = sha256
            default_days = 30
            policy = any
            unique_subject = no

            [any]
            commonName = supplied
            """);
        files.OpenSsl($"ca -config {name}/ca.cnf -batch -notext -in device.csr -out {name}/one.pem");
        files.OpenSsl($"ca -config {name}/ca.cnf -batch -notext -in int.csr -out {name}/two.pem");
        files.OpenSsl($"ca -config {name}/ca.cnf -revoke {name}/two.pem -crl_reason superseded");
        var indexLines = File.ReadAllLines(Path.Combine(source, "index.txt")).Where(l => l.Length > 0).ToList();

        var json = JsonAssert.Success(CliRunner.Run("ca", "import", "--openssl-dir", source, "--dir", NewPath(), "--password-file", PasswordFile("imported-secret"), "--json"));

        JsonAssert.SummaryMatchesOpenSsl(json.GetProperty("certificate"), files.PathOf("int.pem"), files);
        Assert.Equal(Path.GetFullPath(source), json.GetProperty("source").GetString());
        Assert.Equal("sequential", json.GetProperty("serialMode").GetString());
        Assert.True(json.GetProperty("keyEncrypted").GetBoolean());
        var imported = json.GetProperty("imported");
        Assert.Equal(indexLines.Count, imported.GetProperty("records").GetInt32());
        Assert.Equal(indexLines.Count(l => l.StartsWith('V')), imported.GetProperty("valid").GetInt32());
        Assert.Equal(indexLines.Count(l => l.StartsWith('R')), imported.GetProperty("revoked").GetInt32());
        Assert.Equal(1, imported.GetProperty("revoked").GetInt32());
        Assert.Equal(0, imported.GetProperty("expired").GetInt32());
        Assert.Equal(Directory.GetFiles(Path.Combine(source, "newcerts"), "*.pem").Length, imported.GetProperty("certificates").GetInt32());
        Assert.Equal(2, imported.GetProperty("certificates").GetInt32());
    }

    [Fact]
    public void IssueRevokeAndCrlReportWhatOpenSslReads()
    {
        var root = NewRoot();
        var keyPath = NewPath(".key");
        var outPath = NewPath(".pem");
        var chainPath = NewPath("-chain.pem");

        var issued = JsonAssert.Success(CliRunner.Run("issue", "--ca", root, "--subject", "CN=json-device-1", "--san", "DNS:json-device-1.example", "--key-out", keyPath, "--key-password-file", PasswordFile("key-secret"), "--out", outPath, "--chain-out", chainPath, "--json"));

        JsonAssert.SummaryMatchesOpenSsl(issued.GetProperty("certificate"), outPath, files);
        Assert.Equal("device", issued.GetProperty("profile").GetString());
        Assert.Equal(Path.GetFullPath(root), issued.GetProperty("ca").GetString());
        Assert.Equal(Path.GetFullPath(outPath), issued.GetProperty("out").GetString());
        Assert.Equal(Path.GetFullPath(keyPath), issued.GetProperty("key").GetString());
        Assert.Equal(Path.GetFullPath(chainPath), issued.GetProperty("chain").GetString());
        Assert.True(issued.GetProperty("keyEncrypted").GetBoolean());
        Assert.Equal("ec-p256", issued.GetProperty("keyType").GetString());
        Assert.Equal(["DNS:json-device-1.example"], JsonAssert.Strings(issued.GetProperty("subjectAltNames")));
        Assert.Contains("DNS:json-device-1.example", files.OpenSsl($"x509 -in {outPath} -noout -ext subjectAltName"));
        Assert.Equal(File.ReadAllText(chainPath).Split("BEGIN CERTIFICATE").Length - 1, issued.GetProperty("chainLength").GetInt32());
        Assert.Equal(files.OpenSsl($"x509 -in {outPath} -noout -pubkey"), files.OpenSsl($"pkey -in {keyPath} -passin pass:key-secret -pubout"));
        Assert.DoesNotContain("key-secret", issued.GetRawText());

        var serial = files.OpenSsl($"x509 -in {outPath} -noout -serial").Trim()["serial=".Length..];
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        var revoked = JsonAssert.Success(CliRunner.Run("revoke", "--ca", root, "--serial", serial, "--reason", "keyCompromise", "--json"));
        Assert.Equal(serial, revoked.GetProperty("serial").GetString());
        Assert.Equal("CN=json-device-1", revoked.GetProperty("subject").GetString());
        Assert.Equal("keyCompromise", revoked.GetProperty("reason").GetString());
        var revokedAt = DateTimeOffset.Parse(revoked.GetProperty("revokedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(revokedAt, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.EndsWith("Z", revoked.GetProperty("revokedAt").GetString(), StringComparison.Ordinal);

        var crlPath = NewPath(".crl");
        var crl = JsonAssert.Success(CliRunner.Run("crl", "--ca", root, "--out", crlPath, "--format", "der", "--days", "7", "--json"));
        var openssl = files.OpenSsl($"crl -inform DER -in {crlPath} -noout -crlnumber -lastupdate -nextupdate -dateopt iso_8601")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        var crlNumber = BigInteger.Parse("0" + openssl["crlNumber"]["0x".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(crlNumber.ToString(CultureInfo.InvariantCulture), crl.GetProperty("crlNumber").GetString());
        Assert.Equal(openssl["lastUpdate"].Replace(' ', 'T'), crl.GetProperty("thisUpdate").GetString());
        Assert.Equal(openssl["nextUpdate"].Replace(' ', 'T'), crl.GetProperty("nextUpdate").GetString());
        var text = files.OpenSsl($"crl -inform DER -in {crlPath} -noout -text");
        Assert.Equal(text.Split("Serial Number:").Length - 1, crl.GetProperty("revokedCount").GetInt32());
        Assert.Contains($"Serial Number: {serial}", text);
        Assert.Equal(1, crl.GetProperty("revokedCount").GetInt32());
        Assert.Equal(Path.GetFullPath(crlPath), crl.GetProperty("out").GetString());
        Assert.Equal("der", crl.GetProperty("format").GetString());
        Assert.Equal(JsonValueKind.Null, crl.GetProperty("derOut").ValueKind);

        // The next publication takes the next number.
        var second = JsonAssert.Success(CliRunner.Run("crl", "--ca", root, "--out", crlPath, "--json"));
        Assert.Equal((crlNumber + 1).ToString(CultureInfo.InvariantCulture), second.GetProperty("crlNumber").GetString());
        Assert.Equal("pem", second.GetProperty("format").GetString());
    }

    [Fact]
    public void CsrCreateAndVerifyDescribeTheRequestAsOpenSslReadsIt()
    {
        var csrPath = NewPath(".csr");
        var keyPath = NewPath(".key");

        var created = JsonAssert.Success(CliRunner.Run("csr", "--subject", "CN=json-csr,O=IoTCerts", "--san", "DNS:json-csr.example", "--san", "IP:192.0.2.9", "--key-out", keyPath, "--key-type", "rsa2048", "--out", csrPath, "--json"));

        var subject = files.OpenSsl($"req -in {csrPath} -noout -subject -nameopt RFC2253").Trim()["subject=".Length..];
        Assert.Equal(subject, created.GetProperty("subject").GetString());
        Assert.Equal("CN=json-csr,O=IoTCerts", subject);
        Assert.Equal(["DNS:json-csr.example", "IP Address:192.0.2.9"], JsonAssert.Strings(created.GetProperty("subjectAltNames")));
        Assert.Contains("DNS:json-csr.example, IP Address:192.0.2.9", files.OpenSsl($"req -in {csrPath} -noout -text"));
        Assert.Equal("rsa2048", created.GetProperty("keyType").GetString());
        Assert.Contains("Public-Key: (2048 bit)", files.OpenSsl($"req -in {csrPath} -noout -text"));
        Assert.Equal("sha256WithRSAEncryption", created.GetProperty("signatureAlgorithm").GetString());
        Assert.Equal(Path.GetFullPath(csrPath), created.GetProperty("out").GetString());
        Assert.Equal(Path.GetFullPath(keyPath), created.GetProperty("key").GetString());
        Assert.True(created.GetProperty("keyGenerated").GetBoolean());
        Assert.False(created.GetProperty("keyEncrypted").GetBoolean());
        Assert.False(created.GetProperty("hasChallengePassword").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("profile").ValueKind);

        var verified = JsonAssert.Success(CliRunner.Run("csr", "--verify", csrPath, "--json"));
        Assert.True(verified.GetProperty("valid").GetBoolean());
        Assert.Equal(subject, verified.GetProperty("subject").GetString());
        Assert.Equal(Path.GetFullPath(csrPath), verified.GetProperty("file").GetString());

        // The same request with one signature bit flipped: openssl refuses it, and so does the verdict (exit 1, still one object).
        var der = NewPath(".der");
        files.OpenSsl($"req -in {csrPath} -outform DER -out {der}");
        var bytes = File.ReadAllBytes(der);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(der, bytes);
        Assert.Contains("verify failure", JsonAssert.Tool("openssl", null, "req", "-inform", "DER", "-in", der, "-noout", "-verify"));
        var invalid = JsonAssert.Verdict(CliRunner.Run("csr", "--verify", der, "--json"), 1);
        Assert.False(invalid.GetProperty("valid").GetBoolean());
        Assert.Equal(subject, invalid.GetProperty("subject").GetString());
    }

    [Fact]
    public void Pkcs12ReportsTheEntryKeytoolLists()
    {
        var root = NewRoot();
        var keyPath = NewPath(".key");
        var chainPath = NewPath("-chain.pem");
        JsonAssert.Success(CliRunner.Run("issue", "--ca", root, "--subject", "CN=json-p12", "--key-out", keyPath, "--out", NewPath(".pem"), "--chain-out", chainPath, "--json"));
        var store = NewPath(".p12");

        var json = JsonAssert.Success(CliRunner.Run("pkcs12", "--key", keyPath, "--chain", chainPath, "--out", store, "--password-file", PasswordFile("store-secret"), "--name", "json-entry", "--json"));

        var list = JsonAssert.Keytool("-list", "-v", "-storetype", "PKCS12", "-keystore", store, "-storepass", "store-secret");
        Assert.Contains("Your keystore contains 1 entry", list);
        Assert.Contains($"Alias name: {json.GetProperty("alias").GetString()}", list);
        Assert.Equal("json-entry", json.GetProperty("alias").GetString());
        Assert.Contains("Entry type: PrivateKeyEntry", list);
        Assert.Contains($"Certificate chain length: {json.GetProperty("certificateCount").GetInt32()}", list);
        Assert.Equal(2, json.GetProperty("certificateCount").GetInt32());
        var certificates = json.GetProperty("certificates");
        Assert.Equal(2, certificates.GetArrayLength());
        JsonAssert.SummaryMatchesOpenSsl(certificates[0], chainPath, files);
        JsonAssert.SummaryMatchesOpenSsl(certificates[1], Path.Combine(root, "caCert.pem"), files);
        Assert.Equal("aes256", json.GetProperty("encryption").GetString());
        Assert.Contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC", JsonAssert.Tool("openssl", null, "pkcs12", "-in", store, "-passin", "pass:store-secret", "-info", "-noout"));
        Assert.Equal("ec-p256", json.GetProperty("keyType").GetString());
        Assert.Equal(Path.GetFullPath(store), json.GetProperty("out").GetString());
        Assert.DoesNotContain("store-secret", json.GetRawText());
    }

    [Fact]
    public void TruststoreListsTheAliasesAndFingerprintsKeytoolShows()
    {
        var root = NewRoot("CN=Json Trust Root");
        var store = NewPath(".p12");

        var json = JsonAssert.Success(CliRunner.Run("truststore", Path.Combine(root, "caCert.pem"), files.PathOf("root.pem"), "--out", store, "--password-file", PasswordFile("trust-secret"), "--legacy", "--json"));

        Assert.Equal("legacy-3des", json.GetProperty("encryption").GetString());
        Assert.Contains("pbeWithSHA1And3-KeyTripleDES-CBC", JsonAssert.Tool("openssl", null, "pkcs12", "-in", store, "-passin", "pass:trust-secret", "-info", "-noout"));
        Assert.Equal(2, json.GetProperty("certificateCount").GetInt32());
        var list = JsonAssert.Keytool("-list", "-v", "-storetype", "PKCS12", "-keystore", store, "-storepass", "trust-secret");
        var entries = json.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Contains("Your keystore contains 2 entries", list);
        foreach (var entry in entries)
        {
            var alias = entry.GetProperty("alias").GetString()!;
            var block = list[list.IndexOf($"Alias name: {alias}\n", StringComparison.OrdinalIgnoreCase)..];
            Assert.Contains("Entry type: trustedCertEntry", block[..block.IndexOf("SHA256:", StringComparison.Ordinal)]);
            var fingerprint = block[(block.IndexOf("SHA256: ", StringComparison.Ordinal) + 8)..].Split('\n')[0].Trim();
            Assert.Equal(fingerprint.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant(), entry.GetProperty("certificate").GetProperty("sha256").GetString());
        }

        JsonAssert.SummaryMatchesOpenSsl(entries.Single(e => e.GetProperty("certificate").GetProperty("subject").GetString() == "CN=Json Trust Root").GetProperty("certificate"), Path.Combine(root, "caCert.pem"), files);
    }

    [Fact]
    public void ConvertCountsWhatItWrote()
    {
        var p12 = NewPath(".p12");
        var keystore = JsonAssert.Success(CliRunner.Run("convert", files.PathOf("chain.pem"), "--key", files.PathOf("device.key"), "--password", "device-secret", "--to", "p12", "--out", p12, "--json"));

        var info = files.OpenSsl($"pkcs12 -in {p12} -passin pass:device-secret -passout pass:x -info");
        Assert.Equal(info.Split("BEGIN CERTIFICATE").Length - 1, keystore.GetProperty("certificates").GetInt32());
        Assert.Equal(2, keystore.GetProperty("certificates").GetInt32());
        Assert.Equal(info.Split("BEGIN ENCRYPTED PRIVATE KEY").Length - 1, keystore.GetProperty("privateKeys").GetInt32());
        Assert.Equal(0, keystore.GetProperty("certificateRequests").GetInt32());
        Assert.Equal(0, keystore.GetProperty("crls").GetInt32());
        Assert.Equal("p12", keystore.GetProperty("format").GetString());
        Assert.True(keystore.GetProperty("passwordProtected").GetBoolean());
        Assert.Equal(Path.GetFullPath(p12), keystore.GetProperty("out").GetString());
        Assert.DoesNotContain("device-secret", keystore.GetRawText());

        var der = NewPath(".der");
        var single = JsonAssert.Success(CliRunner.Run("convert", files.PathOf("device.csr"), "--to", "der", "--out", der, "--json"));
        files.OpenSsl($"req -inform DER -in {der} -noout -verify");
        Assert.Equal(1, single.GetProperty("certificateRequests").GetInt32());
        Assert.Equal(0, single.GetProperty("certificates").GetInt32());
        Assert.Equal(0, single.GetProperty("privateKeys").GetInt32());
        Assert.Equal("der", single.GetProperty("format").GetString());
        Assert.False(single.GetProperty("passwordProtected").GetBoolean());
    }

    [Fact]
    public void BadInputWithJsonIsExit2NothingOnStdoutAndOneErrorLine()
    {
        var root = NewRoot();
        (string Code, string[] Args)[] cases =
        [
            ("missing-password", ["ca", "init", "--dir", NewPath(), "--subject", "CN=x"]),
            ("invalid-option", ["ca", "intermediate", "--ca", root, "--dir", NewPath(), "--subject", "CN=y", "--days", "0"]),
            ("missing-password", ["ca", "import", "--openssl-dir", NewPath(), "--dir", NewPath()]),
            ("usage", ["issue", "--ca", root, "--out", NewPath(".pem")]),
            ("invalid-option", ["crl", "--ca", root, "--out", NewPath(".crl"), "--format", "xml"]),
            ("usage", ["csr", "--out", NewPath(".csr"), "--key-out", NewPath(".key")]),
            ("file-not-found", ["csr", "--verify", NewPath(".csr")]),
            ("missing-password", ["pkcs12", "--key", files.PathOf("int.key"), "--chain", files.PathOf("int.pem"), "--out", NewPath(".p12")]),
            ("nothing-found", ["truststore", files.PathOf("device.csr"), "--out", NewPath(".p12"), "--password", "x"]),
            ("der-needs-one-object", ["convert", files.PathOf("chain.pem"), "--to", "der", "--out", NewPath(".der")]),
        ];
        foreach (var (code, args) in cases)
        {
            JsonAssert.BadInput(CliRunner.Run([.. args, "--json"]), code);
        }

        // revoke: a serial the CA never issued.
        var unknown = CliRunner.Run("revoke", "--ca", root, "--serial", "7F", "--json");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Empty(unknown.Out);
        Assert.Matches(@"^iotcerts: error \[[a-z0-9-]+\]: \S.*\n$", unknown.Error);
    }
}
