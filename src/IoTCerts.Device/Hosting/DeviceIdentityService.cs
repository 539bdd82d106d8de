using IoTCerts.Core;
using IoTCerts.Est;
using Microsoft.Extensions.Hosting;

namespace IoTCerts.Device;

/// <summary>
/// The device identity as a hosted service: runs a <see cref="CertificateRenewalEngine"/> for the device's credential for
/// the lifetime of the host (load it, enroll with the bootstrap identity when there is none, renew on schedule, R-72,
/// R-73), tells when a usable identity exists, and exposes it as an <see cref="ICertificateCredentialSource"/> for the
/// connections that present it.
/// </summary>
/// <remarks>
/// Nothing runs until the host starts the service. The engine never replaces a working pair with an unverified one, so
/// a failed renewal leaves the device connected with the old certificate.
/// </remarks>
public sealed class DeviceIdentityService : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _clock;

    /// <summary>Creates the service for one of <paramref name="engine"/>'s credentials.</summary>
    /// <param name="engine">The renewal engine.</param>
    /// <param name="credential">The device identity among the engine's credentials.</param>
    /// <param name="timeProvider">The clock that decides whether the loaded certificate is still valid (the engine's clock).</param>
    /// <exception cref="ArgumentException"><paramref name="credential"/> is not one of the engine's credentials.</exception>
    public DeviceIdentityService(CertificateRenewalEngine engine, RenewalCredential credential, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(credential);
        Source = engine.GetCredentialSource(credential);
        Engine = engine;
        Credential = credential;
        _clock = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The renewal engine the service runs.</summary>
    public CertificateRenewalEngine Engine { get; }

    /// <summary>The device's credential.</summary>
    public RenewalCredential Credential { get; }

    /// <summary>The credential as a source: the current certificate, key and chain, and a change event after each renewal.</summary>
    public ICertificateCredentialSource Source { get; }

    /// <summary>Raised once the first pass of the engine is done (the identity loaded, enrolled, or still missing: see its status).</summary>
    public event EventHandler<DeviceIdentityStartedEventArgs>? Started;

    /// <summary>Completes once the store holds a valid certificate and key (loaded at start, or after the first enrollment).</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken = default) => _ready.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Yield so the host finishes starting (and the connections start waiting) before the first EST exchange.
        await Task.Yield();
        Source.Changed += OnChanged;
        try
        {
            RenewalOutcome first = (await Engine.RunOnceAsync(stoppingToken).ConfigureAwait(false)).First(o => ReferenceEquals(o.Credential, Credential));
            bool usable = first.Certificate is { } certificate && certificate.NotAfter.ToUniversalTime() > _clock.GetUtcNow().UtcDateTime;
            if (usable)
            {
                _ready.TrySetResult();
            }

            Started?.Invoke(this, new DeviceIdentityStartedEventArgs(first, usable));

            // The engine sleeps until the next renewal (or retry, or CA check) and announces each promotion through Source.
            await Engine.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Source.Changed -= OnChanged;
        }
    }

    private void OnChanged(object? sender, CertificateCredentialChangedEventArgs e) => _ready.TrySetResult();
}

/// <summary>Data of <see cref="DeviceIdentityService.Started"/>.</summary>
public sealed class DeviceIdentityStartedEventArgs : EventArgs
{
    internal DeviceIdentityStartedEventArgs(RenewalOutcome outcome, bool isReady)
    {
        Outcome = outcome;
        IsReady = isReady;
    }

    /// <summary>The outcome of the engine's first pass for the device credential.</summary>
    public RenewalOutcome Outcome { get; }

    /// <summary>True when the device has a certificate valid now.</summary>
    public bool IsReady { get; }
}
