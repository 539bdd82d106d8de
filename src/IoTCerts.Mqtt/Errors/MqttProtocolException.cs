namespace IoTCerts.Mqtt;

/// <summary>Why bytes read from the network are not a valid MQTT packet.</summary>
public enum MqttProtocolError
{
    /// <summary>The remaining-length field uses more than four bytes or is not minimally encoded (MQTT 3.1.1 §2.2.3).</summary>
    MalformedRemainingLength = 1,

    /// <summary>The packet is larger than the configured maximum packet size.</summary>
    PacketTooLarge,

    /// <summary>The packet type is reserved (0 or 15) (MQTT 3.1.1 §2.2.1).</summary>
    InvalidPacketType,

    /// <summary>The fixed-header flags hold a value the packet type forbids (MQTT-2.2.2-2).</summary>
    InvalidFixedHeaderFlags,

    /// <summary>The packet ends before a field it announces.</summary>
    Truncated,

    /// <summary>The packet holds bytes after its last field (its remaining length is too long for its content).</summary>
    TrailingBytes,

    /// <summary>A string is not well-formed UTF-8, or contains U+0000 (MQTT-1.5.3-1, MQTT-1.5.3-2).</summary>
    InvalidUtf8String,

    /// <summary>A topic name is empty or contains a wildcard (MQTT-3.3.2-2, MQTT-4.7.3-1).</summary>
    InvalidTopicName,

    /// <summary>A topic filter is empty or uses '#' or '+' in a way MQTT forbids (MQTT 3.1.1 §4.7.1).</summary>
    InvalidTopicFilter,

    /// <summary>A packet identifier is zero where a non-zero one is required (MQTT-2.3.1-1).</summary>
    InvalidPacketIdentifier,

    /// <summary>A QoS value is 3, or QoS 0 is combined with the DUP flag (MQTT-3.3.1-2, MQTT-3.3.1-4).</summary>
    InvalidQualityOfService,

    /// <summary>CONNECT or CONNACK flags hold a forbidden combination (MQTT 3.1.1 §3.1.2.3, §3.2.2).</summary>
    InvalidConnectFlags,

    /// <summary>The CONNECT protocol name or level is not MQTT 3.1.1 ("MQTT", level 4).</summary>
    UnsupportedProtocolVersion,

    /// <summary>A CONNACK or SUBACK return code is not one MQTT 3.1.1 defines.</summary>
    InvalidReturnCode,

    /// <summary>A SUBSCRIBE, SUBACK or UNSUBSCRIBE carries no entry (MQTT-3.8.3-3, MQTT-3.10.3-2).</summary>
    EmptyPayload,

    /// <summary>The peer sent a packet that is not allowed at this point of the conversation.</summary>
    UnexpectedPacket,
}

/// <summary>The peer sent bytes that are not a valid MQTT packet. The connection cannot be used further.</summary>
public sealed class MqttProtocolException : MqttException
{
    /// <summary>Creates the exception with the default sentence for <paramref name="error"/>.</summary>
    public MqttProtocolException(MqttProtocolError error)
        : this(error, DefaultMessage(error))
    {
    }

    /// <summary>Creates the exception with a specific sentence.</summary>
    public MqttProtocolException(MqttProtocolError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>What is wrong with the packet.</summary>
    public MqttProtocolError Error { get; }

    /// <inheritdoc />
    public override string CodeString => Error switch
    {
        MqttProtocolError.MalformedRemainingLength => "malformed-remaining-length",
        MqttProtocolError.PacketTooLarge => "packet-too-large",
        MqttProtocolError.InvalidPacketType => "invalid-packet-type",
        MqttProtocolError.InvalidFixedHeaderFlags => "invalid-fixed-header-flags",
        MqttProtocolError.Truncated => "truncated",
        MqttProtocolError.TrailingBytes => "trailing-bytes",
        MqttProtocolError.InvalidUtf8String => "invalid-utf8-string",
        MqttProtocolError.InvalidTopicName => "invalid-topic-name",
        MqttProtocolError.InvalidTopicFilter => "invalid-topic-filter",
        MqttProtocolError.InvalidPacketIdentifier => "invalid-packet-identifier",
        MqttProtocolError.InvalidQualityOfService => "invalid-qos",
        MqttProtocolError.InvalidConnectFlags => "invalid-connect-flags",
        MqttProtocolError.UnsupportedProtocolVersion => "unsupported-protocol-version",
        MqttProtocolError.InvalidReturnCode => "invalid-return-code",
        MqttProtocolError.EmptyPayload => "empty-payload",
        MqttProtocolError.UnexpectedPacket => "unexpected-packet",
        _ => "protocol-error",
    };

    /// <summary>A sentence an operator understands for <paramref name="error"/>.</summary>
    public static string DefaultMessage(MqttProtocolError error) => error switch
    {
        MqttProtocolError.MalformedRemainingLength => "the MQTT packet length field is malformed (more than 4 bytes or not minimally encoded)",
        MqttProtocolError.PacketTooLarge => "the MQTT packet is larger than the allowed maximum packet size",
        MqttProtocolError.InvalidPacketType => "the MQTT packet type is reserved (0 or 15)",
        MqttProtocolError.InvalidFixedHeaderFlags => "the MQTT fixed header flags are invalid for this packet type",
        MqttProtocolError.Truncated => "the MQTT packet ends before a field it announces",
        MqttProtocolError.TrailingBytes => "the MQTT packet has unexpected bytes after its last field",
        MqttProtocolError.InvalidUtf8String => "an MQTT string is not well-formed UTF-8 or contains U+0000",
        MqttProtocolError.InvalidTopicName => "the MQTT topic name is empty or contains a wildcard ('+' or '#')",
        MqttProtocolError.InvalidTopicFilter => "the MQTT topic filter is empty or misuses a wildcard ('#' must be last and alone in its level, '+' alone in its level)",
        MqttProtocolError.InvalidPacketIdentifier => "the MQTT packet identifier is 0 where a non-zero identifier is required",
        MqttProtocolError.InvalidQualityOfService => "the MQTT QoS value is invalid (3, or QoS 0 with the DUP flag)",
        MqttProtocolError.InvalidConnectFlags => "the MQTT CONNECT/CONNACK flags hold a forbidden combination",
        MqttProtocolError.UnsupportedProtocolVersion => "the MQTT protocol name or level is not MQTT 3.1.1",
        MqttProtocolError.InvalidReturnCode => "the MQTT return code is not defined by MQTT 3.1.1",
        MqttProtocolError.EmptyPayload => "the MQTT SUBSCRIBE/SUBACK/UNSUBSCRIBE packet carries no entry",
        MqttProtocolError.UnexpectedPacket => "the MQTT peer sent a packet that is not allowed at this point",
        _ => "the MQTT packet is invalid",
    };
}
