using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTCerts;

/// <summary>
/// The one diagnostics pattern of the IoTCerts packages, compiled into each library as linked source (internal, so no
/// package exposes it): the package's <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>
/// carry the package name, counters use low-cardinality tags, and a client span ends with its outcome. Each package's
/// public <c>XxxDiagnostics</c> class keeps its own names and instruments and calls this.
/// </summary>
internal sealed class PackageTelemetry(string name)
{
    /// <summary>The tag every outcome counter uses (valid | invalid, accepted | refused | failed, a status in lower case).</summary>
    public const string ResultTag = "iotcerts.result";

    /// <summary>The OpenTelemetry tag of an HTTP answer's status code.</summary>
    public const string StatusTag = "http.response.status_code";

    /// <summary>The package's activity source (named after the package).</summary>
    public ActivitySource ActivitySource { get; } = new(name);

    private Meter Meter { get; } = new(name);

    /// <summary>A counter of this package's meter.</summary>
    public Counter<long> Counter(string instrument, string unit, string description) =>
        Meter.CreateCounter<long>(instrument, unit, description);

    /// <summary>Starts a client span; with a host, tags it with <c>server.address</c> and <c>server.port</c>.</summary>
    public Activity? StartClient(string span, string? host = null, int port = 0)
    {
        Activity? activity = ActivitySource.StartActivity(span, ActivityKind.Client);
        if (activity is not null && host is not null)
        {
            activity.SetTag("server.address", host);
            activity.SetTag("server.port", port);
        }

        return activity;
    }

    /// <summary>Adds one to <paramref name="counter"/> with the result tag (and an optional second tag).</summary>
    public static void CountResult(Counter<long> counter, string result, KeyValuePair<string, object?>? tag = null)
    {
        if (tag is { } extra)
        {
            counter.Add(1, new KeyValuePair<string, object?>(ResultTag, result), extra);
        }
        else
        {
            counter.Add(1, new KeyValuePair<string, object?>(ResultTag, result));
        }
    }

    /// <summary>Counts an HTTP call by <paramref name="key"/> and status, and marks the span failed without an answer or on 4xx/5xx.</summary>
    public static void HttpEnded(Counter<long> counter, Activity? activity, KeyValuePair<string, object?> key, int? status, string noAnswer)
    {
        counter.Add(1, key, new KeyValuePair<string, object?>(StatusTag, status));
        activity?.SetTag(StatusTag, status);
        if (status is null or >= 400)
        {
            activity?.SetStatus(ActivityStatusCode.Error, status is null ? noAnswer : $"HTTP {status}");
        }
    }
}
