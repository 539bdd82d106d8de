namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>Devices on OpenSSL's TLS stack (openssl s_client), which send every certificate they are given.</summary>
public sealed class OpenSslClientTests(OfflineValidatorFixture fixture) : IClassFixture<OfflineValidatorFixture>
{
    private ValidatorHost Host => fixture.Host;

    [Fact]
    public async Task An_OpenSSL_device_with_its_intermediate_is_accepted()
    {
        using var work = new TempDirectory();

        var answer = await OpenSslClient.GetAsync(Host.Address, Host.Pki.RootFile, fixture.Device(DemoPki.Valid), "/whoami", work.Path);

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("\"deviceId\":\"demo-device-0001\"", answer, StringComparison.Ordinal);
        Assert.Contains("\"CN=IoTCerts Demo Device CA,O=IoTCerts Demo\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_sending_an_unknown_root_gets_UntrustedRoot()
    {
        using var work = new TempDirectory();
        var device = fixture.Device(DemoPki.Untrusted);

        var answer = await OpenSslClient.GetAsync(Host.Address, Host.Pki.RootFile, device, "/whoami", work.Path);

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("X-IoTCerts-Error: UntrustedRoot", answer, StringComparison.Ordinal);
        Assert.Contains(@"the root \""CN=Rogue CA\"" is not a trusted CA", answer, StringComparison.Ordinal);
        var logged = await Host.Logs.WaitForAsync(e => e.EventId == Log.RefusedId && Equals(e.Values["SerialNumber"], device.SerialNumber));
        Assert.Equal("UntrustedRoot", logged.Values["Code"]);
    }
}
