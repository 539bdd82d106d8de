namespace IoTCerts.Mqtt;

/// <summary>An MQTT control packet. Concrete types are sealed; a codec maps them to and from bytes.</summary>
public abstract class MqttPacket
{
    private protected MqttPacket()
    {
    }

    /// <summary>The control packet type.</summary>
    public abstract MqttPacketType Type { get; }
}

/// <summary>CONNECT (MQTT 3.1.1 §3.1).</summary>
public sealed class MqttConnectPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Connect;

    /// <summary>The client identifier (may be empty only with a clean session).</summary>
    public required string ClientId { get; init; }

    /// <summary>Whether the broker discards any previous session.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>Keep-alive interval in seconds (0 disables keep-alive).</summary>
    public ushort KeepAliveSeconds { get; init; }

    /// <summary>Optional user name.</summary>
    public string? UserName { get; init; }

    /// <summary>Optional password (binary data; requires <see cref="UserName"/>, MQTT-3.1.2-22).</summary>
    public ReadOnlyMemory<byte>? Password { get; init; }

    /// <summary>Optional will message.</summary>
    public MqttWillMessage? Will { get; init; }
}

/// <summary>The will message carried by CONNECT.</summary>
public sealed class MqttWillMessage
{
    /// <summary>The will topic (a topic name, no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The will payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The will QoS.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>Whether the will is retained.</summary>
    public bool Retain { get; init; }
}

/// <summary>CONNACK (MQTT 3.1.1 §3.2).</summary>
public sealed class MqttConnAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.ConnAck;

    /// <summary>Whether the broker resumed a stored session.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The broker's answer.</summary>
    public MqttConnectReturnCode ReturnCode { get; init; }
}

/// <summary>PUBLISH (MQTT 3.1.1 §3.3).</summary>
public sealed class MqttPublishPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Publish;

    /// <summary>The topic name (no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The application payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS level.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; init; }

    /// <summary>The DUP flag: this is a re-delivery (QoS &gt; 0 only).</summary>
    public bool Duplicate { get; init; }

    /// <summary>The packet identifier (non-zero for QoS &gt; 0, absent for QoS 0).</summary>
    public ushort PacketId { get; init; }
}

/// <summary>A packet that carries only a packet identifier: PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK.</summary>
public sealed class MqttAckPacket : MqttPacket
{
    /// <summary>Creates an acknowledgment packet.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not an identifier-only packet type.</exception>
    public MqttAckPacket(MqttPacketType type, ushort packetId)
    {
        if (type is not (MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp or MqttPacketType.UnsubAck))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Only PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK carry only a packet identifier.");
        }

        Type = type;
        PacketId = packetId;
    }

    /// <inheritdoc />
    public override MqttPacketType Type { get; }

    /// <summary>The packet identifier being acknowledged.</summary>
    public ushort PacketId { get; }
}

/// <summary>One entry of a SUBSCRIBE packet.</summary>
/// <param name="TopicFilter">The topic filter (wildcards allowed).</param>
/// <param name="QualityOfService">The maximum QoS requested.</param>
public readonly record struct MqttTopicSubscription(string TopicFilter, MqttQualityOfService QualityOfService);

/// <summary>SUBSCRIBE (MQTT 3.1.1 §3.8).</summary>
public sealed class MqttSubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    /// <summary>The packet identifier.</summary>
    public ushort PacketId { get; init; }

    /// <summary>The requested subscriptions (at least one).</summary>
    public required IReadOnlyList<MqttTopicSubscription> Subscriptions { get; init; }
}

/// <summary>SUBACK (MQTT 3.1.1 §3.9).</summary>
public sealed class MqttSubAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.SubAck;

    /// <summary>The packet identifier of the SUBSCRIBE being answered.</summary>
    public ushort PacketId { get; init; }

    /// <summary>One return code per requested subscription, in order.</summary>
    public required IReadOnlyList<MqttSubscribeReturnCode> ReturnCodes { get; init; }
}

/// <summary>UNSUBSCRIBE (MQTT 3.1.1 §3.10).</summary>
public sealed class MqttUnsubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    /// <summary>The packet identifier.</summary>
    public ushort PacketId { get; init; }

    /// <summary>The topic filters to remove (at least one).</summary>
    public required IReadOnlyList<string> TopicFilters { get; init; }
}

/// <summary>A packet without variable header or payload: PINGREQ, PINGRESP, DISCONNECT.</summary>
public sealed class MqttEmptyPacket : MqttPacket
{
    private MqttEmptyPacket(MqttPacketType type) => Type = type;

    /// <summary>PINGREQ.</summary>
    public static MqttEmptyPacket PingReq { get; } = new(MqttPacketType.PingReq);

    /// <summary>PINGRESP.</summary>
    public static MqttEmptyPacket PingResp { get; } = new(MqttPacketType.PingResp);

    /// <summary>DISCONNECT.</summary>
    public static MqttEmptyPacket Disconnect { get; } = new(MqttPacketType.Disconnect);

    /// <inheritdoc />
    public override MqttPacketType Type { get; }
}
