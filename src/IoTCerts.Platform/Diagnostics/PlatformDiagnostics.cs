using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTCerts.Platform;

/// <summary>
/// Names of the package's <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/> (both from the base
/// library), for OpenTelemetry (<c>AddMeter</c>/<c>AddSource</c>) or a <see cref="MeterListener"/>. Log messages use
/// event ids 7300-7399.
/// </summary>
/// <remarks>
/// Instruments (names are stable): <c>iotcerts.c8y.requests</c> (REST calls to Cumulocity, tags
/// <c>http.request.method</c> and <c>http.response.status_code</c>, absent when no answer came) and
/// <c>iotcerts.c8y.retries</c> (attempts repeated after a retryable answer or a transport failure). Span:
/// <c>iotcerts.c8y.request</c> around each call including its retries (tags <c>http.request.method</c>,
/// <c>url.path</c>, <c>http.response.status_code</c>). No credential, token or body is recorded.
/// </remarks>
public static class PlatformDiagnostics
{
    /// <summary>The meter name: <c>IoTCerts.Platform</c>.</summary>
    public const string MeterName = "IoTCerts.Platform";

    /// <summary>The activity source name: <c>IoTCerts.Platform</c>.</summary>
    public const string ActivitySourceName = "IoTCerts.Platform";

    private const string MethodTag = "http.request.method";

    private static readonly PackageTelemetry s_telemetry = new(MeterName);

    private static readonly Counter<long> s_requests = s_telemetry.Counter(
        "iotcerts.c8y.requests", "{request}", "REST calls to Cumulocity, by method and final status code.");

    private static readonly Counter<long> s_retries = s_telemetry.Counter(
        "iotcerts.c8y.retries", "{retry}", "REST attempts repeated after a retryable answer or a transport failure.");

    internal static Activity? StartRequest() => s_telemetry.StartClient("iotcerts.c8y.request");

    internal static void Describe(Activity? activity, string method, string path)
    {
        activity?.SetTag(MethodTag, method);
        activity?.SetTag("url.path", path);
    }

    internal static void Retrying() => s_retries.Add(1);

    internal static void RequestEnded(Activity? activity, string method, int? status) =>
        PackageTelemetry.HttpEnded(s_requests, activity, new KeyValuePair<string, object?>(MethodTag, method), status, "no answer");
}
