namespace IoTCerts.Mqtt;

/// <summary>Retry and timing settings of <see cref="CumulocityTokenProvider"/>.</summary>
public sealed class CumulocityTokenOptions
{
    /// <summary>How long to wait for the <c>71,</c> answer per attempt. Default 20 s (the platform answers in seconds).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many attempts a token request makes before it fails. Default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The pause after a failed automatic refresh before the next one. Default 30 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A token was received.</summary>
public sealed class CumulocityTokenEventArgs : EventArgs
{
    internal CumulocityTokenEventArgs(CumulocityToken token) => Token = token;

    /// <summary>The new token.</summary>
    public CumulocityToken Token { get; }
}

/// <summary>
/// Obtains a Cumulocity device JWT over MQTT: subscribes to <c>s/dat</c>, publishes an empty message to
/// <c>s/uat</c> and reads the <c>71,&lt;JWT&gt;</c> answer; retries a few times with a per-attempt timeout; and once
/// started refreshes the token after half of its lifetime. Thread-safe.
/// </summary>
public sealed class CumulocityTokenProvider : IAsyncDisposable
{
    /// <summary>The topic the platform answers on.</summary>
    public const string ResponseTopic = "s/dat";

    /// <summary>The topic a token is requested on.</summary>
    public const string RequestTopic = "s/uat";

    private readonly MqttDeviceClient _client;
    private readonly CumulocityTokenOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _requestGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<CumulocityToken>? _waiter;
    private CumulocityToken? _current;
    private bool _subscribed;
    private Task? _refreshLoop;

    /// <summary>Creates a provider over a client (connected or not yet).</summary>
    public CumulocityTokenProvider(MqttDeviceClient client, CumulocityTokenOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new CumulocityTokenOptions();
        if (_options.AttemptTimeout <= TimeSpan.Zero || _options.MaxAttempts < 1 || _options.RetryDelay <= TimeSpan.Zero)
        {
            throw new ArgumentException("CumulocityTokenOptions needs a positive AttemptTimeout and RetryDelay and at least one attempt.", nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _client.MessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Raised for every token received (first and refreshed).</summary>
    public event Func<CumulocityTokenEventArgs, Task>? TokenReceivedAsync;

    /// <summary>Raised when an automatic refresh failed (the provider tries again after <see cref="CumulocityTokenOptions.RetryDelay"/>).</summary>
    public event Func<CumulocityTokenException, Task>? RefreshFailedAsync;

    /// <summary>The latest token, or <see langword="null"/> before the first one.</summary>
    public CumulocityToken? CurrentToken => Volatile.Read(ref _current);

    /// <summary>Requests a token now (subscribing to <c>s/dat</c> first if needed).</summary>
    /// <exception cref="CumulocityTokenException">No valid answer after <see cref="CumulocityTokenOptions.MaxAttempts"/> attempts.</exception>
    public async Task<CumulocityToken> RequestTokenAsync(CancellationToken cancellationToken = default)
    {
        await _requestGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Exception? last = null;
            for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
            {
                var waiter = new TaskCompletionSource<CumulocityToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _waiter, waiter);
                try
                {
                    await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
                    if (!_subscribed)
                    {
                        // Nothing arrives on s/dat before the first publish to s/uat, so subscribing first loses nothing.
                        await _client.SubscribeAsync(ResponseTopic, MqttQualityOfService.AtLeastOnce, cancellationToken).ConfigureAwait(false);
                        _subscribed = true;
                    }

                    await _client.PublishAsync(RequestTopic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtMostOnce, retain: false, cancellationToken).ConfigureAwait(false);
                    CumulocityToken token = await waiter.Task.WaitAsync(_options.AttemptTimeout, _time, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref _current, token);
                    await RaiseAsync(token).ConfigureAwait(false);
                    return token;
                }
                catch (Exception e) when (e is TimeoutException or MqttException && !cancellationToken.IsCancellationRequested)
                {
                    last = e;
                }
                finally
                {
                    Interlocked.CompareExchange(ref _waiter, null, waiter);
                }
            }

            throw last as CumulocityTokenException ?? new CumulocityTokenException(
                CumulocityTokenError.NoAnswer,
                $"no token answer (71,<JWT>) on {ResponseTopic} after {_options.MaxAttempts} attempt(s) of {_options.AttemptTimeout.TotalSeconds:0.#} s: {last?.Message}",
                last);
        }
        finally
        {
            _requestGate.Release();
        }
    }

    /// <summary>Gets a first token and starts refreshing it after half of each token's lifetime, until disposed.</summary>
    /// <exception cref="CumulocityTokenException">The first token could not be obtained.</exception>
    public async Task<CumulocityToken> StartAsync(CancellationToken cancellationToken = default)
    {
        CumulocityToken token = CurrentToken ?? await RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        lock (_stop)
        {
            _refreshLoop ??= Task.Run(RefreshLoopAsync);
        }

        return token;
    }

    /// <summary>Stops refreshing and detaches from the client.</summary>
    public async ValueTask DisposeAsync()
    {
        _client.MessageReceivedAsync -= OnMessageAsync;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_refreshLoop is not null)
        {
            await _refreshLoop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task RefreshLoopAsync()
    {
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                TimeSpan wait = CurrentToken!.RefreshAt - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                }

                await RequestTokenAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (CumulocityTokenException e)
            {
                try
                {
                    if (RefreshFailedAsync is { } failed)
                    {
                        await failed(e).ConfigureAwait(false);
                    }

                    await Task.Delay(_options.RetryDelay, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    // A failing handler must not stop the refresh loop.
                }
            }
        }
    }

    private async Task WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        long deadline = _time.GetTimestamp();
        while (!_client.IsConnected)
        {
            if (_time.GetElapsedTime(deadline) > _options.AttemptTimeout)
            {
                throw new MqttConnectException(MqttConnectError.NotConnected, "the MQTT client is not connected, so no token can be requested");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task OnMessageAsync(MqttMessageReceivedEventArgs e)
    {
        if (e.Topic != ResponseTopic || Volatile.Read(ref _waiter) is not { } waiter)
        {
            return Task.CompletedTask;
        }

        try
        {
            if (CumulocityToken.TryParseResponse(e.Payload.Span, _time.GetUtcNow(), out CumulocityToken? token))
            {
                waiter.TrySetResult(token!);
            }
        }
        catch (CumulocityTokenException error)
        {
            waiter.TrySetException(error);
        }

        return Task.CompletedTask;
    }

    private async Task RaiseAsync(CumulocityToken token)
    {
        if (TokenReceivedAsync is not { } handlers)
        {
            return;
        }

        foreach (Func<CumulocityTokenEventArgs, Task> handler in handlers.GetInvocationList().Cast<Func<CumulocityTokenEventArgs, Task>>())
        {
            try
            {
                await handler(new CumulocityTokenEventArgs(token)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A failing handler must not fail the token request.
            }
        }
    }
}
