using System.Collections.Concurrent;
using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Integration;

/// <summary>Keep-alive and retransmission, observed on the wire by the test peer.</summary>
public sealed class SessionBehaviourTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    private MqttDeviceClientOptions Options(FakeCumulocityPeer peer, string cn)
    {
        var options = BrokerFixture.Options(_pki, _pki.Device(cn), peer.Port);
        options.TargetHost = TestPki.CumulocityHost;
        return options;
    }

    [Fact]
    public async Task Unacknowledged_qos1_messages_are_resent_with_the_dup_flag_after_a_reconnect()
    {
        await using var peer = new FakeCumulocityPeer(_pki, 60) { DropFirstConnectionAfterPublishes = 3 };
        await using var client = new MqttDeviceClient(Options(peer, "dup-device"));
        Assert.True((await client.ConnectAsync()).IsAccepted);

        Task[] sends = Enumerable.Range(1, 5)
            .Select(i => client.PublishAsync("s/us", Encoding.UTF8.GetBytes($"200,c8y_Temperature,T,{i}"), MqttQualityOfService.AtLeastOnce))
            .ToArray();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(15));

        var first = peer.Publishes.Where(p => p.ConnectionIndex == 1).Select(p => p.Packet).ToList();
        var second = peer.Publishes.Where(p => p.ConnectionIndex == 2).Select(p => p.Packet).ToList();
        Assert.All(first, p => Assert.False(p.Duplicate));

        // Every message the first connection did not acknowledge came again, in order, marked DUP, with its packet id.
        var resent = second.Where(p => p.Duplicate).ToList();
        Assert.NotEmpty(resent);
        Assert.Equal(5, first.Concat(second).Select(p => Encoding.UTF8.GetString(p.Payload.Span)).Distinct().Count());
        foreach (MqttPublishPacket p in resent)
        {
            MqttPublishPacket? original = first.FirstOrDefault(o => o.PacketId == p.PacketId);
            if (original is not null)
            {
                Assert.Equal(original.Payload.ToArray(), p.Payload.ToArray());
            }
        }

        Assert.Equal(resent.Select(p => p.PacketId).Order(), resent.Select(p => p.PacketId));
        Assert.Equal(0, client.PendingMessageCount);
    }

    [Fact]
    public async Task An_idle_connection_is_kept_alive_and_a_dead_one_is_detected_and_replaced()
    {
        await using var peer = new FakeCumulocityPeer(_pki, 60);
        var options = Options(peer, "keepalive-device");
        options.KeepAlive = TimeSpan.FromSeconds(1);
        await using var client = new MqttDeviceClient(options);
        var lost = new ConcurrentQueue<MqttDisconnectedEventArgs>();
        client.DisconnectedAsync += e =>
        {
            lost.Enqueue(e);
            return Task.CompletedTask;
        };
        Assert.True((await client.ConnectAsync()).IsAccepted);

        await Task.Delay(2600);
        Assert.InRange(peer.Pings.Count, 2, 3);
        Assert.Empty(lost);

        peer.AnswerPings = false;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (peer.Connections.Count < 2 && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        MqttDisconnectedEventArgs e = Assert.Single(lost);
        Assert.Contains("did not answer PINGREQ", e.Reason, StringComparison.Ordinal);
        Assert.True(e.WillReconnect);
        Assert.Equal(2, peer.Connections.Count);
    }

    [Fact]
    public async Task DisconnectAsync_during_the_backoff_stops_reconnecting_and_keeps_the_queued_message_for_the_next_connect()
    {
        await using var peer = new FakeCumulocityPeer(_pki, 60) { DropFirstConnectionAfterPublishes = 1 };
        var options = Options(peer, "stop-device");
        options.Reconnect = new MqttReconnectPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaximumDelay = TimeSpan.FromSeconds(1) };
        await using var client = new MqttDeviceClient(options);
        var lost = new TaskCompletionSource<MqttDisconnectedEventArgs>();
        client.DisconnectedAsync += e =>
        {
            lost.TrySetResult(e);
            return Task.CompletedTask;
        };
        Assert.True((await client.ConnectAsync()).IsAccepted);

        Task publish = client.PublishAsync("s/us", Encoding.UTF8.GetBytes("400,c8y_Event,kept"), MqttQualityOfService.AtLeastOnce);
        Assert.True((await lost.Task.WaitAsync(TimeSpan.FromSeconds(10))).WillReconnect);
        await client.DisconnectAsync();
        await Task.Delay(1500);

        Assert.Single(peer.Connections);
        Assert.False(client.IsConnected);
        Assert.False(publish.IsCompleted);
        Assert.Equal(1, client.PendingMessageCount);

        Assert.True((await client.ConnectAsync()).IsAccepted);
        await publish.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(peer.Publishes.Last().Packet.Duplicate);
    }
}
