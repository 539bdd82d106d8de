using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// One DN format and one serial format everywhere (issue #22): RFC 4514 names (<c>CN=…,O=…</c>, never OpenSSL's
/// <c>/CN=…</c>) and serials as <c>openssl x509 -serial</c> prints them, without the DER sign byte.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class OutputConsistencyTests(OpenSslFixtures files)
{
    private string NewPath(string extension = "") => files.PathOf(Guid.NewGuid().ToString("N") + extension);

    private static string OpenSslSerial(OpenSslFixtures files, string path) => files.OpenSsl($"x509 -in {path} -noout -serial").Trim()["serial=".Length..];

    [Fact]
    public void A_serial_with_the_high_bit_set_prints_as_openssl_prints_it_in_inspect_and_verify()
    {
        var pem = NewPath(".pem");
        files.OpenSsl($"req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {pem}.key -out {pem} -subj /O=IoTCerts/CN=High Bit -days 30 -set_serial 0xC49DBB0102030405");

        var text = CliRunner.Run("inspect", pem);
        var json = CliRunner.Run("inspect", pem, "--json");
        var verify = CliRunner.Run("verify", "--chain", pem, "--trust", pem, "--json");

        Assert.Equal("C49DBB0102030405", OpenSslSerial(files, pem));
        Assert.Contains("C49DBB0102030405", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("00C49DBB", text.Out, StringComparison.Ordinal);
        using var inspected = JsonDocument.Parse(json.Out);
        Assert.Equal("C49DBB0102030405", inspected.RootElement.GetProperty("certificates")[0].GetProperty("serial").GetString());
        using var verified = JsonDocument.Parse(verify.Out);
        Assert.Equal("C49DBB0102030405", verified.RootElement.GetProperty("chain")[0].GetProperty("serial").GetString());
    }

    [Fact]
    public void Ca_init_issue_and_revoke_print_rfc4514_names_and_openssl_serials()
    {
        var ca = NewPath();
        var init = CliRunner.Run("ca", "init", "--dir", ca, "--subject", "CN=Consistency Root,O=IoTCerts", "--key", "ec-p256", "--no-password");
        var cert = NewPath(".pem");
        var issue = CliRunner.Run("issue", "--ca", ca, "--subject", "CN=consistent-device,O=IoTCerts", "--key-out", NewPath(".key"), "--out", cert);
        Assert.True(issue.ExitCode == 0, issue.ToString());
        var serial = OpenSslSerial(files, cert);

        var revoke = CliRunner.Run("revoke", "--ca", ca, "--serial", serial);

        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("'CN=Consistency Root,O=IoTCerts'", init.Out, StringComparison.Ordinal);
        Assert.Contains("'CN=consistent-device,O=IoTCerts'", issue.Out, StringComparison.Ordinal);
        Assert.Contains($"serial {serial},", issue.Out, StringComparison.Ordinal);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Equal($"revoked serial {serial} (CN=consistent-device,O=IoTCerts), reason unspecified", revoke.Out.Trim());
        Assert.DoesNotContain("/CN=", revoke.Out, StringComparison.Ordinal);
    }
}
