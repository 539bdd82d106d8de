using System.Text.Json;

namespace IoTCerts.Cli.Tests;

[Collection(OpenSslCollection.Name)]
public sealed class InspectCommandTests(OpenSslFixtures files)
{
    [Fact]
    public void TextOutputNamesEveryCertificateOfAChain()
    {
        var result = CliRunner.Run("inspect", files.PathOf("chain.pem"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PEM, 2 certificates", result.Out);
        Assert.Contains("CN=device-0001,O=IoTCerts", result.Out);
        Assert.Contains("CN=Cli Test Issuing CA", result.Out);
        Assert.Contains("basicConstraints (critical): CA:FALSE", result.Out);
        Assert.Contains("IP Address:192.0.2.7", result.Out);
    }

    [Fact]
    public void JsonOutputHasTheDocumentedShape()
    {
        var result = CliRunner.Run("inspect", files.PathOf("chain.pem"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var root = document.RootElement;
        Assert.Equal("pem", root.GetProperty("format").GetString());
        var certificates = root.GetProperty("certificates");
        Assert.Equal(2, certificates.GetArrayLength());
        var leaf = certificates[0];
        Assert.Equal("CN=device-0001,O=IoTCerts", leaf.GetProperty("subject").GetString());
        Assert.Equal("CN=Cli Test Issuing CA", leaf.GetProperty("issuer").GetString());
        Assert.False(leaf.GetProperty("isCa").GetBoolean());
        Assert.Equal("RSA", leaf.GetProperty("publicKey").GetProperty("algorithm").GetString());
        Assert.Equal(2048, leaf.GetProperty("publicKey").GetProperty("size").GetInt32());
        Assert.Contains("IP Address:192.0.2.7", leaf.GetProperty("subjectAltNames").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("clientAuth", leaf.GetProperty("extendedKeyUsage").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(64, leaf.GetProperty("sha256").GetString()!.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", leaf.GetProperty("notAfter").GetString()!);
        Assert.True(certificates[1].GetProperty("isCa").GetBoolean());
        Assert.Equal(0, certificates[1].GetProperty("pathLength").GetInt32());
        Assert.Equal(0, root.GetProperty("privateKeys").GetArrayLength());

        // The serial is the one openssl reports.
        var opensslSerial = files.OpenSsl("x509 -in device.pem -noout -serial").Trim().Split('=')[1];
        Assert.Equal(opensslSerial, leaf.GetProperty("serial").GetString());
    }

    [Fact]
    public void Pkcs12WithPasswordShowsTheKeyMatchingTheLeaf()
    {
        var result = CliRunner.Run("inspect", files.PathOf("device.p12"), "--password", "p12-secret", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal("pkcs12", document.RootElement.GetProperty("format").GetString());
        var key = document.RootElement.GetProperty("privateKeys")[0];
        Assert.Equal("RSA", key.GetProperty("algorithm").GetString());
        var matched = key.GetProperty("matchesCertificate").GetInt32();
        Assert.Equal("CN=device-0001,O=IoTCerts", document.RootElement.GetProperty("certificates")[matched].GetProperty("subject").GetString());
    }

    [Fact]
    public void PasswordCanComeFromAFile()
    {
        var passwordFile = files.PathOf("p12.pass");
        File.WriteAllText(passwordFile, "p12-secret\n");

        var result = CliRunner.Run("inspect", files.PathOf("device.p12"), "--password-file", passwordFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Private key 1 of 1", result.Out);
    }

    [Fact]
    public void DerCertificateAndCsrAreRecognisedByContent()
    {
        var der = CliRunner.Run("inspect", files.PathOf("device.der"));
        var csr = CliRunner.Run("inspect", files.PathOf("device.csr"), "--json");

        Assert.True(der.ExitCode == 0, der.ToString());
        Assert.Contains("DER, 1 certificate", der.Out);
        Assert.True(csr.ExitCode == 0, csr.ToString());
        using var document = JsonDocument.Parse(csr.Out);
        var request = document.RootElement.GetProperty("certificateRequests")[0];
        Assert.True(request.GetProperty("signatureValid").GetBoolean());
        Assert.Equal("CN=device-0001,O=IoTCerts", request.GetProperty("subject").GetString());
    }

    [Theory]
    [InlineData("wrong", "wrong-passphrase", "passphrase does not match the key")]
    [InlineData(null, "passphrase-required", "passphrase")]
    public void EncryptedKeyWithoutTheRightPassphraseIsExit2WithTheSpecificError(string? password, string code, string sentence)
    {
        string[] args = password is null ? ["inspect", files.PathOf("device.key")] : ["inspect", files.PathOf("device.key"), "--password", password];

        var result = CliRunner.Run(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"[{code}]", result.Error);
        Assert.Contains(sentence, result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void MissingAndGarbageFilesAreExit2WithTheirCodes()
    {
        var garbage = files.PathOf("garbage.bin");
        File.WriteAllBytes(garbage, "this is not a certificate at all\n"u8.ToArray());

        var missing = CliRunner.Run("inspect", files.PathOf("does-not-exist.pem"));
        var unknown = CliRunner.Run("inspect", garbage);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("[file-not-found]", missing.Error);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("[unknown-format]", unknown.Error);
    }
}
