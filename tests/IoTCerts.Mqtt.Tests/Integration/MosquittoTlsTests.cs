using System.Security.Authentication;
using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.Tests.Integration;

/// <summary>Against a real mosquitto with cafile = root only: chain, refusals, TLS 1.2 and 1.3, ACL.</summary>
public sealed class MosquittoTlsTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    public static TheoryData<SslProtocols> Versions => new() { SslProtocols.Tls12, SslProtocols.Tls13 };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Device_sending_its_chain_connects_and_round_trips_qos0_and_qos1(SslProtocols protocol)
    {
        string cn = "dev-" + Suffix(protocol);
        await using var client = new MqttDeviceClient(fixture.Options(fixture.Pki.Device(cn), protocol));
        var sink = new MessageSink(client);

        MqttConnectResult result = await client.ConnectAsync();

        Assert.True(result.IsAccepted, result.Reason);
        Assert.Equal(protocol, result.TlsProtocol);
        Assert.Equal(cn, result.ClientId);
        MqttSubscribeResult sub = await client.SubscribeAsync($"devices/{cn}/#", MqttQualityOfService.AtLeastOnce);
        Assert.Equal([MqttSubscribeReturnCode.GrantedQoS1], sub.ReturnCodes);

        await client.PublishAsync($"devices/{cn}/q0", Encoding.UTF8.GetBytes("zero"), MqttQualityOfService.AtMostOnce);
        MqttMessageReceivedEventArgs m0 = await sink.NextAsync();
        Assert.Equal(($"devices/{cn}/q0", "zero"), (m0.Topic, Encoding.UTF8.GetString(m0.Payload.Span)));

        await client.PublishAsync($"devices/{cn}/q1", Encoding.UTF8.GetBytes("one"), MqttQualityOfService.AtLeastOnce);
        MqttMessageReceivedEventArgs m1 = await sink.NextAsync();
        Assert.Equal(($"devices/{cn}/q1", "one", MqttQualityOfService.AtLeastOnce), (m1.Topic, Encoding.UTF8.GetString(m1.Payload.Span), m1.QualityOfService));
        Assert.Equal(0, client.PendingMessageCount);

        await client.PublishAsync($"devices/{cn}/q2", Encoding.UTF8.GetBytes("two"), MqttQualityOfService.ExactlyOnce);
        MqttMessageReceivedEventArgs m2 = await sink.NextAsync();
        Assert.Equal(("two", MqttQualityOfService.AtLeastOnce), (Encoding.UTF8.GetString(m2.Payload.Span), m2.QualityOfService));

        await client.DisconnectAsync();
        Assert.False(client.IsConnected);
        Assert.Contains($"as {cn} ", fixture.Broker.ReadLog(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Leaf_only_is_refused_and_the_error_says_the_chain_is_missing(SslProtocols protocol)
    {
        await using var client = new MqttDeviceClient(fixture.Options(fixture.Pki.Device("leafonly-" + Suffix(protocol), leafOnly: true), protocol));

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        output.WriteLine($"leaf-only {protocol}: [{e.CodeString}] {e.Message}");
        Assert.Contains("without intermediate CA certificates", e.Message, StringComparison.Ordinal);
        AssertCertificateRefusal(protocol, e, "does not trust the CA");
    }

    public static TheoryData<string, SslProtocols, string> Refusals
    {
        get
        {
            var data = new TheoryData<string, SslProtocols, string>();
            foreach (SslProtocols p in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
            {
                data.Add("untrusted", p, "does not trust the CA");
                data.Add("expired", p, "expired on");
                data.Add("not-yet-valid", p, "is not valid before");
                data.Add("revoked", p, "is revoked");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_device_certificates_are_refused_with_a_clear_reason(string kind, SslProtocols protocol, string sentence)
    {
        string cn = $"{kind}-{Suffix(protocol)}";
        MqttClientCredential credential = kind switch
        {
            "untrusted" => fixture.Pki.UntrustedDevice(cn),
            "expired" => fixture.Pki.Device(cn, notBeforeOffset: TimeSpan.FromDays(-10), lifetime: TimeSpan.FromDays(5)),
            "not-yet-valid" => fixture.Pki.Device(cn, notBeforeOffset: TimeSpan.FromDays(5)),
            _ => fixture.Pki.RevokedDevice(cn),
        };
        if (kind == "revoked")
        {
            await ReloadCrlAsync();
        }

        await using var client = new MqttDeviceClient(fixture.Options(credential, protocol));

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        output.WriteLine($"{kind} {protocol}: [{e.CodeString}] {e.Message}");
        AssertCertificateRefusal(protocol, e, sentence, locallyVisible: kind is "expired" or "not-yet-valid");
        Assert.False(client.IsConnected);
    }

    /// <summary>
    /// With TLS 1.2 the broker's alert arrives in the handshake. With TLS 1.3 the client finishes first and sends
    /// CONNECT; the alert can be lost to the TCP reset that follows, and the error then says "probably rejected" —
    /// still naming what the client can check itself (validity dates, a missing chain).
    /// </summary>
    private static void AssertCertificateRefusal(SslProtocols protocol, MqttConnectException e, string sentence, bool locallyVisible = false)
    {
        if (protocol == SslProtocols.Tls13 && e.Error == MqttConnectError.ClientCertificateProbablyRejected)
        {
            Assert.Contains("the broker probably rejected the client certificate", e.Message, StringComparison.Ordinal);
            if (locallyVisible)
            {
                Assert.Contains(sentence, e.Message, StringComparison.Ordinal);
            }

            return;
        }

        Assert.Equal(MqttConnectError.ClientCertificateRejected, e.Error);
        Assert.Contains(sentence, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_outside_the_trust_store_is_refused_by_the_core_validator_with_its_code()
    {
        var options = fixture.Options(fixture.Pki.Device("strict-client"), SslProtocols.Tls13);
        options.TrustStorePath = fixture.Pki.UntrustedRootPath;
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        output.WriteLine($"[{e.CodeString}/{e.ServerCertificateCode}] {e.Message}");

        // mosquitto (OpenSSL) sends its root along with its certificate, so the chain ends at a root that is not trusted.
        Assert.Equal((MqttConnectError.ServerCertificateRejected, "UntrustedRoot"), (e.Error, e.ServerCertificateCode));
        Assert.Contains("chain of trust cannot be validated: certificate and root CA do not match (the root \"CN=IoTCerts Test Root,O=IoTCerts Test\" is not a trusted CA)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"; the trust store '{fixture.Pki.UntrustedRootPath}' (1 certificate) does not hold the broker's CA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_x509chain_validator_still_refuses_a_broker_outside_its_anchors()
    {
        var options = fixture.Options(fixture.Pki.Device("strict-x509chain"), SslProtocols.Tls12);
        options.TrustStorePath = null;
        options.ServerCertificateValidator = new X509ChainServerCertificateValidator([fixture.Pki.UntrustedRoot]);
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        Assert.Equal(MqttConnectError.ServerCertificateRejected, e.Error);
        Assert.Null(e.ServerCertificateCode);
        Assert.Contains("is not issued by a CA in the trust store", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_certificate_on_a_crl_handed_in_is_refused_as_revoked()
    {
        var options = fixture.Options(fixture.Pki.Device("crl-client"), SslProtocols.Tls13);
        string crl = fixture.Pki.WriteRootCrl("broker-revoked.crl", fixture.Pki.Server);
        options.ServerRevocationChecker = new IoTCerts.Core.CrlRevocationChecker(IoTCerts.Core.RevocationPolicy.Offline, IoTCerts.Core.MaterialLoader.LoadFile(crl).Crls);
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        output.WriteLine(e.Message);
        Assert.Equal((MqttConnectError.ServerCertificateRejected, "Revoked"), (e.Error, e.ServerCertificateCode));
    }

    [Fact]
    public async Task A_validator_that_throws_refuses_the_broker_with_a_sentence()
    {
        var options = fixture.Options(fixture.Pki.Device("throwing-validator"), SslProtocols.Tls12);
        options.TrustStorePath = null;
        options.ServerCertificateValidator = new ThrowingValidator();
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        Assert.Equal(MqttConnectError.ServerCertificateRejected, e.Error);
        Assert.EndsWith("failed: the server certificate validator failed (InvalidOperationException: validator bug)", e.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingValidator : IServerCertificateValidator
    {
        public ServerCertificateValidationResult Validate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, System.Security.Cryptography.X509Certificates.X509Certificate2Collection presentedCertificates, string targetHost) =>
            throw new InvalidOperationException("validator bug");
    }

    [Fact]
    public async Task A_target_host_the_broker_certificate_does_not_name_is_refused()
    {
        var options = fixture.Options(fixture.Pki.Device("sni-client"), SslProtocols.Tls12);
        options.TargetHost = "broker.example.net";
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());

        output.WriteLine(e.Message);
        Assert.Equal((MqttConnectError.ServerCertificateRejected, "NameMismatch"), (e.Error, e.ServerCertificateCode));
        Assert.Contains("is not valid for the name broker.example.net (it holds", e.Message, StringComparison.Ordinal);
        Assert.Contains("localhost", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_broker_certificate_is_refused_promptly()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var expired = new MqttClientCredential(fixture.Pki.ServerCertificate(now.AddDays(-30), now.AddDays(-1)));
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(fixture.Pki, serverFiles: fixture.Pki.WriteFiles("expired-broker", expired));
        MqttDeviceClientOptions options = BrokerFixture.Options(fixture.Pki, fixture.Pki.Device("sees-expired"), broker.Tls13Port, SslProtocols.Tls13);
        await using var client = new MqttDeviceClient(options);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine(e.Message);
        Assert.Equal((MqttConnectError.ServerCertificateRejected, "Expired"), (e.Error, e.ServerCertificateCode));
        Assert.Contains("the broker's certificate was refused: certificate \"CN=localhost,O=IoTCerts Test\" expired on", e.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Acl_confines_the_device_to_its_own_topics()
    {
        await using var device = new MqttDeviceClient(fixture.Options(fixture.Pki.Device("acl-a"), SslProtocols.Tls13));
        await using var other = new MqttDeviceClient(fixture.Options(fixture.Pki.Device("acl-b"), SslProtocols.Tls13));
        var deviceSink = new MessageSink(device);
        var otherSink = new MessageSink(other);
        Assert.True((await device.ConnectAsync()).IsAccepted);
        Assert.True((await other.ConnectAsync()).IsAccepted);
        await device.SubscribeAsync("devices/#");
        await other.SubscribeAsync("devices/acl-b/#");

        // MQTT 3.1.1 has no negative PUBACK: the broker acknowledges and drops the foreign publish.
        await device.PublishAsync("devices/acl-b/cmd", Encoding.UTF8.GetBytes("intrusion"), MqttQualityOfService.AtLeastOnce);
        await other.PublishAsync("devices/acl-b/own", Encoding.UTF8.GetBytes("b-own"), MqttQualityOfService.AtLeastOnce);
        await device.PublishAsync("devices/acl-a/own", Encoding.UTF8.GetBytes("a-own"), MqttQualityOfService.AtLeastOnce);

        Assert.Equal("b-own", Encoding.UTF8.GetString((await otherSink.NextAsync()).Payload.Span));
        Assert.Equal("devices/acl-a/own", (await deviceSink.NextAsync()).Topic);
        Assert.Null(await otherSink.TryNextAsync(TimeSpan.FromMilliseconds(300)));
        Assert.Null(await deviceSink.TryNextAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Contains("Denied PUBLISH from acl-a", fixture.Broker.ReadLog(), StringComparison.Ordinal);
    }

    private static string Suffix(SslProtocols protocol) => protocol == SslProtocols.Tls13 ? "tls13" : "tls12";

    // mosquitto reads the CRL at start; a restart picks up the newly revoked serial (SIGHUP does not reload CRLs in 2.0).
    private async Task ReloadCrlAsync() => await fixture.Broker.RestartAsync();
}
