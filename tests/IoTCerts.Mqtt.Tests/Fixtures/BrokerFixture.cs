using System.Security.Authentication;
using System.Threading.Channels;
using IoTCerts.Mqtt;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>One PKI and one broker shared by the tests of a class.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public TestPki Pki { get; } = new();

    public MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync(Pki);

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        Pki.Dispose();
    }

    public int Port(SslProtocols protocol) => protocol == SslProtocols.Tls13 ? Broker.Tls13Port : Broker.Tls12Port;

    public MqttDeviceClientOptions Options(MqttClientCredential credential, SslProtocols protocol) => Options(Pki, credential, Port(protocol), protocol);

    public static MqttDeviceClientOptions Options(TestPki pki, MqttClientCredential credential, int port, SslProtocols protocol = SslProtocols.Tls12 | SslProtocols.Tls13) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Credential = credential,
        TrustStorePath = pki.RootPath,
        SslProtocols = protocol,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        KeepAlive = TimeSpan.FromSeconds(30),
        Reconnect = new MqttReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(100), MaximumDelay = TimeSpan.FromSeconds(1) },
    };
}

/// <summary>Collects received messages for assertions.</summary>
public sealed class MessageSink
{
    private readonly Channel<MqttMessageReceivedEventArgs> _messages = Channel.CreateUnbounded<MqttMessageReceivedEventArgs>();

    public MessageSink(MqttDeviceClient client) => client.MessageReceivedAsync += e =>
    {
        _messages.Writer.TryWrite(e);
        return Task.CompletedTask;
    };

    public async Task<MqttMessageReceivedEventArgs> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _messages.Reader.ReadAsync(cts.Token);
    }

    public async Task<MqttMessageReceivedEventArgs?> TryNextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
