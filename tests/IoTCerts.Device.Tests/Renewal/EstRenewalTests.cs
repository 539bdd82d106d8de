using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Est;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Device.Tests.Renewal;

/// <summary>
/// <see cref="MqttRenewalExtensions.ReconnectOnRenewal"/> with a real <see cref="CertificateRenewalEngine"/> and a real
/// mosquitto: the engine announces a new pair through its <see cref="ICertificateCredentialSource"/> and the client
/// reconnects with it.
/// </summary>
public sealed class EstRenewalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_renewed_credential_reconnects_the_client_with_the_new_certificate()
    {
        using var pki = new TestPki();
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, BrokerIdentity.Subject);
        MqttClientCredential first = pki.Device("renewing", organizationalUnit: "generation-1");
        (string certPath, string keyPath) = pki.WriteFiles("renewing", first);
        var credential = new RenewalCredential
        {
            Name = "mqtt-identity",
            CertificatePath = certPath,
            KeyPath = keyPath,
            Est = new EstClientOptions { Server = new Uri("https://127.0.0.1:9/"), UseSystemTrustStore = true },
        };
        var other = new RenewalCredential
        {
            Name = "other",
            CertificatePath = Path.Combine(pki.Directory, "other.crt"),
            KeyPath = Path.Combine(pki.Directory, "other.key"),
            Est = credential.Est,
        };
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var engine = new CertificateRenewalEngine([credential], clock);
        await using var client = new MqttDeviceClient(BrokerFixture.Options(pki, first, broker.Tls13Port, SslProtocols.Tls13));
        var sink = new MessageSink(client);
        var connects = new ConcurrentQueue<MqttConnectedEventArgs>();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectedAsync += e =>
        {
            connects.Enqueue(e);
            if (connects.Count == 2)
            {
                reconnected.TrySetResult();
            }

            return Task.CompletedTask;
        };
        var errors = new ConcurrentQueue<Exception>();
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await client.SubscribeAsync("devices/renewing/#");
        Assert.Throws<ArgumentException>(() => engine.ReconnectOnRenewal(other, client));
        Assert.Throws<ArgumentException>(() => engine.GetCredentialSource(other));

        // The engine's side of Core's credential-source contract: before its first pass the pair comes from the files.
        ICertificateCredentialSource source = engine.GetCredentialSource(credential);
        Assert.Equal(first.Certificate.Thumbprint, source.Current!.Certificate.Thumbprint);
        Assert.True(source.Current.Certificate.HasPrivateKey);
        var announcements = new ConcurrentQueue<CertificateCredentialChangedEventArgs>();
        source.Changed += (_, e) => announcements.Enqueue(e);
        using IDisposable following = engine.ReconnectOnRenewal(credential, client, e =>
        {
            errors.Enqueue(e);
            return Task.CompletedTask;
        });

        // The first look finds the live pair not yet due (renewal at 80 % of its 30 days).
        RenewalOutcome looked = Assert.Single(await engine.RunOnceAsync());
        Assert.Equal(RenewalStatus.NotDue, looked.Status);

        // The next pair is promoted into the files (as a renewal does); the engine announces it on its next look.
        MqttClientCredential second = pki.Device("renewing", lifetime: TimeSpan.FromDays(365), organizationalUnit: "generation-2");
        pki.WriteFiles("renewing", second);
        clock.Now = looked.NextAttempt;
        RenewalOutcome announced = Assert.Single(await engine.RunOnceAsync());
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await client.PublishAsync("devices/renewing/after", Encoding.UTF8.GetBytes("renewed"), MqttQualityOfService.AtLeastOnce);

        Assert.Equal(RenewalStatus.NotDue, announced.Status);
        Assert.Empty(errors);
        Assert.Equal(second.Certificate.Thumbprint, Assert.Single(announcements).Credential.Certificate.Thumbprint);
        Assert.Equal(second.Certificate.Thumbprint, source.Current!.Certificate.Thumbprint);
        Assert.Equal(second.Certificate.Thumbprint, client.Credential.Certificate.Thumbprint);
        Assert.Equal("renewed", Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));
        string[] brokerConnects = broker.ReadLog().Split('\n').Where(l => l.Contains("New client connected", StringComparison.Ordinal)).ToArray();
        output.WriteLine(string.Join("\n", brokerConnects));
        Assert.Equal(2, brokerConnects.Length);
        Assert.Contains("OU=generation-1", brokerConnects[0], StringComparison.Ordinal);
        Assert.Contains("OU=generation-2", brokerConnects[1], StringComparison.Ordinal);

        // After disposal the client no longer follows the files.
        following.Dispose();
        pki.WriteFiles("renewing", pki.Device("renewing", lifetime: TimeSpan.FromDays(1000), organizationalUnit: "generation-3"));
        clock.Now = announced.NextAttempt;
        Assert.Equal(RenewalStatus.NotDue, Assert.Single(await engine.RunOnceAsync()).Status);
        await Task.Delay(200);
        Assert.Equal(second.Certificate.Thumbprint, client.Credential.Certificate.Thumbprint);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
