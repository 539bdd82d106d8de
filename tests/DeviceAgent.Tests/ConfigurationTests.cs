using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>A broken appsettings.json fails when the host starts, naming the key (and the file), before any network traffic.</summary>
public sealed class ConfigurationTests : IAsyncLifetime
{
    private AgentScenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await AgentScenario.CreateAsync();

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    public static TheoryData<string, string, string> BrokenSettings() => new()
    {
        // key to change, new value, expected failure ({root} = the content root)
        { "Mqtt:TrustFile", "missing-root.pem", "DeviceAgent:Mqtt:TrustFile: the file '{root}/missing-root.pem' does not exist" },
        { "Est:TrustFile", "bootstrap.key", "DeviceAgent:Est:TrustFile: the file '{root}/bootstrap.key' holds no PEM certificate" },
        { "Est:IssuerTrustFile", "missing-ca.pem", "DeviceAgent:Est:IssuerTrustFile: the file '{root}/missing-ca.pem' does not exist" },
        { "Est:IssuerTrustFile", "bootstrap.key", "DeviceAgent:Est:IssuerTrustFile: the file '{root}/bootstrap.key' holds no PEM certificate" },
        { "Est:BootstrapKeyFile", "other.key", "DeviceAgent:Est:BootstrapKeyFile: the key '{root}/other.key' is not the key of the certificate '{root}/bootstrap.pem'" },
        { "Est:Server", "http://est.example", "DeviceAgent:Est:Server: 'http://est.example' is not an absolute https URL" },
        { "Est:RenewAt", "120%", "DeviceAgent:Est:RenewAt: the threshold '120%' must be more than 0% and less than 100%" },
        { "Est:RetryInterval", "3 fortnights", "DeviceAgent:Est:RetryInterval:" },
        { "Est:Subject", "not a name", "DeviceAgent:Est:Subject: 'not a name' is not a distinguished name" },
        { "Mqtt:Topic", "devices/+/telemetry", "DeviceAgent:Mqtt:Topic: 'devices/+/telemetry' is not a topic name to publish to" },
        { "Mqtt:QualityOfService", "3", "DeviceAgent:Mqtt:QualityOfService: 3 must be 0, 1 or 2" },
        { "Mqtt:Host", "", "DeviceAgent:Mqtt:Host: required" },
    };

    [Theory]
    [MemberData(nameof(BrokenSettings))]
    public async Task A_bad_setting_fails_the_start_with_the_key_and_the_path(string key, string value, string expected)
    {
        JsonObject settings = _scenario.Settings("generic", 8883, "CN=config-device");
        string[] path = key.Split(':');
        ((JsonObject)settings["DeviceAgent"]![path[0]]!)[path[1]] = value;
        _scenario.WriteSettings(settings);

        OptionsValidationException failure = await StartFailsAsync();

        string message = Assert.Single(failure.Failures);
        Assert.StartsWith(expected.Replace("{root}", _scenario.ContentRoot, StringComparison.Ordinal), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_is_listed_at_once_and_cumulocity_rules_apply_in_cumulocity_mode()
    {
        JsonObject settings = _scenario.Settings("cumulocity", 8883, "CN=config-device");
        settings["DeviceAgent"]!["Mqtt"]!["ClientId"] = "tenant:device";
        settings["DeviceAgent"]!["Est"]!["BootstrapCertificateFile"] = "gone.pem";
        settings["DeviceAgent"]!["Cumulocity"]!["TokenMaxAttempts"] = 0;
        _scenario.WriteSettings(settings);

        OptionsValidationException failure = await StartFailsAsync();

        Assert.Equal(3, failure.Failures.Count());
        Assert.Contains($"DeviceAgent:Est:BootstrapCertificateFile: the file '{_scenario.ContentRoot}/gone.pem' does not exist", failure.Failures);
        Assert.Contains("DeviceAgent:Mqtt:ClientId: 'tenant:device' contains ':', which Cumulocity does not allow (R-22)", failure.Failures);
        Assert.Contains("DeviceAgent:Cumulocity:TokenMaxAttempts: must be at least 1", failure.Failures);
    }

    [Fact]
    public async Task Without_a_stored_identity_an_enrollment_credential_is_required()
    {
        JsonObject settings = _scenario.Settings("generic", 8883, "CN=config-device");
        JsonObject est = (JsonObject)settings["DeviceAgent"]!["Est"]!;
        est.Remove("BootstrapCertificateFile");
        est.Remove("BootstrapKeyFile");
        _scenario.WriteSettings(settings);

        OptionsValidationException failure = await StartFailsAsync();

        Assert.StartsWith("DeviceAgent:Est:BootstrapCertificateFile: the store holds no device identity yet", Assert.Single(failure.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_appsettings_is_complete_but_for_the_quickstart_files()
    {
        // The sample's own appsettings.json (copied next to the test binaries): every value binds and passes; only the
        // files the quickstart writes (README: ./build.sh demo) are missing, at paths taken from the content root.
        string shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(shipped), shipped);
        File.Copy(shipped, Path.Combine(_scenario.ContentRoot, "appsettings.json"), overwrite: true);
        using IHost host = _scenario.BuildHost(new CapturedLogs());

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<DeviceAgentOptions>>().Value);

        string quickstart = Path.GetFullPath(Path.Combine(_scenario.ContentRoot, "..", "..", "out", "quickstart"));
        Assert.Equal(
        [
            $"DeviceAgent:Est:TrustFile: the file '{quickstart}/root-ca.pem' does not exist",
            $"DeviceAgent:Est:BootstrapCertificateFile: the file '{quickstart}/bootstrap.pem' does not exist",
            $"DeviceAgent:Est:BootstrapKeyFile: the file '{quickstart}/bootstrap.key' does not exist",
            $"DeviceAgent:Mqtt:TrustFile: the file '{quickstart}/root-ca.pem' does not exist",
        ], failure.Failures);
    }

    private async Task<OptionsValidationException> StartFailsAsync()
    {
        using IHost host = _scenario.BuildHost(new CapturedLogs());
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }
}
