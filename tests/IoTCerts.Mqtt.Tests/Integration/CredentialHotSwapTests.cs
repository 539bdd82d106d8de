using System.Security.Authentication;
using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.Tests.Integration;

public sealed class CredentialHotSwapTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(SslProtocols.Tls12, true)] // the client renews the subscription itself
    [InlineData(SslProtocols.Tls13, false)] // the broker resumes the session
    public async Task A_new_certificate_is_used_by_the_next_connection_without_losing_subscriptions_or_queued_messages(SslProtocols protocol, bool cleanSession)
    {
        using var pki = new TestPki();

        // use_subject_as_username: the broker log names the whole subject, so it shows which certificate connected.
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, BrokerIdentity.Subject);
        int port = protocol == SslProtocols.Tls13 ? broker.Tls13Port : broker.Tls12Port;
        var options = BrokerFixture.Options(pki, pki.Device("hotswap", organizationalUnit: "generation-1"), port, protocol);
        options.CleanSession = cleanSession;
        await using var client = new MqttDeviceClient(options);
        var sink = new MessageSink(client);
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await client.SubscribeAsync("devices/hotswap/#", MqttQualityOfService.AtLeastOnce);

        // QoS 1 messages queued around the swap: some are in flight when the old connection closes.
        var publishes = Enumerable.Range(0, 50)
            .Select(i => client.PublishAsync("devices/hotswap/data", Encoding.UTF8.GetBytes($"m{i}"), MqttQualityOfService.AtLeastOnce))
            .ToList();
        MqttClientCredential renewed = pki.Device("hotswap", organizationalUnit: "generation-2");
        MqttConnectResult? result = await client.UpdateCredentialAsync(renewed);
        publishes.AddRange(Enumerable.Range(50, 50)
            .Select(i => client.PublishAsync("devices/hotswap/data", Encoding.UTF8.GetBytes($"m{i}"), MqttQualityOfService.AtLeastOnce)));
        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.NotNull(result);
        Assert.True(result.IsAccepted, result.Reason);
        Assert.Equal("hotswap", result.ClientId);
        Assert.Equal(!cleanSession, result.SessionPresent);
        Assert.Same(renewed, client.Credential);
        // Every queued QoS 1 publish was acknowledged (above). What comes back depends on the session: a persistent
        // session also keeps the copies the broker was delivering to the old connection; a clean session drops those,
        // but the renewed subscription receives everything published after the swap.
        var expected = Enumerable.Range(cleanSession ? 50 : 0, cleanSession ? 50 : 100).Select(i => $"m{i}").ToHashSet();
        var seen = new HashSet<string>();
        while (!expected.IsSubsetOf(seen))
        {
            seen.Add(Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));
        }

        string log = broker.ReadLog();
        string[] connects = log.Split('\n').Where(l => l.Contains("New client connected", StringComparison.Ordinal)).ToArray();
        output.WriteLine(string.Join("\n", connects));
        Assert.Equal(2, connects.Length);
        Assert.Contains("OU=generation-1", connects[0], StringComparison.Ordinal);
        Assert.Contains("OU=generation-2", connects[1], StringComparison.Ordinal);
        Assert.Equal(0, client.PendingMessageCount);
    }

    [Fact]
    public async Task A_refused_new_certificate_is_reported_and_retried_only_at_the_backoff_cap()
    {
        using var pki = new TestPki();
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki);
        var options = BrokerFixture.Options(pki, pki.Device("swap-bad"), broker.Tls12Port, SslProtocols.Tls12);
        options.Reconnect = new MqttReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(10), MaximumDelay = TimeSpan.FromMilliseconds(1000) };
        await using var client = new MqttDeviceClient(options);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<MqttConnectionAttemptFailedEventArgs>();
        client.ConnectionAttemptFailedAsync += e =>
        {
            failures.Enqueue(e);
            return Task.CompletedTask;
        };
        Assert.True((await client.ConnectAsync()).IsAccepted);

        var e = await Assert.ThrowsAsync<MqttConnectException>(() => client.UpdateCredentialAsync(pki.UntrustedDevice("swap-bad")));
        await Task.Delay(2800);

        Assert.Equal(MqttConnectError.ClientCertificateRejected, e.Error);
        Assert.False(client.IsConnected);

        // Plain exponential backoff from 10 ms would try 7-9 times in 2.8 s; straight at the cap (500-1000 ms), 2-5 times.
        output.WriteLine($"{failures.Count} attempts in 2.8 s: {failures.FirstOrDefault()?.Reason}");
        Assert.InRange(failures.Count, 2, 5);
        Assert.All(failures, f => Assert.Contains("does not trust the CA", f.Reason, StringComparison.Ordinal));
    }
}
