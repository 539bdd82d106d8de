using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>A wrong configuration stops the app at start with every problem named, before any device connects.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    // Kestrel reads the listener settings when the app is built, the rest is checked at start: both count as "start".
    private static async Task BuildAndStartAsync(DemoPki pki, Dictionary<string, string?> overrides)
    {
        await using var app = ValidatorHost.Build(pki, new LogCapture(), overrides);
        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_refuses_a_wrong_configuration_and_names_each_key()
    {
        var pki = DemoPki.Create(_directory.Path);
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => BuildAndStartAsync(pki, new Dictionary<string, string?>
        {
            ["PlatformValidator:Profile"] = "aws-iot",
            ["PlatformValidator:Revocation"] = "Sometimes",
            ["PlatformValidator:CrlFiles:1"] = pki.RootFile,
        }));

        Assert.Contains(refused.Failures, f => f.Contains("PlatformValidator:Profile 'aws-iot' is unknown", StringComparison.Ordinal) && f.Contains("cumulocity", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains("PlatformValidator:Revocation 'Sometimes' is not one of None, Offline, Online", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains($"'{pki.RootFile}' holds no CRL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_refuses_a_missing_trust_anchor_file_naming_it()
    {
        var pki = DemoPki.Create(_directory.Path);
        var missing = Path.Combine(_directory.Path, "nowhere", "root.pem");
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => BuildAndStartAsync(pki, new Dictionary<string, string?> { ["PlatformValidator:TrustAnchorFiles:0"] = missing }));

        Assert.Contains(refused.Failures, f => f.Contains($"PlatformValidator:TrustAnchorFiles: '{missing}' cannot be read [file-not-found]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_refuses_a_server_key_that_does_not_belong_to_the_certificate()
    {
        var pki = DemoPki.Create(_directory.Path);
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => BuildAndStartAsync(pki, new Dictionary<string, string?>
        {
            ["PlatformValidator:ServerKeyFile"] = pki.Devices[DemoPki.Valid].KeyFile,
        }));

        Assert.Contains(refused.Failures, f => f.Contains("PlatformValidator:ServerCertificateFile/ServerKeyFile: [", StringComparison.Ordinal)
            && f.Contains("certificate and key do not match", StringComparison.Ordinal));
    }

    [Fact]
    public void Offline_revocation_without_CRL_files_is_refused_unless_unknown_status_is_allowed()
    {
        var validator = new PlatformValidatorOptionsValidator();
        var pki = DemoPki.Create(_directory.Path);
        PlatformValidatorOptions Options(string unknown) => new()
        {
            ServerCertificateFile = pki.ServerCertificateFile,
            ServerKeyFile = pki.ServerKeyFile,
            TrustAnchorFiles = [pki.RootFile],
            UnknownRevocationStatus = unknown,
        };

        var denied = validator.Validate(null, Options("Deny"));
        var allowed = validator.Validate(null, Options("Allow"));

        Assert.True(denied.Failed);
        Assert.Contains("every device would be refused", denied.FailureMessage, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded, allowed.FailureMessage);
    }
}
