using System.Collections.Concurrent;
using System.Text;
using IoTCerts.Mqtt.MQTTnet.Tests.Fixtures;
using IoTCerts.Mqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.MQTTnet.Tests;

public sealed class MqttNetCertificateHotSwapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_renewal_reconnects_with_the_new_certificate_seen_by_the_broker_and_no_qos1_message_is_lost()
    {
        using var pki = new TestPki();

        // use_subject_as_username: the broker log names the whole subject, so it shows which certificate connected.
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, BrokerIdentity.Subject, crl: false);
        var factory = new MqttClientFactory();
        var source = new ManualCredentialSource(MqttNetTestClients.Credential(pki.Device("net-swap", organizationalUnit: "generation-1")));
        var tls = new MqttNetTlsStreamProvider(new MqttNetTlsOptions { CredentialSource = source, ServerValidator = MqttNetTestClients.Validator(pki), TargetHost = "localhost" });
        MqttClientOptions options = MqttNetTestClients.Options(tls, broker.Tls13Port, "net-swap", cleanSession: false);
        using IMqttClient device = factory.CreateMqttClient();
        await device.ConnectAsync(options);

        // An independent observer counts what the broker delivered.
        var observerTls = new MqttNetTlsStreamProvider(MqttNetTestClients.Tls(pki, MqttNetTestClients.Credential(pki.Device("net-observer"))));
        using IMqttClient observer = factory.CreateMqttClient();
        var seen = new ConcurrentDictionary<string, int>();
        observer.ApplicationMessageReceivedAsync += e =>
        {
            seen.AddOrUpdate(e.ApplicationMessage.ConvertPayloadToString(), 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        await observer.ConnectAsync(MqttNetTestClients.Options(observerTls, broker.Tls12Port, "net-observer"));
        await observer.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("devices/net-swap/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        await using var swap = new MqttNetCertificateHotSwap(device, options, source);
        var swapped = new TaskCompletionSource<MqttNetCertificateSwappedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        swap.SwappedAsync = e =>
        {
            swapped.TrySetResult(e);
            return Task.CompletedTask;
        };
        swap.SwapFailedAsync = e =>
        {
            swapped.TrySetException(e);
            return Task.CompletedTask;
        };

        // QoS 1 publishes in flight while the certificate changes, and more published all through the swap: some
        // finish on the old connection, some wait for the new one; none may fail or vanish.
        var publishes = Enumerable.Range(0, 100).Select(i => swap.PublishAsync(Message($"m{i}"))).ToList();
        var renewed = MqttNetTestClients.Credential(pki.Device("net-swap", organizationalUnit: "generation-2"));
        source.Renew(renewed);
        int sent = 100;
        while (!swapped.Task.IsCompleted || sent < 200)
        {
            publishes.Add(swap.PublishAsync(Message($"m{sent++}")));
            if (sent % 10 == 0)
            {
                await Task.Delay(1);
            }
        }

        MqttClientPublishResult[] results = await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(30));
        MqttNetCertificateSwappedEventArgs done = await swapped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 100 && seen.Count < sent; i++)
        {
            await Task.Delay(50);
        }

        output.WriteLine($"{sent} QoS 1 messages published around the swap");
        Assert.All(results, r => Assert.True(r.IsSuccess, r.ReasonString));
        Assert.Equal(sent, seen.Count);
        Assert.Equal(1, swap.SwapCount);
        Assert.Same(renewed.Certificate, done.Certificate);
        Assert.Same(renewed.Certificate, tls.LastCertificate);
        Assert.True(device.IsConnected);
        string[] connects = broker.ReadLog().Split('\n')
            .Where(l => l.Contains("New client connected", StringComparison.Ordinal) && l.Contains(" as net-swap ", StringComparison.Ordinal))
            .ToArray();
        output.WriteLine(string.Join("\n", connects));
        Assert.Equal(2, connects.Length);
        Assert.Contains("OU=generation-1", connects[0], StringComparison.Ordinal);
        Assert.Contains("OU=generation-2", connects[1], StringComparison.Ordinal);
        await device.DisconnectAsync();
        await observer.DisconnectAsync();
    }

    private static MqttApplicationMessage Message(string payload) => new MqttApplicationMessageBuilder()
        .WithTopic("devices/net-swap/data")
        .WithPayload(Encoding.UTF8.GetBytes(payload))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();
}
