using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary><c>iotcerts verify</c> on chains made by the openssl CLI: exit codes 0/1/2 and the JSON shape.</summary>
public sealed class VerifyCommandTests(OpenSslFixtures pki) : IClassFixture<OpenSslFixtures>
{
    [Fact]
    public void Valid_chain_exits_0()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--purpose", "client");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("valid", r.Out);
    }

    [Fact]
    public void Leaf_and_intermediate_in_any_order_or_as_separate_files()
    {
        var reversed = Path.Combine(pki.Dir, "reversed.pem");
        File.WriteAllText(reversed, File.ReadAllText(pki.PathOf("int.pem")) + File.ReadAllText(pki.PathOf("device.pem")));

        Assert.Equal(0, CliRunner.Run("verify", "--chain", reversed, "--trust", pki.PathOf("root.pem")).ExitCode);
        Assert.Equal(0, CliRunner.Run("verify", "--chain", pki.PathOf("device.der"), "--untrusted", pki.PathOf("int.pem"), "--trust", pki.PathOf("root.pem")).ExitCode);
    }

    [Fact]
    public void Json_output_is_one_object_with_chain_and_errors()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("valid").GetBoolean());
        var chain = root.GetProperty("chain").EnumerateArray().ToList();
        Assert.Equal(3, chain.Count);
        Assert.Contains("device-0001", chain[0].GetProperty("subject").GetString());
        Assert.Contains("Cli Test Root", chain[2].GetProperty("subject").GetString());
        foreach (var element in chain)
        {
            foreach (var field in new[] { "subject", "issuer", "serial", "notBefore", "notAfter", "sha256" })
            {
                Assert.False(string.IsNullOrEmpty(element.GetProperty(field).GetString()), field);
            }

            Assert.Equal(64, element.GetProperty("sha256").GetString()!.Length);
        }

        // The sha256 is the certificate's fingerprint as openssl computes it.
        var fingerprint = pki.OpenSsl("x509 -in device.pem -noout -fingerprint -sha256").Split('=')[1].Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        Assert.Equal(fingerprint, chain[0].GetProperty("sha256").GetString(), ignoreCase: true);
        Assert.Empty(root.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public void Validation_time_before_the_validity_period_exits_1()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("int.pem"), "--at", "2000-01-01T00:00:00Z", "--json");

        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        var error = doc.RootElement.GetProperty("errors")[0];
        Assert.Equal("NotYetValid", error.GetProperty("code").GetString());
        Assert.Equal(0, error.GetProperty("certificateIndex").GetInt32());
    }

    [Fact]
    public void Wrong_trust_anchor_names_the_R14_cause()
    {
        var other = Path.Combine(pki.Dir, "other-root.pem");
        pki.OpenSsl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other-root.pem -subj /CN=Other Root -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign");

        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", other, "--json");

        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var error = doc.RootElement.GetProperty("errors")[0];
        Assert.Equal("PartialChain", error.GetProperty("code").GetString());
        Assert.StartsWith("chain of trust cannot be validated: certificate and root CA do not match", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("server", 1)]
    [InlineData("client", 0)]
    [InlineData("any", 0)]
    public void Purpose_is_checked_against_the_device_EKU(string purpose, int exitCode)
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--purpose", purpose);

        Assert.True(exitCode == r.ExitCode, r.ToString());
    }

    [Theory]
    [InlineData("device-0001.example", 0)]
    [InlineData("192.0.2.7", 0)]
    [InlineData("other.example", 1)]
    public void Host_is_matched_against_the_SAN(string host, int exitCode)
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--host", host);

        Assert.True(exitCode == r.ExitCode, r.ToString());
    }

    [Fact]
    public void Max_depth_zero_refuses_the_intermediate()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--max-depth", "0", "--json");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ChainTooLong", r.Out);
    }

    [Theory]
    [InlineData("rfc5280", false, 0, null)]
    [InlineData("webpki", false, 1, "CaCertificateAsEndEntity")]
    [InlineData("webpki", true, 1, "CaCertificateAsEndEntity")]
    public void Rules_decide_whether_a_CA_certificate_may_be_the_end_entity(string rules, bool withMaxDepth, int exitCode, string? code)
    {
        // The issuing CA presented as if it were the device: RFC 5280 accepts it, the Web PKI rules do not
        // (also when --max-depth builds its own policy).
        string[] args = ["verify", "--chain", pki.PathOf("int.pem"), "--trust", pki.PathOf("root.pem"), "--rules", rules, "--json"];
        var r = CliRunner.Run(withMaxDepth ? [.. args, "--max-depth", "3"] : args);

        Assert.True(exitCode == r.ExitCode, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var errors = doc.RootElement.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(code, errors.Select(e => e.GetProperty("code").GetString()).FirstOrDefault());
    }

    [Theory]
    [InlineData("client", 0)]
    [InlineData("server", 1)]
    public void Webpki_rules_accept_the_device_for_its_explicit_purpose(string purpose, int exitCode)
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--rules", "webpki", "--purpose", purpose);

        Assert.True(exitCode == r.ExitCode, r.ToString());
    }

    [Fact]
    public void Unknown_rules_value_is_a_usage_error_listing_the_choices()
    {
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), "--rules", "cabf");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("iotcerts: usage:", r.Error);
        Assert.Contains("'rfc5280'", r.Error);
        Assert.Contains("'webpki'", r.Error);
    }

    [Fact]
    public void Default_rules_are_rfc5280()
    {
        var withDefault = CliRunner.Run("verify", "--chain", pki.PathOf("int.pem"), "--trust", pki.PathOf("root.pem"));
        var explicitRfc = CliRunner.Run("verify", "--chain", pki.PathOf("int.pem"), "--trust", pki.PathOf("root.pem"), "--rules", "rfc5280");

        Assert.Equal(0, withDefault.ExitCode);
        Assert.Equal(explicitRfc.Out, withDefault.Out);
    }

    [Theory]
    [InlineData("--crl", "root.pem")]
    [InlineData("--profile", "no-such-platform")]
    [InlineData("--at", "yesterday")]
    public void Unsupported_or_bad_options_exit_2_with_a_sentence(string option, string value)
    {
        var v = value.EndsWith(".pem", StringComparison.Ordinal) ? pki.PathOf(value) : value;
        var r = CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem"), "--trust", pki.PathOf("root.pem"), option, v);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("iotcerts: error [", r.Error);
    }

    [Fact]
    public void Missing_file_and_missing_trust_exit_2()
    {
        Assert.Equal(2, CliRunner.Run("verify", "--chain", pki.PathOf("nope.pem"), "--trust", pki.PathOf("root.pem")).ExitCode);
        Assert.Equal(2, CliRunner.Run("verify", "--chain", pki.PathOf("chain.pem")).ExitCode);
        Assert.Equal(2, CliRunner.Run("verify", "--chain", pki.PathOf("device.key"), "--trust", pki.PathOf("root.pem")).ExitCode);
    }
}
