using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using MQTTnet;

namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>
/// Reconnects an MQTTnet client whenever an <see cref="ICertificateCredentialSource"/> (the EST renewal engine's, for
/// example) announces a new certificate, so the broker sees the renewed identity without a restart. MQTTnet 5
/// has no managed client, so the swap is explicit: publishes made through <see cref="PublishAsync"/> finish first
/// (their acknowledgements arrive on the old connection), new publishes wait while the client disconnects and connects
/// again with the options it was given, and then go out on the new connection — no QoS 1 message is lost.
/// </summary>
/// <remarks>
/// The client's options must carry an <see cref="MqttNetTlsStreamProvider"/> reading the same source: the provider
/// takes the source's current credential on every connect. Use a persistent session (clean session off, or an MQTT 5
/// session expiry) so subscriptions survive the swap. Swaps run one at a time, in the order announced.
/// </remarks>
public sealed class MqttNetCertificateHotSwap : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _options;
    private readonly ICertificateCredentialSource _source;
    private readonly SemaphoreSlim _swapLock = new(1, 1);
    private readonly Lock _sync = new();
    private int _inflight;
    private bool _swapping;
    private bool _disposed;
    private TaskCompletionSource _resumed = Completed();
    private TaskCompletionSource _drained = Completed();
    private Task _tail = Task.CompletedTask;

    /// <summary>Starts following <paramref name="source"/>.</summary>
    /// <param name="client">The MQTTnet client to reconnect.</param>
    /// <param name="options">The options it connects with (the same object passed to <c>ConnectAsync</c>).</param>
    /// <param name="source">Where new certificates are announced.</param>
    public MqttNetCertificateHotSwap(IMqttClient client, MqttClientOptions options, ICertificateCredentialSource source)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        _client = client;
        _options = options;
        _source = source;
        _source.Changed += OnChanged;
    }

    /// <summary>Called after a swap reconnected the client with the new certificate.</summary>
    public Func<MqttNetCertificateSwappedEventArgs, Task>? SwappedAsync { get; set; }

    /// <summary>Called when a swap failed (the reconnect threw or the broker refused it); the client may be disconnected then.</summary>
    public Func<Exception, Task>? SwapFailedAsync { get; set; }

    /// <summary>How many swaps reconnected the client.</summary>
    public int SwapCount { get; private set; }

    /// <summary>
    /// Publishes through the client, waiting while a swap is reconnecting; a swap waits for this publish to be
    /// acknowledged (QoS 1 and 2) before it disconnects.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the wait and the publish.</param>
    /// <returns>MQTTnet's publish result.</returns>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Reconnects now with the source's current certificate (what a <see cref="ICertificateCredentialSource.Changed"/> does).</summary>
    /// <param name="cancellationToken">Cancels the swap.</param>
    /// <returns>MQTTnet's connect result of the new connection.</returns>
    public async Task<MqttClientConnectResult> SwapAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Task drained;
            lock (_sync)
            {
                _swapping = true;
                _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_inflight == 0)
                {
                    _drained.TrySetResult();
                }

                drained = _drained.Task;
            }

            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, cancellationToken).ConfigureAwait(false);
            }

            MqttClientConnectResult result = await _client.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttNetTlsException(MqttNetTlsErrorCode.ClientCertificateRejected, $"after the certificate changed the broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            SwapCount++;
            return result;
        }
        finally
        {
            lock (_sync)
            {
                _swapping = false;
                _resumed.TrySetResult();
            }

            _swapLock.Release();
        }
    }

    /// <summary>Stops following the source and waits for a swap in progress.</summary>
    /// <returns>A task completing when the last swap has finished.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _source.Changed -= OnChanged;
        Task tail;
        lock (_sync)
        {
            tail = _tail;
        }

        await tail.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _disposed = true;
    }

    private void OnChanged(object? sender, CertificateCredentialChangedEventArgs e)
    {
        lock (_sync)
        {
            _tail = SwapAfterAsync(_tail, e.Credential.Certificate);
        }
    }

    private async Task SwapAfterAsync(Task previous, X509Certificate2 certificate)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.Yield();
        try
        {
            MqttClientConnectResult result = await SwapAsync().ConfigureAwait(false);
            if (SwappedAsync is { } swapped)
            {
                await swapped(new MqttNetCertificateSwappedEventArgs(certificate, result)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (SwapFailedAsync is { } failed)
            {
                try
                {
                    await failed(ex).ConfigureAwait(false);
                }
                catch (Exception callbackError) when (callbackError is not OutOfMemoryException)
                {
                    // The callback is the caller's; its failure must not stop later swaps.
                }
            }
        }
    }

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task resumed;
            lock (_sync)
            {
                if (!_swapping)
                {
                    _inflight++;
                    return;
                }

                resumed = _resumed.Task;
            }

            await resumed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Exit()
    {
        lock (_sync)
        {
            _inflight--;
            if (_inflight == 0 && _swapping)
            {
                _drained.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}

/// <summary>Data of <see cref="MqttNetCertificateHotSwap.SwappedAsync"/>.</summary>
public sealed class MqttNetCertificateSwappedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="certificate">The certificate the new connection uses.</param>
    /// <param name="connectResult">MQTTnet's result of the new connection.</param>
    public MqttNetCertificateSwappedEventArgs(X509Certificate2 certificate, MqttClientConnectResult connectResult)
    {
        Certificate = certificate;
        ConnectResult = connectResult;
    }

    /// <summary>The certificate the new connection uses.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>MQTTnet's result of the new connection.</summary>
    public MqttClientConnectResult ConnectResult { get; }
}
