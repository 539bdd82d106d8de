namespace IoTCerts.Cli.Tests;

/// <summary>
/// The Azure IoT Edge recipe without detours (issue #22): a PKCS#12 split into a certificate PEM and an unencrypted key
/// PEM (openssl's <c>-nodes</c>), each read back by openssl; an empty output passphrase is refused, not used.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class ConvertSplitCommandTests(OpenSslFixtures files)
{
    private string NewPath(string extension) => files.PathOf(Guid.NewGuid().ToString("N") + extension);

    [Fact]
    public void P12_to_pem_with_no_encrypt_writes_a_plain_pkcs8_key_openssl_reads_without_a_passphrase()
    {
        var output = NewPath(".pem");

        var result = CliRunner.Run("convert", files.PathOf("device.p12"), "--password", "p12-secret", "--to", "pem", "--no-encrypt", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = File.ReadAllText(output);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ENCRYPTED", text, StringComparison.Ordinal);
        Assert.Contains("not encrypted", result.Out, StringComparison.Ordinal);
        Assert.Equal(files.OpenSsl("x509 -in device.pem -noout -modulus"), files.OpenSsl($"rsa -in {output} -passin pass: -noout -modulus"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }
    }

    [Theory]
    [InlineData("pem", "")]
    [InlineData("der", "")]
    [InlineData("pem", "--out-password")]
    public void Cert_out_and_key_out_split_the_keystore_into_two_files(string format, string encrypted)
    {
        var cert = NewPath("." + format);
        var key = NewPath(".key");
        string[] protection = encrypted.Length == 0 ? ["--no-encrypt"] : ["--out-password", "edge-secret"];

        var result = CliRunner.Run(["convert", files.PathOf("device.p12"), "--password", "p12-secret", "--to", format, "--cert-out", cert, "--key-out", key, .. protection]);

        if (format == "der")
        {
            // DER holds one object: the p12's two certificates do not fit one DER file.
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("[der-needs-one-object]", result.Error, StringComparison.Ordinal);
            return;
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        var certText = File.ReadAllText(cert);
        var keyText = File.ReadAllText(key);
        Assert.DoesNotContain("PRIVATE KEY", certText, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(certText, "BEGIN CERTIFICATE").Count);
        Assert.DoesNotContain("CERTIFICATE", keyText, StringComparison.Ordinal);
        Assert.Contains(encrypted.Length == 0 ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN ENCRYPTED PRIVATE KEY-----", keyText, StringComparison.Ordinal);
        var pass = encrypted.Length == 0 ? "pass:" : "pass:edge-secret";
        Assert.Equal(files.OpenSsl($"x509 -in {cert} -noout -modulus"), files.OpenSsl($"rsa -in {key} -passin {pass} -noout -modulus"));
        Assert.Contains("subject=O = IoTCerts, CN = device-0001", files.OpenSsl($"x509 -in {cert} -noout -subject"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_der_certificate_and_key_split_from_pem_files()
    {
        var cert = NewPath(".der");
        var key = NewPath(".der");

        var result = CliRunner.Run("convert", files.PathOf("device.pem"), "--key", files.PathOf("device.key"), "--password", "device-secret", "--to", "der", "--no-encrypt", "--cert-out", cert, "--key-out", key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(files.OpenSsl("x509 -in device.pem -noout -modulus"), files.OpenSsl($"rsa -inform DER -in {key} -noout -modulus"));
        Assert.Equal(files.OpenSsl("x509 -in device.pem -noout -fingerprint -sha256"), files.OpenSsl($"x509 -inform DER -in {cert} -noout -fingerprint -sha256"));
    }

    [Fact]
    public void An_empty_out_password_is_refused_and_names_no_encrypt()
    {
        var output = NewPath(".pem");

        var result = CliRunner.Run("convert", files.PathOf("device.p12"), "--password", "p12-secret", "--out-password", "", "--to", "pem", "--out", output);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[empty-password]", result.Error, StringComparison.Ordinal);
        Assert.Contains("--no-encrypt", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--out", "x.pem", "--cert-out", "y.pem")]
    [InlineData("--no-encrypt", "--to", "p12", "--out", "x.p12")]
    [InlineData("--no-encrypt", "--out-password", "secret-9", "--out", "x.pem")]
    [InlineData("--to", "p12", "--cert-out", "x.pem", "--key-out", "y.pem")]
    public void Contradicting_output_options_are_usage_errors(params string[] extra)
    {
        string[] to = extra.Contains("--to") ? [] : ["--to", "pem"];
        var args = extra.Select(a => a.Contains('.', StringComparison.Ordinal) ? NewPath(Path.GetExtension(a)) : a);

        var result = CliRunner.Run(["convert", files.PathOf("device.p12"), "--password", "p12-secret", .. to, .. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[usage]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_in_the_input_without_key_out_is_not_dropped_silently()
    {
        var result = CliRunner.Run("convert", files.PathOf("device.p12"), "--password", "p12-secret", "--to", "pem", "--no-encrypt", "--cert-out", NewPath(".pem"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--key-out", result.Error, StringComparison.Ordinal);
    }
}
