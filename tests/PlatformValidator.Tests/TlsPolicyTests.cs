using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>The chain is validated only over TLS 1.2 or 1.3, and only after the handshake received a client certificate.</summary>
public sealed class TlsPolicyTests(OfflineValidatorFixture fixture) : IClassFixture<OfflineValidatorFixture>
{
    private ValidatorHost Host => fixture.Host;

    [Fact]
    public void The_device_listener_requires_a_client_certificate_and_TLS_1_2_or_1_3()
    {
        var options = DeviceHttps.CreateOptions(ServerCredential.Load(new PlatformValidatorOptions
        {
            ServerCertificateFile = Host.Pki.ServerCertificateFile,
            ServerKeyFile = Host.Pki.ServerKeyFile,
        }), maxPresentedCertificates: 10);

        Assert.Equal(ClientCertificateMode.RequireCertificate, options.ClientCertificateMode);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.SslProtocols);
        Assert.False(options.CheckCertificateRevocation);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, "Tls12")]
    [InlineData(SslProtocols.Tls13, "Tls13")]
    public async Task A_device_on_TLS_1_2_or_1_3_is_validated(SslProtocols protocol, string expected)
    {
        using var client = Host.Client(fixture.Device(DemoPki.Valid), protocol);

        using var response = await client.GetAsync(Host.WhoAmI);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expected, body.RootElement.GetProperty("tlsProtocol").GetString());
        var logged = await Host.Logs.WaitForAsync(e => e.EventId == Log.AcceptedId && Equals(e.Values["Protocol"], expected));
        Assert.Equal("demo-device-0001", logged.Values["DeviceId"]);
    }

#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server must refuse it.
    [Fact]
    public async Task A_device_offering_only_TLS_1_1_never_reaches_validation()
    {
        var device = fixture.Device(DemoPki.Revoked);
        using var client = Host.Client(device, SslProtocols.Tls11);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Host.WhoAmI));

        await Task.Delay(200);
        Assert.DoesNotContain(Host.Logs.Entries, e => e.Values.TryGetValue("SerialNumber", out var serial) && Equals(serial, device.SerialNumber));
    }
#pragma warning restore SYSLIB0039
}
