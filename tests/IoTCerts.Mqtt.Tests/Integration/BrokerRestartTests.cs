using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Authentication;
using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.Tests.Integration;

public sealed class BrokerRestartTests(ITestOutputHelper output)
{
    private const int Restarts = 10;

    [Fact]
    public async Task Every_qos1_message_is_delivered_across_ten_broker_restarts_with_backoff_and_resubscription()
    {
        using var pki = new TestPki();
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, persistence: true);
        (string observerCert, string observerKey) = pki.WriteFiles("observer", pki.Device("observer"));
        await using var counter = MosquittoSubscriber.Start(pki, broker.Tls12Port, "devices/restart-dev/data", observerCert, observerKey, "observer");
        Assert.True(await counter.WaitForAsync(_ => broker.ReadLog().Contains("as observer ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), "mosquitto_sub did not connect");

        var options = BrokerFixture.Options(pki, pki.Device("restart-dev"), broker.Tls13Port, SslProtocols.Tls13);
        options.MaxInflightMessages = 8; // smaller than a batch: part of each batch waits in the backlog behind the window
        await using var client = new MqttDeviceClient(options);
        var sink = new MessageSink(client);
        var connects = new ConcurrentQueue<TimeSpan>();
        var attempts = new ConcurrentQueue<TimeSpan>();
        var clock = Stopwatch.StartNew();
        client.ConnectedAsync += _ =>
        {
            connects.Enqueue(clock.Elapsed);
            return Task.CompletedTask;
        };
        client.ConnectionAttemptFailedAsync += _ =>
        {
            attempts.Enqueue(clock.Elapsed);
            return Task.CompletedTask;
        };
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await client.SubscribeAsync("devices/restart-dev/echo");

        using var stop = new CancellationTokenSource();
        int published = 0;
        Task publisher = Task.Run(async () =>
        {
            // Batches of 20 concurrent QoS 1 publishes keep several messages in flight when the broker dies.
            while (!stop.IsCancellationRequested && published < 20_000)
            {
                var batch = new Task[20];
                for (int i = 0; i < batch.Length; i++)
                {
                    batch[i] = client.PublishAsync("devices/restart-dev/data", Encoding.UTF8.GetBytes($"m{published++:D6}"), MqttQualityOfService.AtLeastOnce);
                }

                await Task.WhenAll(batch).WaitAsync(TimeSpan.FromSeconds(60));
                await Task.Delay(10);
            }
        });

        for (int i = 0; i < Restarts; i++)
        {
            await Task.Delay(400);
            int before = connects.Count;
            await broker.RestartAsync();
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (connects.Count == before)
            {
                await Task.Delay(20, guard.Token);
            }
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        await publisher.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, client.PendingMessageCount);

        // Resubscribed after the last restart (clean session: the broker forgot the subscription).
        await client.PublishAsync("devices/restart-dev/echo", Encoding.UTF8.GetBytes("still-subscribed"), MqttQualityOfService.AtLeastOnce);
        Assert.Equal("still-subscribed", Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));

        var expected = Enumerable.Range(0, published).Select(i => $"m{i:D6}").ToHashSet();
        bool all = await counter.WaitForAsync(lines => expected.IsSubsetOf(lines), TimeSpan.FromSeconds(20));
        var received = counter.Lines.ToList();
        var missing = expected.Except(received).ToList();
        output.WriteLine($"published {published} QoS 1 messages; mosquitto_sub received {received.Count} ({received.Distinct().Count()} distinct, {received.Count - received.Distinct().Count()} duplicates); missing {missing.Count}; mosquitto_sub restarted {counter.Restarts} time(s) ({string.Join(" / ", counter.Errors.Distinct().Take(3))})");
        output.WriteLine($"connects at {string.Join(", ", connects.Select(t => t.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}; failed attempts {attempts.Count}");
        Assert.True(all, $"missing {missing.Count}: {string.Join(",", missing.Take(10))}");
        Assert.Equal(Restarts + 1, connects.Count);

        // Backoff, no storm: attempts are spaced by at least half the initial delay (jitter), and few per outage.
        var times = attempts.Concat(connects).Order().ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(45), $"attempts {pair.First} and {pair.Second} too close"));
        Assert.True(attempts.Count < Restarts * 10, $"{attempts.Count} failed attempts for {Restarts} restarts");
    }
}
