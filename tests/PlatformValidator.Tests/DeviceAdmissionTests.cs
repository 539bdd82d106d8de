using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>
/// The acceptance test: over real TLS, the validator admits a valid device (200 + its identity) and refuses an
/// expired, a revoked, an untrusted and a misnamed device with the specific IoTCerts code, which both the device (403
/// body and header) and the server log (event 7901) carry; a connection without a certificate never gets to HTTP.
/// </summary>
public sealed class DeviceAdmissionTests(OfflineValidatorFixture fixture) : IClassFixture<OfflineValidatorFixture>
{
    private ValidatorHost Host => fixture.Host;

    [Fact]
    public async Task A_valid_device_gets_200_and_its_Cumulocity_identity()
    {
        var device = fixture.Device(DemoPki.Valid);
        using var client = Host.Client(device);

        using var response = await client.GetAsync(Host.WhoAmI);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("cumulocity", root.GetProperty("profile").GetString());
        Assert.Equal("demo-device-0001", root.GetProperty("deviceId").GetString());
        Assert.Equal("demo-device-0001", root.GetProperty("clientId").GetString());
        Assert.Equal("commonName", root.GetProperty("identitySource").GetString());
        Assert.Equal(device.SerialNumber, root.GetProperty("serialNumber").GetString());

        // The intermediate the device sent in the handshake reached the validator (Kestrel alone exposes only the leaf).
        Assert.Equal(["CN=demo-device-0001,O=IoTCerts Demo", "CN=IoTCerts Demo Device CA,O=IoTCerts Demo"],
            root.GetProperty("chain").EnumerateArray().Select(e => e.GetString()!).ToArray());

        var logged = await Host.Logs.WaitForAsync(e => e.EventId == Log.AcceptedId && Equals(e.Values["SerialNumber"], device.SerialNumber));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Equal("demo-device-0001", logged.Values["DeviceId"]);
        Assert.Equal("/whoami", logged.Values["Path"]);
    }

    [Theory]
    [InlineData(DemoPki.Expired, "Expired", "demo-device-expired", "expired on")]
    [InlineData(DemoPki.Revoked, "Revoked", "demo-device-revoked", "keyCompromise")]
    // .NET's SslStream leaves a self-signed root out of what it sends, so the validator sees the rogue device without
    // its CA: PartialChain. OpenSslClientTests shows UntrustedRoot when the rogue root is sent too.
    [InlineData(DemoPki.Untrusted, "PartialChain", "rogue-device", "chain of trust cannot be validated")]
    [InlineData(DemoPki.BadName, "c8y-device-common-name", "demo:device", "contains ':'")]
    public async Task A_refused_device_learns_the_code_and_the_log_carries_it(string name, string code, string deviceId, string sentence)
    {
        var device = fixture.Device(name);
        using var client = Host.Client(device);

        using var response = await client.GetAsync(Host.WhoAmI);

        // What the device sees: 403, the code in a header and in a problem+json body with the operator sentence.
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, Assert.Single(response.Headers.GetValues("X-IoTCerts-Error")));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
        Assert.Contains(sentence, body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(code, body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());

        // What the server log says: event 7901 with the same code, the device it concerns, and no 7900 for it.
        var logged = await Host.Logs.WaitForAsync(e => e.EventId == Log.RefusedId && Equals(e.Values["SerialNumber"], device.SerialNumber));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal(code, logged.Values["Code"]);
        Assert.Equal(deviceId, logged.Values["DeviceId"]);
        Assert.Contains(sentence, (string)logged.Values["Reason"]!, StringComparison.Ordinal);
        Assert.DoesNotContain(Host.Logs.WithEvent(Log.AcceptedId), e => Equals(e.Values["SerialNumber"], device.SerialNumber));
    }

    [Fact]
    public async Task A_connection_without_a_client_certificate_fails_in_the_handshake_and_is_logged()
    {
        var before = Host.Logs.WithEvent(Log.NoClientCertificateId).Count;
        using var client = Host.Client(device: null);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Host.WhoAmI));

        await Host.Logs.WaitForAsync(_ => Host.Logs.WithEvent(Log.NoClientCertificateId).Count > before);
        var logged = Host.Logs.WithEvent(Log.NoClientCertificateId)[^1];
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("NoClientCertificate", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_is_logged_with_its_validation_cost_and_the_signature_cache_is_hit_on_the_second()
    {
        var device = fixture.Device(DemoPki.Valid);
        using var client = Host.Client(device);
        var before = Host.Logs.WithEvent(Log.AcceptedId).Count;

        (await client.GetAsync(Host.WhoAmI)).EnsureSuccessStatusCode();
        (await client.GetAsync(Host.WhoAmI)).EnsureSuccessStatusCode();

        await Host.Logs.WaitForAsync(_ => Host.Logs.WithEvent(Log.AcceptedId).Count >= before + 2);
        var lines = Host.Logs.WithEvent(Log.AcceptedId).Skip(before).ToList();
        Assert.All(lines, line =>
        {
            Assert.IsType<long>(line.Values["CostMicroseconds"]);
            Assert.True((long)line.Values["CostMicroseconds"]! > 0, line.Message);
            Assert.Contains(" µs", line.Message, StringComparison.Ordinal);
        });

        // The device CA → root signature was verified by an earlier validation: the second request reuses it.
        Assert.True((long)lines[^1].Values["SignatureCacheHits"]! >= 1, lines[^1].Message);
        Assert.Equal(0L, lines[^1].Values["CrlDownloads"]);
    }

    [Fact]
    public async Task The_log_never_carries_key_material()
    {
        using var client = Host.Client(fixture.Device(DemoPki.Valid));
        (await client.GetAsync(Host.WhoAmI)).EnsureSuccessStatusCode();

        var keyBody = File.ReadAllLines(fixture.Device(DemoPki.Valid).KeyFile).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keyBody);
        Assert.All(Host.Logs.Entries, e => Assert.DoesNotContain(keyBody[0], e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(Host.Logs.Entries, e => e.Message.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }
}
