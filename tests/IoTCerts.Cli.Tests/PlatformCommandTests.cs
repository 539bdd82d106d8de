using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary><c>verify --crl/--online-revocation/--profile</c>, <c>check-ca</c>, <c>identity</c>, <c>pop</c> and <c>chain</c> on openssl-made files.</summary>
public sealed class PlatformCommandTests(PlatformCommandFixture pki) : IClassFixture<PlatformCommandFixture>
{
    private string P(string name) => pki.PathOf(name);

    [Fact]
    public void Verify_with_crls_reports_the_revoked_device()
    {
        var revoked = CliRunner.Run("verify", "--chain", P("chain.pem"), "--trust", P("root.pem"), "--crl", P("int.crl"), "--crl", P("root.crl"), "--json");
        var good = CliRunner.Run("verify", "--chain", P("device2-chain.pem"), "--trust", P("root.pem"), "--crl", P("int.crl"), "--crl", P("root.crl"));

        Assert.True(revoked.ExitCode == 1, revoked.ToString());
        using var doc = JsonDocument.Parse(revoked.Out);
        Assert.Equal("Revoked", doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.True(good.ExitCode == 0, good.ToString());
    }

    [Fact]
    public void Verify_without_the_root_CRL_is_unknown_and_exits_1()
    {
        var r = CliRunner.Run("verify", "--chain", P("device2-chain.pem"), "--trust", P("root.pem"), "--crl", P("int.crl"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("RevocationStatusUnknown", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_online_with_an_unreachable_CDP_says_so()
    {
        var r = CliRunner.Run("verify", "--chain", P("device4-chain.pem"), "--trust", P("root.pem"), "--online-revocation", "--crl", P("root.crl"));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("OfflineRevocation", r.Out, StringComparison.Ordinal);
        Assert.Contains("CRL location not reachable", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_with_a_profile_adds_its_rules()
    {
        var ok = CliRunner.Run("verify", "--chain", P("device2-chain.pem"), "--trust", P("root.pem"), "--profile", "cumulocity", "--json");
        var colon = CliRunner.Run("verify", "--chain", P("device3-chain.pem"), "--trust", P("root.pem"), "--profile", "cumulocity", "--json");

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(1, colon.ExitCode);
        using var doc = JsonDocument.Parse(colon.Out);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Empty(doc.RootElement.GetProperty("errors").EnumerateArray());
        var profile = doc.RootElement.GetProperty("profile");
        Assert.Equal("cumulocity", profile.GetProperty("profile").GetString());
        Assert.Equal("c8y-device-common-name", profile.GetProperty("violations")[0].GetProperty("code").GetString());
    }

    [Fact]
    public void Check_ca_exit_codes_and_json_shape()
    {
        var c8y = CliRunner.Run("check-ca", "--profile", "cumulocity", P("root.pem"));
        var azureRoot = CliRunner.Run("check-ca", "--profile", "azure-iot-edge", P("root.pem"), "--json");
        var azureEdge = CliRunner.Run("check-ca", "--profile", "azure-iot-edge", P("edge.pem"));

        Assert.True(c8y.ExitCode == 0, c8y.ToString());
        Assert.StartsWith("compliant", c8y.Out, StringComparison.Ordinal);
        Assert.True(azureEdge.ExitCode == 0, azureEdge.ToString());
        Assert.Equal(1, azureRoot.ExitCode);
        using var doc = JsonDocument.Parse(azureRoot.Out);
        var root = doc.RootElement;
        Assert.Equal("azure-iot-edge", root.GetProperty("profile").GetString());
        Assert.Equal("ca-upload", root.GetProperty("stage").GetString());
        Assert.False(root.GetProperty("compliant").GetBoolean());
        Assert.Equal(0, root.GetProperty("certificates")[0].GetProperty("index").GetInt32());
        var codes = root.GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("code").GetString()).ToList();
        Assert.Equal(["azure-edge-ca-basic-constraints", "azure-edge-ca-key-usage"], codes);
        var first = root.GetProperty("violations")[0];
        Assert.Equal("R-41", first.GetProperty("reference").GetString());
        Assert.StartsWith(first.GetProperty("rule").GetString()!, first.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("azure-edge-ca-ski", root.GetProperty("checked").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(root.GetProperty("notChecked").EnumerateArray());
    }

    [Fact]
    public void Check_ca_ibm_refuses_a_file_with_two_certificates()
    {
        var r = CliRunner.Run("check-ca", "--profile", "ibm-watson-iot", P("chain.pem"), "--no-fetch");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("ibm-ca-single-certificate", r.Out, StringComparison.Ordinal);
        Assert.Contains("IBM Watson IoT requires exactly one certificate per CA file", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("check-ca", "--profile", "aws-iot")]
    [InlineData("identity", "--profile", "aws-iot")]
    public void Unknown_profile_exits_2(string command, string option, string value)
    {
        var r = CliRunner.Run(command, option, value, P("root.pem"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("[unknown-profile]", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_json_shape_and_exit_codes()
    {
        var c8y = CliRunner.Run("identity", "--profile", "cumulocity", P("device2-chain.pem"), "--json");
        var ibm = CliRunner.Run("identity", "--profile", "ibm-watson-iot", P("ibm.pem"), "--org", "myorg", "--json");
        var none = CliRunner.Run("identity", "--profile", "ibm-watson-iot", P("device2.pem"), "--json");

        Assert.True(c8y.ExitCode == 0, c8y.ToString());
        using (var doc = JsonDocument.Parse(c8y.Out))
        {
            Assert.Equal("device-0002", doc.RootElement.GetProperty("deviceId").GetString());
            Assert.Equal("device-0002", doc.RootElement.GetProperty("clientId").GetString());
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("deviceType").ValueKind);
            Assert.True(doc.RootElement.GetProperty("found").GetBoolean());
        }

        using (var doc = JsonDocument.Parse(ibm.Out))
        {
            Assert.Equal("sensor", doc.RootElement.GetProperty("deviceType").GetString());
            Assert.Equal("d:myorg:sensor:dev-42", doc.RootElement.GetProperty("clientId").GetString());
        }

        Assert.Equal(1, none.ExitCode);
        using (var doc = JsonDocument.Parse(none.Out))
        {
            Assert.False(doc.RootElement.GetProperty("found").GetBoolean());
            Assert.Contains("d:{type}:{id}", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Pop_sign_equals_openssl_and_pop_verify_accepts_it()
    {
        const string Code = "3f0c9a27-pop";
        File.WriteAllText(P("code.txt"), Code);
        pki.Files.OpenSsl("dgst -sha256 -sign device.key -passin pass:device-secret -out code.sig code.txt");
        var expected = pki.Files.OpenSsl("base64 -A -in code.sig").Trim();
        File.WriteAllText(P("code-nl.txt"), Code + "\n");

        var signed = CliRunner.Run("pop", "sign", "--key", P("device.key"), "--password", "device-secret", "--code", Code);
        var fromFile = CliRunner.Run("pop", "sign", "--key", P("device.key"), "--password", "device-secret", "--code-file", P("code-nl.txt"), "--json");
        var verified = CliRunner.Run("pop", "verify", "--cert", P("device.pem"), "--code", Code, "--signature", expected);
        var wrong = CliRunner.Run("pop", "verify", "--cert", P("device.pem"), "--code", Code + "!", "--signature", expected, "--json");

        Assert.True(signed.ExitCode == 0, signed.ToString());
        Assert.Equal(expected, signed.Out.Trim());
        using (var doc = JsonDocument.Parse(fromFile.Out))
        {
            Assert.Equal(expected, doc.RootElement.GetProperty("signature").GetString());
            Assert.Equal("SHA256withRSA", doc.RootElement.GetProperty("algorithm").GetString());
        }

        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Equal(1, wrong.ExitCode);
        using (var doc = JsonDocument.Parse(wrong.Out))
        {
            Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        }
    }

    [Fact]
    public void Pop_ec_signature_verifies_with_openssl()
    {
        var r = CliRunner.Run("pop", "sign", "--key", P("root.key"), "--code", "ec-code");
        File.WriteAllBytes(P("ec.sig"), Convert.FromBase64String(r.Out.Trim()));
        File.WriteAllText(P("ec-code.txt"), "ec-code");
        pki.Files.OpenSsl("x509 -in root.pem -pubkey -noout -out root.pub");

        Assert.Contains("Verified OK", pki.Files.OpenSsl("dgst -sha256 -verify root.pub -signature ec.sig ec-code.txt"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--code", "x", "--code-file", "code.txt")]
    [InlineData("--password", "wrong", "--code", "x")]
    public void Pop_sign_bad_input_exits_2(string o1, string v1, string o2, string v2)
    {
        var r = CliRunner.Run("pop", "sign", "--key", P("device.key"), o1, v1.EndsWith(".txt", StringComparison.Ordinal) ? P(v1) : v1, o2, v2.EndsWith(".txt", StringComparison.Ordinal) ? P(v2) : v2);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("iotcerts: error [", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_orders_files_writes_pem_and_reports_json()
    {
        var output = P($"ordered-{Guid.NewGuid():N}.pem");

        var r = CliRunner.Run("chain", P("root.pem"), P("device.pem"), P("int.pem"), P("device2.pem"), "--out", output, "--json");
        var again = CliRunner.Run("chain", P("root.pem"), "--out", output);

        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var subjects = doc.RootElement.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("subject").GetString()).ToList();
        Assert.Equal(3, subjects.Count);
        Assert.Equal("CN=Cli Test Root", subjects[2]);
        Assert.True(doc.RootElement.GetProperty("endsAtRoot").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("gap").ValueKind);
        Assert.Single(doc.RootElement.GetProperty("extras").EnumerateArray());
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(output), "BEGIN CERTIFICATE").Count);
        Assert.Equal(subjects[0], doc.RootElement.GetProperty("certificates")[0].GetProperty("subject").GetString());
        Assert.Equal(2, again.ExitCode);
    }

    [Fact]
    public void Chain_reports_a_gap_in_text()
    {
        var output = P($"gap-{Guid.NewGuid():N}.pem");

        var r = CliRunner.Run("chain", P("device2.pem"), P("root.pem"), "--out", output);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("gap: the issuer \"CN=Cli Test Issuing CA\"", r.Out, StringComparison.Ordinal);
        Assert.Contains("extra (not on the chain, not written): CN=Cli Test Root", r.Out, StringComparison.Ordinal);
    }
}
