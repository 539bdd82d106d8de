using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt.MQTTnet.Tests.Fixtures;
using IoTCerts.Mqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.MQTTnet.Tests;

/// <summary>One PKI and one mosquitto (cafile = root only, require_certificate true, ACL devices/%u/#) per class.</summary>
public sealed class MqttNetBrokerFixture : IAsyncLifetime
{
    public TestPki Pki { get; } = new();

    public MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync(Pki, crl: false);

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        Pki.Dispose();
    }

    public int Port(SslProtocols protocol) => protocol == SslProtocols.Tls13 ? Broker.Tls13Port : Broker.Tls12Port;
}

public sealed class MqttNetTlsTests(MqttNetBrokerFixture fixture, ITestOutputHelper output) : IClassFixture<MqttNetBrokerFixture>
{
    private static readonly MqttClientFactory Factory = new();

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task An_MQTTnet_client_sending_leaf_and_intermediate_connects_where_the_broker_trusts_only_the_root(SslProtocols protocol)
    {
        var device = MqttNetTestClients.Credential(fixture.Pki.Device("net-chain"));
        MqttNetTlsOptions tlsOptions = MqttNetTestClients.Tls(fixture.Pki, device);
        tlsOptions.EnabledProtocols = protocol;
        var tls = new MqttNetTlsStreamProvider(tlsOptions);
        using IMqttClient client = Factory.CreateMqttClient();
        var received = new ConcurrentQueue<string>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };

        MqttClientConnectResult result = await client.ConnectAsync(MqttNetTestClients.Options(tls, fixture.Port(protocol), "net-chain"));
        await client.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder().WithTopicFilter("devices/net-chain/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        MqttClientPublishResult published = await client.PublishStringAsync("devices/net-chain/t", "hello", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.True(published.IsSuccess);
        Assert.Equal(protocol, tls.LastProtocol);
        Assert.Same(device.Certificate, tls.LastCertificate);
        Assert.True(await WaitAsync(() => received.Contains("hello")), "the QoS 1 message did not come back");
        await client.DisconnectAsync();
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task The_leaf_alone_is_refused_with_our_error_naming_the_missing_chain(SslProtocols protocol)
    {
        var leafOnly = MqttNetTestClients.Credential(fixture.Pki.Device("net-leaf", leafOnly: true));
        MqttNetTlsOptions tlsOptions = MqttNetTestClients.Tls(fixture.Pki, leafOnly);
        tlsOptions.EnabledProtocols = protocol;
        using IMqttClient client = Factory.CreateMqttClient();

        Exception thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(MqttNetTestClients.Options(new MqttNetTlsStreamProvider(tlsOptions), fixture.Port(protocol), "net-leaf")));

        output.WriteLine(thrown.ToString());
        MqttNetTlsException? tls = MqttNetTlsException.Find(thrown);
        Assert.NotNull(tls);
        Assert.Contains(tls.Code, new[] { MqttNetTlsErrorCode.ClientCertificateRejected, MqttNetTlsErrorCode.ClientCertificateProbablyRejected });
        Assert.Contains("without intermediate CA certificates", tls.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Theory]
    [InlineData("untrusted", "UntrustedRoot")]
    [InlineData("misnamed", "NameMismatch")]
    public async Task A_broker_outside_the_anchors_or_with_another_name_is_refused_with_the_chain_status_code(string kind, string code)
    {
        var device = MqttNetTestClients.Credential(fixture.Pki.Device("net-server"));
        MqttNetTlsOptions tlsOptions = MqttNetTestClients.Tls(fixture.Pki, device);
        if (kind == "untrusted")
        {
            tlsOptions.ServerValidator = new ChainValidator([Certificate.Parse(fixture.Pki.UntrustedRoot.RawData)]);
        }
        else
        {
            tlsOptions.TargetHost = "broker.elsewhere.test";
        }

        using IMqttClient client = Factory.CreateMqttClient();
        Exception thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(MqttNetTestClients.Options(new MqttNetTlsStreamProvider(tlsOptions), fixture.Broker.Tls12Port, "net-server")));

        MqttNetTlsException? tls = MqttNetTlsException.Find(thrown);
        Assert.NotNull(tls);
        Assert.Equal(MqttNetTlsErrorCode.ServerCertificateRejected, tls.Code);
        Assert.Equal("server-certificate-rejected", tls.CodeString);
        Assert.Equal(code, tls.ServerCertificateCode);
    }

    [Fact]
    public async Task An_expired_broker_certificate_is_refused_with_the_expired_code()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var expired = new MqttClientCredential(fixture.Pki.ServerCertificate(now.AddDays(-30), now.AddDays(-1)));
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(fixture.Pki, crl: false, serverFiles: fixture.Pki.WriteFiles("net-expired-broker", expired));
        var device = MqttNetTestClients.Credential(fixture.Pki.Device("net-expired"));
        using IMqttClient client = Factory.CreateMqttClient();

        Exception thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(MqttNetTestClients.Options(new MqttNetTlsStreamProvider(MqttNetTestClients.Tls(fixture.Pki, device)), broker.Tls12Port, "net-expired")));

        MqttNetTlsException? tls = MqttNetTlsException.Find(thrown);
        Assert.NotNull(tls);
        Assert.Equal(MqttNetTlsErrorCode.ServerCertificateRejected, tls.Code);
        Assert.Equal("Expired", tls.ServerCertificateCode);
    }

    [Fact]
    public async Task Mqtt5_publish_and_subscribe_carry_user_properties_and_session_expiry()
    {
        var subscriberTls = new MqttNetTlsStreamProvider(MqttNetTestClients.Tls(fixture.Pki, MqttNetTestClients.Credential(fixture.Pki.Device("net-v5"))));
        using IMqttClient subscriber = Factory.CreateMqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", fixture.Broker.Tls13Port)
            .WithStreamProvider(subscriberTls)
            .WithClientId("net-v5")
            .WithProtocolVersion(global::MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(300)
            .Build();

        MqttClientConnectResult connect = await subscriber.ConnectAsync(options);
        await subscriber.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder().WithTopicFilter("devices/net-v5/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic("devices/net-v5/telemetry")
            .WithPayload("{\"t\":21.5}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .WithUserProperty("unit", Encoding.UTF8.GetBytes("celsius"))
            .WithUserProperty("firmware", Encoding.UTF8.GetBytes("1.4.2"))
            .Build();
        MqttClientPublishResult published = await subscriber.PublishAsync(message);
        MqttApplicationMessage back = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(MqttClientConnectResultCode.Success, connect.ResultCode);
        Assert.Equal(global::MQTTnet.Formatter.MqttProtocolVersion.V500, options.ProtocolVersion);
        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal("application/json", back.ContentType);
        Assert.Equal(["unit=celsius", "firmware=1.4.2"], back.UserProperties.Select(p => $"{p.Name}={Encoding.UTF8.GetString(p.ValueBuffer.Span)}").ToArray());
        Assert.Contains("New client connected", fixture.Broker.ReadLog(), StringComparison.Ordinal);
        Assert.Contains(" as net-v5 (p5, c0", fixture.Broker.ReadLog(), StringComparison.Ordinal);
        await subscriber.DisconnectAsync();
    }

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        return condition();
    }
}
