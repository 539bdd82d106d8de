using System.Globalization;
using System.Text;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>The measurement's topic and payload, from the configured templates or the defaults of the mode.</summary>
internal static class MeasurementTemplate
{
    public const string ClientIdField = "{clientId}";
    public const string SequenceField = "{sequence}";
    public const string TimestampField = "{timestamp}";

    /// <summary>SmartREST static template 200: create a measurement (fragment, series, value).</summary>
    public const string CumulocityPayload = "200,c8y_AgentHeartbeat,sequence," + SequenceField;

    public const string CumulocityTopic = "s/us";

    public const string GenericTopic = "devices/" + ClientIdField + "/telemetry";

    public const string GenericPayload = "{\"sequence\":" + SequenceField + ",\"timestamp\":\"" + TimestampField + "\"}";

    public static string TopicFor(DeviceAgentOptions options) =>
        options.Mqtt.Topic ?? (options.Mode == AgentMode.Cumulocity ? CumulocityTopic : GenericTopic);

    public static string PayloadFor(DeviceAgentOptions options) =>
        options.Mqtt.Payload ?? (options.Mode == AgentMode.Cumulocity ? CumulocityPayload : GenericPayload);

    public static string Topic(DeviceAgentOptions options, string clientId) =>
        TopicFor(options).Replace(ClientIdField, clientId, StringComparison.Ordinal);

    public static byte[] Payload(DeviceAgentOptions options, string clientId, long sequence, DateTimeOffset now) =>
        Encoding.UTF8.GetBytes(PayloadFor(options)
            .Replace(ClientIdField, clientId, StringComparison.Ordinal)
            .Replace(SequenceField, sequence.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace(TimestampField, now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal));
}
