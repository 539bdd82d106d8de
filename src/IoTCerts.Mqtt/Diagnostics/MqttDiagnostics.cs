using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IoTCerts.Mqtt;

/// <summary>
/// Names of the package's <see cref="Meter"/> and <see cref="System.Diagnostics.ActivitySource"/> (both from the base
/// library), for OpenTelemetry (<c>AddMeter</c>/<c>AddSource</c>) or a <see cref="MeterListener"/>.
/// </summary>
/// <remarks>
/// Instruments (names are stable): <c>iotcerts.mqtt.connects</c> (connection attempts, tags <c>iotcerts.result</c> =
/// accepted | refused | failed and <c>iotcerts.mqtt.reconnect</c> = true | false) and <c>iotcerts.mqtt.reconnects</c>
/// (sessions restored after a lost connection). Span: <c>iotcerts.mqtt.connect</c> around TCP, TLS and CONNECT
/// (tags <c>server.address</c>, <c>server.port</c>, <c>iotcerts.mqtt.reconnect</c>). No client certificate, key
/// or token is ever recorded.
/// </remarks>
public static class MqttDiagnostics
{
    /// <summary>The meter name: <c>IoTCerts.Mqtt</c>.</summary>
    public const string MeterName = "IoTCerts.Mqtt";

    /// <summary>The activity source name: <c>IoTCerts.Mqtt</c>.</summary>
    public const string ActivitySourceName = "IoTCerts.Mqtt";

    private const string ResultTag = "iotcerts.result";
    private const string ReconnectTag = "iotcerts.mqtt.reconnect";

    private static readonly ActivitySource s_activitySource = new(ActivitySourceName);
    private static readonly Meter s_meter = new(MeterName);

    private static readonly Counter<long> s_connects = s_meter.CreateCounter<long>(
        "iotcerts.mqtt.connects", "{attempt}", "MQTT connection attempts, by result.");

    private static readonly Counter<long> s_reconnects = s_meter.CreateCounter<long>(
        "iotcerts.mqtt.reconnects", "{reconnect}", "MQTT sessions restored after a lost connection.");

    internal static Activity? StartConnect(string? host, int port, bool isReconnect)
    {
        Activity? activity = s_activitySource.StartActivity("iotcerts.mqtt.connect", ActivityKind.Client);
        activity?.SetTag("server.address", host);
        activity?.SetTag("server.port", port);
        activity?.SetTag(ReconnectTag, isReconnect);
        return activity;
    }

    internal static void Connected(Activity? activity, MqttConnectResult result, bool isReconnect)
    {
        string outcome = result.IsAccepted ? "accepted" : "refused";
        s_connects.Add(1, new KeyValuePair<string, object?>(ResultTag, outcome), new KeyValuePair<string, object?>(ReconnectTag, isReconnect));
        if (result.IsAccepted && isReconnect)
        {
            s_reconnects.Add(1);
        }

        activity?.SetTag(ResultTag, outcome);
        if (!result.IsAccepted)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.ReturnCode.ToString());
        }
    }

    internal static void ConnectFailed(Activity? activity, Exception error, bool isReconnect)
    {
        s_connects.Add(1, new KeyValuePair<string, object?>(ResultTag, "failed"), new KeyValuePair<string, object?>(ReconnectTag, isReconnect));
        activity?.SetTag(ResultTag, "failed");
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
    }
}
