using System.Diagnostics;
using System.Diagnostics.Metrics;
using IoTCerts.Core;

namespace IoTCerts.Revocation.Online;

/// <summary>
/// Names of the package's <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>, for OpenTelemetry
/// (<c>AddMeter(OnlineRevocationDiagnostics.MeterName)</c>, <c>AddSource(OnlineRevocationDiagnostics.ActivitySourceName)</c>)
/// or a <see cref="MeterListener"/>.
/// </summary>
/// <remarks>
/// Instruments (names are stable): <c>iotcerts.crl.fetches</c> (CRL downloads, tag <c>iotcerts.result</c> = the
/// <see cref="CrlFetchStatus"/> in lower case). <c>iotcerts.ocsp.queries</c> (OCSP requests, tag <c>iotcerts.result</c> = good, revoked, unknown or the
/// <see cref="OcspFailure"/> in lower case). Spans: <c>iotcerts.crl.fetch</c> around each CRL download and
/// <c>iotcerts.ocsp.query</c> around each OCSP request (tag <c>url.full</c>).
/// </remarks>
public static class OnlineRevocationDiagnostics
{
    /// <summary>The meter name: <c>IoTCerts.Revocation.Online</c>.</summary>
    public const string MeterName = "IoTCerts.Revocation.Online";

    /// <summary>The activity source name: <c>IoTCerts.Revocation.Online</c>.</summary>
    public const string ActivitySourceName = "IoTCerts.Revocation.Online";

    internal const string ResultTag = "iotcerts.result";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Counter<long> s_crlFetches = s_meter.CreateCounter<long>(
        "iotcerts.crl.fetches", "{download}", "CRL downloads from distribution points, by result.");

    private static readonly Counter<long> s_ocspQueries = s_meter.CreateCounter<long>(
        "iotcerts.ocsp.queries", "{request}", "OCSP requests sent to responders, by result.");

    internal static string ResultName(OcspFetchResult result) =>
        result.IsVerified ? result.Status.ToString().ToLowerInvariant() : result.Failure.ToString().ToLowerInvariant();

    internal static void OcspQueried(OcspFetchResult result) =>
        s_ocspQueries.Add(1, new KeyValuePair<string, object?>(ResultTag, ResultName(result)));

    internal static void CrlFetched(CrlFetchStatus status) =>
        s_crlFetches.Add(1, new KeyValuePair<string, object?>(ResultTag, status.ToString().ToLowerInvariant()));
}
