using IoTCerts.Device;
using IoTCerts.Est;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// The agent's log lines about its identity, from the events of IoTCerts.Device's <see cref="DeviceIdentityService"/>
/// (which loads the identity, enrolls with the bootstrap credential when there is none and renews it on schedule over
/// EST, R-72, R-73). The engine never replaces a working pair with an unverified one, so a failed renewal leaves the
/// agent connected.
/// </summary>
internal static class IdentityLog
{
    public static void Attach(DeviceIdentityService service, DeviceAgentOptions options, ILogger logger)
    {
        service.Started += (_, e) =>
        {
            Log.Starting(logger, options.Mode, options.Est.Server!, options.Mqtt.Host!, options.Mqtt.Port, options.StoreDirectory!);
            RenewalOutcome first = e.Outcome;
            if (e.IsReady && first.Certificate is { } certificate)
            {
                Log.IdentityLoaded(logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), first.NextAttempt);
            }
            else
            {
                Log.IdentityUnavailable(logger, first.Status, first.Detail ?? "no certificate", first.NextAttempt);
            }
        };
        service.Source.Changed += (_, e) =>
        {
            var certificate = e.Credential.Certificate;
            Log.IdentityRenewed(logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), e.KeyRotated);
        };
    }
}
