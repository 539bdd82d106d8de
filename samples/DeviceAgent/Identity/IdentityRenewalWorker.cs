using IoTCerts.Est;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// Keeps the device identity: loads it from the store, enrolls with the bootstrap credential when there is none, and
/// renews it on schedule over EST by running the library's <see cref="CertificateRenewalEngine"/>. The
/// engine never replaces a working pair with an unverified one, so a failed renewal leaves the agent connected.
/// </summary>
internal sealed class IdentityRenewalWorker(DeviceIdentity identity, ILogger<IdentityRenewalWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Yield so the host finishes starting (and the telemetry worker starts waiting) before the first EST exchange.
        await Task.Yield();
        DeviceAgentOptions options = identity.Options;
        Log.Starting(logger, options.Mode, options.Est.Server!, options.Mqtt.Host!, options.Mqtt.Port, options.StoreDirectory!);
        CertificateRenewalEngine engine = identity.Engine;
        engine.CredentialChanged += OnCredentialChanged;
        try
        {
            RenewalOutcome first = (await engine.RunOnceAsync(stoppingToken).ConfigureAwait(false))[0];
            if (first.Certificate is { } certificate && certificate.NotAfter.ToUniversalTime() > identity.Clock.GetUtcNow().UtcDateTime)
            {
                Log.IdentityLoaded(logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), first.NextAttempt);
                identity.MarkReady();
            }
            else
            {
                Log.IdentityUnavailable(logger, first.Status, first.Detail ?? "no certificate", first.NextAttempt);
            }

            // The engine sleeps until the next renewal (or retry, or CA check) and raises CredentialChanged after each promotion.
            await engine.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RenewalCrashed(logger, ex.Message);
            throw;
        }
        finally
        {
            engine.CredentialChanged -= OnCredentialChanged;
        }
    }

    private void OnCredentialChanged(object? sender, CredentialChangedEventArgs e)
    {
        Log.IdentityRenewed(logger, e.Certificate.Subject, e.Certificate.Thumbprint, e.Certificate.NotAfter.ToUniversalTime(), e.KeyRotated);
        identity.MarkReady();
    }
}
