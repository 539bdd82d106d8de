using IoTCerts.Device;
using IoTCerts.Est;
using IoTCerts.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// Keeps an MQTT connection with the device identity and publishes a measurement every <see cref="MqttSettings.PublishInterval"/>.
/// It connects once the identity exists, retrying with exponential backoff; afterwards the client reconnects by itself,
/// and after every renewal it reconnects at once with the new certificate (R-81, <see cref="MqttRenewalExtensions.ReconnectOnRenewal"/>).
/// In cumulocity mode it also keeps the device JWT (<see cref="CumulocityTokenProvider"/>, refreshed at half-life).
/// </summary>
internal sealed class TelemetryWorker(DeviceIdentity identity, ILogger<TelemetryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan DisconnectBound = TimeSpan.FromSeconds(5);
    private readonly DeviceAgentOptions _options = identity.Options;
    private long _published;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await identity.WaitUntilReadyAsync(stoppingToken).ConfigureAwait(false);
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Log.Stopped(logger, Interlocked.Read(ref _published));
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        RenewalCredential credential = identity.Credential;
        await using var client = new MqttDeviceClient(ClientOptions(LoadCredential(credential)));
        client.ConnectedAsync += e =>
        {
            Log.Connected(logger, e.Result.ClientId, client.Credential.Certificate.Thumbprint, e.IsReconnect);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (e.Exception is null)
            {
                // On purpose: a swap to the renewed certificate, or shutdown.
                Log.ConnectionClosed(logger, e.Reason, e.WillReconnect);
            }
            else
            {
                Log.ConnectionLost(logger, e.Reason, e.WillReconnect);
            }

            return Task.CompletedTask;
        };
        client.ConnectionAttemptFailedAsync += e =>
        {
            Log.ReconnectFailed(logger, e.FailureStreak, e.Reason);
            return Task.CompletedTask;
        };

        using IDisposable following = identity.Engine.ReconnectOnRenewal(credential, client, error =>
        {
            Log.SwapFailed(logger, error.Message);
            return Task.CompletedTask;
        });

        // A renewal promoted between reading the files and subscribing above would otherwise be missed.
        MqttClientCredential latest = LoadCredential(credential);
        if (latest.Certificate.Thumbprint != client.Credential.Certificate.Thumbprint)
        {
            await client.UpdateCredentialAsync(latest, stoppingToken).ConfigureAwait(false);
        }

        CumulocityTokenProvider? tokens = null;
        Task tokenFlow = Task.CompletedTask;
        try
        {
            await ConnectWithBackoffAsync(client, stoppingToken).ConfigureAwait(false);
            if (_options.Mode == AgentMode.Cumulocity)
            {
                tokens = CreateTokenProvider(client, credential);
                tokenFlow = KeepTokenAsync(tokens, stoppingToken);
            }

            await PublishLoopAsync(client, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await tokenFlow.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (tokens is not null)
            {
                await tokens.DisposeAsync().ConfigureAwait(false);
            }

            // DISCONNECT tells the broker the device left on purpose; bounded so a dead link cannot hold up shutdown.
            using var bound = new CancellationTokenSource(DisconnectBound);
            await client.DisconnectAsync(bound.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private MqttDeviceClientOptions ClientOptions(MqttClientCredential credential)
    {
        MqttSettings mqtt = _options.Mqtt;
        return new MqttDeviceClientOptions
        {
            Host = mqtt.Host,
            Port = mqtt.Port,
            TargetHost = mqtt.TargetHost,
            TrustStorePath = mqtt.TrustFile,
            Credential = credential,
            ClientId = mqtt.ClientId,
            ClientIdProfile = _options.Mode == AgentMode.Cumulocity ? MqttClientIdProfile.Cumulocity : MqttClientIdProfile.CommonName,
            KeepAlive = mqtt.KeepAlive,
            ConnectTimeout = mqtt.ConnectTimeout,
            TimeProvider = identity.Clock,
            Reconnect = new MqttReconnectPolicy { InitialDelay = mqtt.ReconnectInitialDelay, MaximumDelay = mqtt.ReconnectMaximumDelay },
        };
    }

    private static MqttClientCredential LoadCredential(RenewalCredential credential) =>
        MqttClientCredential.FromPemFiles(credential.CertificatePath, credential.KeyPath);

    /// <summary>
    /// The client reconnects by itself only after a first accepted connect, so the first one is retried here with the
    /// same exponential backoff and jitter (no reconnect storm when a whole fleet boots while the broker is down).
    /// </summary>
    private async Task ConnectWithBackoffAsync(MqttDeviceClient client, CancellationToken stoppingToken)
    {
        var policy = new MqttReconnectPolicy { InitialDelay = _options.Mqtt.ReconnectInitialDelay, MaximumDelay = _options.Mqtt.ReconnectMaximumDelay };
        for (int streak = 0; ; streak++)
        {
            string reason;
            try
            {
                MqttConnectResult result = await client.ConnectAsync(stoppingToken).ConfigureAwait(false);
                if (result.IsAccepted)
                {
                    return;
                }

                reason = result.Reason;
            }
            catch (MqttException ex)
            {
                reason = ex.Message;
            }

            TimeSpan delay = policy.GetDelay(streak, Random.Shared.NextDouble());
            Log.ConnectFailed(logger, reason, delay);
            await Task.Delay(delay, identity.Clock, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task PublishLoopAsync(MqttDeviceClient client, CancellationToken stoppingToken)
    {
        var qos = (MqttQualityOfService)_options.Mqtt.QualityOfService;
        TimeSpan interval = _options.Mqtt.PublishInterval;
        using var timer = new PeriodicTimer(interval, identity.Clock);
        long sequence = 0;
        do
        {
            sequence++;
            string clientId = client.ClientId;
            string topic = MeasurementTemplate.Topic(_options, clientId);
            byte[] payload = MeasurementTemplate.Payload(_options, clientId, sequence, identity.Clock.GetUtcNow());
            if (qos == MqttQualityOfService.AtMostOnce && !client.IsConnected)
            {
                Log.NotPublished(logger, sequence, topic, "not connected (QoS 0 messages are not queued)");
                continue;
            }

            // QoS 1/2 messages queue while disconnected and are delivered after the reconnect; waiting for the
            // acknowledgment is bounded by the interval so one slow message does not stop the schedule.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(interval);
            try
            {
                await client.PublishAsync(topic, payload, qos, retain: false, wait.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _published);
                Log.Published(logger, sequence, topic);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Log.NotPublished(logger, sequence, topic, "not acknowledged within the publish interval; it stays queued for delivery");
            }
            catch (MqttException ex)
            {
                Log.NotPublished(logger, sequence, topic, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private CumulocityTokenProvider CreateTokenProvider(MqttDeviceClient client, RenewalCredential credential)
    {
        CumulocitySettings c8y = _options.Cumulocity;
        var tokens = new CumulocityTokenProvider(client, new CumulocityTokenOptions
        {
            AttemptTimeout = c8y.TokenAttemptTimeout,
            MaxAttempts = c8y.TokenMaxAttempts,
            RetryDelay = c8y.TokenRetryDelay,
        }, identity.Clock);
        tokens.TokenReceivedAsync += e =>
        {
            Log.TokenReceived(logger, e.Token.ExpiresAt, e.Token.RefreshAt);
            return Task.CompletedTask;
        };
        if (c8y.UseTokenForReenrollment)
        {
            // Cumulocity authenticates /simplereenroll with the device JWT (IoTCerts.Device carries each token over); the
            // handover ends with the provider.
            _ = tokens.UseTokenForReenrollment(credential);
        }

        tokens.RefreshFailedAsync += e =>
        {
            Log.TokenFailed(logger, e.Message, c8y.TokenRetryDelay);
            return Task.CompletedTask;
        };
        return tokens;
    }

    /// <summary>Gets the first token (retrying after <see cref="CumulocitySettings.TokenRetryDelay"/>); the provider then refreshes it at half-life.</summary>
    private async Task KeepTokenAsync(CumulocityTokenProvider tokens, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await tokens.StartAsync(stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (CumulocityTokenException ex)
            {
                Log.TokenFailed(logger, ex.Message, _options.Cumulocity.TokenRetryDelay);
            }

            try
            {
                await Task.Delay(_options.Cumulocity.TokenRetryDelay, identity.Clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
