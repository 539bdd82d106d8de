using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// Defender for IoT's appliance (server) certificate checks under a name that says so (issue #22):
/// <c>check-cert --profile defender-iot</c>, with server-certificate wording; <c>check-ca</c> keeps working.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class CheckCertCommandTests(OpenSslFixtures files)
{
    // Self-signed, as the Defender guide's openssl recipe makes it: the signature follows the key (RSA: SHA256withRSA).
    private string Appliance(string name, string key, bool cdp)
    {
        var extensions = "-addext basicConstraints=critical,CA:FALSE -addext keyUsage=critical,digitalSignature,keyEncipherment -addext extendedKeyUsage=serverAuth -addext subjectAltName=DNS:sensor.example"
            + (cdp ? " -addext crlDistributionPoints=URI:http://127.0.0.1:9/appliance.crl" : string.Empty);
        files.OpenSsl($"req -x509 -sha256 -newkey {key} -nodes -keyout {name}.key -out {name}.pem -days 365 {extensions} -subj /C=DE/O=IoTCerts/OU=OT Security/CN=sensor.example");
        return files.PathOf($"{name}.pem");
    }

    [Fact]
    public void A_compliant_appliance_certificate_passes_with_server_certificate_wording()
    {
        var pem = Appliance("appliance-ok", "rsa:2048", cdp: true);

        var text = CliRunner.Run("check-cert", "--profile", "defender-iot", pem, "--no-fetch");
        var json = CliRunner.Run("check-cert", "--profile", "defender-iot", pem, "--no-fetch", "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.StartsWith("compliant: defender-iot server-certificate rules pass", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("ca-upload", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("server-certificate", doc.RootElement.GetProperty("stage").GetString());
    }

    [Fact]
    public void An_ec_appliance_certificate_without_a_cdp_names_both_rules_and_exits_1()
    {
        var pem = Appliance("appliance-bad", "ec -pkeyopt ec_paramgen_curve:P-256", cdp: false);

        var r = CliRunner.Run("check-cert", "--profile", "defender-iot", pem, "--json");

        Assert.True(r.ExitCode == 1, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var codes = doc.RootElement.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("code").GetString()).ToList();
        Assert.Contains("defender-rsa-key-size", codes);
        Assert.Contains("defender-crl-distribution-point", codes);
    }

    [Fact]
    public void Check_ca_still_runs_the_defender_rules_and_points_at_check_cert()
    {
        var pem = Appliance("appliance-ca", "rsa:2048", cdp: true);

        var r = CliRunner.Run("check-ca", "--profile", "defender-iot", pem);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("iotcerts check-cert --profile defender-iot", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_cert_with_a_ca_profile_says_which_command_to_use()
    {
        var r = CliRunner.Run("check-cert", "--profile", "cumulocity", files.PathOf("root.pem"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("iotcerts check-ca --profile cumulocity", r.Error, StringComparison.Ordinal);
    }
}
