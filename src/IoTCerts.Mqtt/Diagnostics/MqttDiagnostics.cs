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

    private const string ReconnectTag = "iotcerts.mqtt.reconnect";

    private static readonly PackageTelemetry s_telemetry = new(MeterName);

    private static readonly Counter<long> s_connects = s_telemetry.Counter(
        "iotcerts.mqtt.connects", "{attempt}", "MQTT connection attempts, by result.");

    private static readonly Counter<long> s_reconnects = s_telemetry.Counter(
        "iotcerts.mqtt.reconnects", "{reconnect}", "MQTT sessions restored after a lost connection.");

    internal static Activity? StartConnect(string? host, int port, bool isReconnect)
    {
        Activity? activity = s_telemetry.StartClient("iotcerts.mqtt.connect", host ?? string.Empty, port);
        activity?.SetTag(ReconnectTag, isReconnect);
        return activity;
    }

    internal static void Connected(Activity? activity, MqttConnectResult result, bool isReconnect)
    {
        string outcome = result.IsAccepted ? "accepted" : "refused";
        PackageTelemetry.CountResult(s_connects, outcome, new KeyValuePair<string, object?>(ReconnectTag, isReconnect));
        if (result.IsAccepted && isReconnect)
        {
            s_reconnects.Add(1);
        }

        activity?.SetTag(PackageTelemetry.ResultTag, outcome);
        if (!result.IsAccepted)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.ReturnCode.ToString());
        }
    }

    internal static void ConnectFailed(Activity? activity, Exception error, bool isReconnect)
    {
        PackageTelemetry.CountResult(s_connects, "failed", new KeyValuePair<string, object?>(ReconnectTag, isReconnect));
        activity?.SetTag(PackageTelemetry.ResultTag, "failed");
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
    }
}
