using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

/// <summary>
/// The platform's TLS certificate, when explicit trust anchors are configured (on-premises Cumulocity with a private
/// CA), is checked by Core's ChainValidator over a real TLS handshake with the stub: the anchors decide, and so does the
/// options' clock (X509Chain used the system clock and the system's own rules).
/// </summary>
public sealed class ServerTrustTests
{
    [Fact]
    public async Task The_configured_anchor_is_trusted_and_another_root_is_refused_before_any_request()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var root = TestPki.Ca("CN=Device Root");
        await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(root));
        using var device = TestPki.Device("sensor-trust", root);

        var token = await Clients.CreateDevice(Clients.DeviceOptions(stub, device)).GetAccessTokenAsync();
        Assert.Equal("sensor-trust", stub.IssuedTokens[token.Token]);

        stub.ClearRequests();
        var options = Clients.DeviceOptions(stub, device);
        options.TrustAnchors.Clear();
        options.TrustAnchors.Add(TestPki.Ca("CN=Some Other Root", ECDsa.Create(ECCurve.NamedCurves.nistP256)));
        var refused = await Assert.ThrowsAsync<CumulocityException>(() => Clients.CreateDevice(options).GetAccessTokenAsync());

        Assert.Equal(CumulocityErrorCode.Transport, refused.Code);
        Assert.Contains("not trusted", refused.Message);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task The_server_certificate_is_judged_at_the_options_clock()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var root = TestPki.Ca("CN=Device Root");
        await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(root));
        using var device = TestPki.Device("sensor-clock", root);

        // The stub's certificate is valid for 30 days from yesterday: 60 days on, it has expired.
        var options = Clients.DeviceOptions(stub, device, o => o.TimeProvider = new FixedClock(DateTimeOffset.UtcNow.AddDays(60)));
        var refused = await Assert.ThrowsAsync<CumulocityException>(() => Clients.CreateDevice(options).GetAccessTokenAsync());

        Assert.Equal(CumulocityErrorCode.Transport, refused.Code);
        Assert.Contains("not trusted", refused.Message);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
