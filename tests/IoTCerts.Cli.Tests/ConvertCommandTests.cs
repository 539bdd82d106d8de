using System.Text.Json;

namespace IoTCerts.Cli.Tests;

[Collection(OpenSslCollection.Name)]
public sealed class ConvertCommandTests(OpenSslFixtures files)
{
    private string NewPath(string extension) => files.PathOf(Guid.NewGuid().ToString("N") + extension);

    [Fact]
    public void PemCertificateToDerIsReadByOpenSslWithTheSameFingerprint()
    {
        var output = NewPath(".der");

        var result = CliRunner.Run("convert", files.PathOf("device.pem"), "--to", "der", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var ours = files.OpenSsl($"x509 -inform DER -in {output} -noout -fingerprint -sha256");
        var original = files.OpenSsl("x509 -in device.pem -noout -fingerprint -sha256");
        Assert.Equal(original, ours);
    }

    [Fact]
    public void CertificatePlusKeyToP12IsAKeystoreOpenSslReadsAndIsOwnerOnly()
    {
        var output = NewPath(".p12");

        var result = CliRunner.Run("convert", files.PathOf("chain.pem"), "--key", files.PathOf("device.key"), "--password", "device-secret", "--out-password", "store-secret", "--to", "p12", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }

        var info = files.OpenSsl($"pkcs12 -in {output} -passin pass:store-secret -info -nokeys");
        Assert.Contains("friendlyName: devicekeyentry", info);
        Assert.Contains("subject=O = IoTCerts, CN = device-0001", info);
        Assert.Contains("subject=CN = Cli Test Issuing CA", info);

        var inspect = CliRunner.Run("inspect", output, "--password", "store-secret", "--json");
        using var document = JsonDocument.Parse(inspect.Out);
        Assert.Equal(0, document.RootElement.GetProperty("privateKeys")[0].GetProperty("matchesCertificate").GetInt32());
    }

    [Fact]
    public void P12ToPemKeepsTheKeyEncryptedWithTheOutputPassword()
    {
        var output = NewPath(".pem");

        var result = CliRunner.Run("convert", files.PathOf("device.p12"), "--password", "p12-secret", "--out-password", "pem-secret", "--to", "pem", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = File.ReadAllText(output);
        Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", text);
        Assert.DoesNotContain("-----BEGIN PRIVATE KEY-----", text);
        var modulus = files.OpenSsl($"rsa -in {output} -passin pass:pem-secret -noout -modulus");
        Assert.Equal(files.OpenSsl("x509 -in device.pem -noout -modulus"), modulus);
    }

    [Fact]
    public void AKeyThatDoesNotBelongIsRefusedAndNothingIsWritten()
    {
        var output = NewPath(".p12");

        var result = CliRunner.Run("convert", files.PathOf("device.pem"), "--key", files.PathOf("int.key"), "--password", "x", "--to", "p12", "--out", output);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[key-certificate-mismatch]", result.Error);
        Assert.Contains("certificate and key do not match", result.Error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void DerOfAChainIsAUsageErrorAndP12NeedsAPassword()
    {
        var der = CliRunner.Run("convert", files.PathOf("chain.pem"), "--to", "der", "--out", NewPath(".der"));
        var p12 = CliRunner.Run("convert", files.PathOf("chain.pem"), "--to", "p12", "--out", NewPath(".p12"));
        var badFormat = CliRunner.Run("convert", files.PathOf("chain.pem"), "--to", "jks", "--out", NewPath(".jks"));

        Assert.Equal(2, der.ExitCode);
        Assert.Contains("[der-needs-one-object]", der.Error);
        Assert.Equal(2, p12.ExitCode);
        Assert.Contains("[missing-password]", p12.Error);
        Assert.Equal(2, badFormat.ExitCode);
    }

    [Fact]
    public void AnExistingOutputIsNeverReplacedWithoutForce()
    {
        var output = NewPath(".pem");
        File.WriteAllText(output, "precious");

        var refused = CliRunner.Run("convert", files.PathOf("device.der"), "--to", "pem", "--out", output);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("[output-exists]", refused.Error);
        Assert.Equal("precious", File.ReadAllText(output));

        var forced = CliRunner.Run("convert", files.PathOf("device.der"), "--to", "pem", "--out", output, "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(output));
    }
}
