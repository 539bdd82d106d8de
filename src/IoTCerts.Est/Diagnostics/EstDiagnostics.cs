using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTCerts.Est;

/// <summary>
/// Names of the package's <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/> (both from the base
/// library), for OpenTelemetry (<c>AddMeter</c>/<c>AddSource</c>) or a <see cref="MeterListener"/>. Log messages use
/// event ids 7000-7099 (category <see cref="CertificateRenewalEngine"/>).
/// </summary>
/// <remarks>
/// Instruments (names are stable): <c>iotcerts.est.renewals</c> (renewal attempts that ended, tag
/// <c>iotcerts.result</c> = the <see cref="RenewalStatus"/> in lower case; not-due checks are not counted) and
/// <c>iotcerts.est.requests</c> (EST HTTP requests, tags <c>iotcerts.est.operation</c> and
/// <c>http.response.status_code</c>). Span: <c>iotcerts.est.request</c> around each request (same tags). No
/// password, key or certificate body is recorded.
/// </remarks>
public static class EstDiagnostics
{
    /// <summary>The meter name: <c>IoTCerts.Est</c>.</summary>
    public const string MeterName = "IoTCerts.Est";

    /// <summary>The activity source name: <c>IoTCerts.Est</c>.</summary>
    public const string ActivitySourceName = "IoTCerts.Est";

    private const string OperationTag = "iotcerts.est.operation";

    private static readonly PackageTelemetry s_telemetry = new(MeterName);

    private static readonly Counter<long> s_renewals = s_telemetry.Counter(
        "iotcerts.est.renewals", "{renewal}", "Certificate renewal attempts that ended, by result.");

    private static readonly Counter<long> s_requests = s_telemetry.Counter(
        "iotcerts.est.requests", "{request}", "EST HTTP requests, by operation and status code.");

    internal static void RenewalEnded(RenewalStatus status) => PackageTelemetry.CountResult(s_renewals, status.ToString().ToLowerInvariant());

    internal static Activity? StartRequest(string operation, Uri server)
    {
        Activity? activity = s_telemetry.StartClient("iotcerts.est.request", server.Host, server.Port);
        activity?.SetTag(OperationTag, operation);
        return activity;
    }

    internal static void RequestEnded(Activity? activity, string operation, int? statusCode) =>
        PackageTelemetry.HttpEnded(s_requests, activity, new KeyValuePair<string, object?>(OperationTag, operation), statusCode, "no response");
}
