using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// R-10 chain-file order (issue #22): a file listed root → intermediate → device is valid as a bag but refused by
/// mosquitto and the platforms, so <c>verify</c> reports <c>ChainOrder</c> (an error for profiles that require the
/// order, a warning otherwise), <c>inspect</c> warns and <c>chain</c> exits 1 when a gap remains.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class ChainOrderCommandTests(OpenSslFixtures pki)
{
    // cat root.pem int.pem device.pem > chain.pem, as the user did.
    private string RootFirst()
    {
        var path = pki.PathOf($"root-first-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, File.ReadAllText(pki.PathOf("root.pem")) + File.ReadAllText(pki.PathOf("int.pem")) + File.ReadAllText(pki.PathOf("device.pem")));
        return path;
    }

    private string InOrder()
    {
        var path = pki.PathOf($"in-order-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, File.ReadAllText(pki.PathOf("device.pem")) + File.ReadAllText(pki.PathOf("int.pem")) + File.ReadAllText(pki.PathOf("root.pem")));
        return path;
    }

    [Theory]
    [InlineData("cumulocity")]
    [InlineData("cumulocity-legacy")]
    [InlineData("ibm-watson-iot")]
    [InlineData("defender-iot")]
    public void Verify_with_a_profile_that_requires_order_refuses_a_root_first_file(string profile)
    {
        var r = CliRunner.Run("verify", "--chain", RootFirst(), "--trust", pki.PathOf("root.pem"), "--profile", profile, "--json");

        Assert.True(r.ExitCode == 1, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        var warning = Assert.Single(doc.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal(("ChainOrder", "error"), (warning.GetProperty("code").GetString(), warning.GetProperty("severity").GetString()));
        Assert.Contains("position 1 of the file holds \"CN=Cli Test Root\"", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        var codes = doc.RootElement.GetProperty("profile").GetProperty("violations").EnumerateArray().Select(v => v.GetProperty("code").GetString()).ToList();
        Assert.Contains("chain-order", codes);
    }

    [Fact]
    public void Verify_with_cumulocity_accepts_the_same_certificates_in_order()
    {
        var r = CliRunner.Run("verify", "--chain", InOrder(), "--trust", pki.PathOf("root.pem"), "--profile", "cumulocity");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("ChainOrder", r.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData()]
    [InlineData("--profile", "azure-iot-edge")]
    [InlineData("--profile", "generic")]
    public void Verify_without_an_order_rule_warns_and_exits_0(params string[] extra)
    {
        var r = CliRunner.Run(["verify", "--chain", RootFirst(), "--trust", pki.PathOf("root.pem"), .. extra]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("  warning ChainOrder: the file is not in chain order", r.Out, StringComparison.Ordinal);
        Assert.Contains("iotcerts chain", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_warns_about_a_file_out_of_order_in_text_and_json()
    {
        var file = RootFirst();

        var text = CliRunner.Run("inspect", file);
        var json = CliRunner.Run("inspect", file, "--json");
        var ordered = CliRunner.Run("inspect", InOrder(), "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("warning ChainOrder: the file is not in chain order", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("ChainOrder", Assert.Single(doc.RootElement.GetProperty("warnings").EnumerateArray()).GetProperty("code").GetString());
        using var clean = JsonDocument.Parse(ordered.Out);
        Assert.Empty(clean.RootElement.GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public void Chain_with_a_gap_writes_the_file_and_exits_1_and_a_whole_chain_exits_0()
    {
        var gapped = pki.PathOf($"gap-{Guid.NewGuid():N}.pem");
        var whole = pki.PathOf($"whole-{Guid.NewGuid():N}.pem");

        var gap = CliRunner.Run("chain", pki.PathOf("root.pem"), pki.PathOf("device.pem"), "--out", gapped);
        var ok = CliRunner.Run("chain", pki.PathOf("root.pem"), pki.PathOf("device.pem"), pki.PathOf("int.pem"), "--out", whole);

        Assert.True(gap.ExitCode == 1, gap.ToString());
        Assert.Contains("gap: the issuer \"CN=Cli Test Issuing CA\"", gap.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(gapped));
        Assert.True(ok.ExitCode == 0, ok.ToString());

        // The ordered file is what openssl and mosquitto expect: the device first, each followed by its issuer.
        var check = CliRunner.Run("verify", "--chain", whole, "--trust", pki.PathOf("root.pem"), "--profile", "cumulocity");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("CN = device-0001", pki.OpenSsl($"x509 -in {whole} -noout -subject"), StringComparison.Ordinal);
    }
}
