using System.Buffers;

namespace IoTCerts.Mqtt;

/// <summary>
/// MQTT 3.1.1 codec: strict on what it reads (every "MUST" of the fixed header, strings, topics, packet identifiers,
/// flags and return codes is checked, a declared length above <see cref="MaximumPacketSize"/> is refused before any
/// allocation) and exact in what it writes (minimal remaining-length encoding, reserved bits as the spec fixes them).
/// Thread-safe: it holds no state besides its limit.
/// </summary>
public sealed class Mqtt311PacketCodec : IMqttPacketCodec
{
    /// <summary>The largest remaining length MQTT can encode (four length bytes, MQTT 3.1.1 §2.2.3).</summary>
    public const int MaximumRemainingLength = 268_435_455;

    /// <summary>The default read limit: 1 MiB, far above what IoT platforms accept (Cumulocity: 16 KiB payloads).</summary>
    public const int DefaultMaximumPacketSize = 1024 * 1024;

    /// <summary>Creates a codec that refuses incoming packets larger than <paramref name="maximumPacketSize"/> bytes.</summary>
    public Mqtt311PacketCodec(int maximumPacketSize = DefaultMaximumPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPacketSize, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumPacketSize, MaximumRemainingLength + 5);
        MaximumPacketSize = maximumPacketSize;
    }

    /// <inheritdoc />
    public MqttProtocolVersion ProtocolVersion => MqttProtocolVersion.V311;

    /// <inheritdoc />
    public int MaximumPacketSize { get; }

    /// <inheritdoc />
    public bool TryReadPacketLength(ReadOnlySpan<byte> buffer, out int packetLength) =>
        TryReadFixedHeader(buffer, out packetLength, out _);

    private bool TryReadFixedHeader(ReadOnlySpan<byte> buffer, out int packetLength, out int headerLength)
    {
        packetLength = 0;
        headerLength = 0;
        int value = 0;
        int multiplier = 1;
        for (int i = 1; i <= 4; i++)
        {
            if (i >= buffer.Length)
            {
                return false;
            }

            byte digit = buffer[i];
            if (i > 1 && digit == 0)
            {
                // A trailing zero continuation byte means the value was not minimally encoded.
                throw new MqttProtocolException(MqttProtocolError.MalformedRemainingLength);
            }

            value += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0)
            {
                long total = 1L + i + value;
                if (total > MaximumPacketSize)
                {
                    throw new MqttProtocolException(
                        MqttProtocolError.PacketTooLarge,
                        $"the MQTT packet announces {total} bytes, more than the allowed maximum of {MaximumPacketSize} bytes");
                }

                packetLength = (int)total;
                headerLength = 1 + i;
                return true;
            }

            multiplier *= 128;
        }

        throw new MqttProtocolException(MqttProtocolError.MalformedRemainingLength);
    }

    /// <inheritdoc />
    public MqttPacket Decode(ReadOnlySpan<byte> packet)
    {
        if (!TryReadFixedHeader(packet, out int length, out int headerLength) || length > packet.Length)
        {
            throw new MqttProtocolException(MqttProtocolError.Truncated);
        }

        if (length < packet.Length)
        {
            throw new MqttProtocolException(MqttProtocolError.TrailingBytes);
        }

        int typeValue = packet[0] >> 4;
        int flags = packet[0] & 0x0F;
        var reader = new MqttWireReader(packet.Slice(headerLength));
        if (typeValue is 0 or 15)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidPacketType);
        }

        var type = (MqttPacketType)typeValue;
        CheckFixedHeaderFlags(type, flags);
        MqttPacket result = type switch
        {
            MqttPacketType.Connect => DecodeConnect(ref reader),
            MqttPacketType.ConnAck => DecodeConnAck(ref reader),
            MqttPacketType.Publish => DecodePublish(ref reader, flags),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp or MqttPacketType.UnsubAck
                => new MqttAckPacket(type, reader.ReadPacketId()),
            MqttPacketType.Subscribe => DecodeSubscribe(ref reader),
            MqttPacketType.SubAck => DecodeSubAck(ref reader),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(ref reader),
            MqttPacketType.PingReq => MqttEmptyPacket.PingReq,
            MqttPacketType.PingResp => MqttEmptyPacket.PingResp,
            _ => MqttEmptyPacket.Disconnect,
        };
        reader.ExpectEnd();
        return result;
    }

    /// <summary>Decodes like <see cref="Decode"/> but reports a malformed packet as <see langword="false"/>.</summary>
    public bool TryDecode(ReadOnlySpan<byte> packet, out MqttPacket? result, out MqttProtocolError error)
    {
        try
        {
            result = Decode(packet);
            error = default;
            return true;
        }
        catch (MqttProtocolException e)
        {
            result = null;
            error = e.Error;
            return false;
        }
    }

    /// <inheritdoc />
    public void Encode(MqttPacket packet, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(output);
        switch (packet)
        {
            case MqttPublishPacket p: EncodePublish(p, output); break;
            case MqttAckPacket a: EncodeFixed(output, (byte)(((int)a.Type << 4) | (a.Type == MqttPacketType.PubRel ? 0x02 : 0)), a.PacketId, CheckId(a.PacketId)); break;
            case MqttConnectPacket c: EncodeConnect(c, output); break;
            case MqttConnAckPacket c: EncodeConnAck(c, output); break;
            case MqttSubscribePacket s: EncodeSubscribe(s, output); break;
            case MqttSubAckPacket s: EncodeSubAck(s, output); break;
            case MqttUnsubscribePacket u: EncodeUnsubscribe(u, output); break;
            case MqttEmptyPacket e:
                Span<byte> span = output.GetSpan(2);
                span[0] = (byte)((int)e.Type << 4);
                span[1] = 0;
                output.Advance(2);
                break;
            default: throw new ArgumentException($"Unknown packet type {packet.GetType().Name}.", nameof(packet));
        }
    }

    // MQTT-2.2.2-1/2: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010, PUBLISH its own flags, every other type 0.
    private static void CheckFixedHeaderFlags(MqttPacketType type, int flags)
    {
        int required = type switch
        {
            MqttPacketType.Publish => -1,
            MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe => 0x02,
            _ => 0,
        };
        if (required >= 0 && flags != required)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidFixedHeaderFlags);
        }
    }

    private static MqttConnectPacket DecodeConnect(ref MqttWireReader reader)
    {
        if (reader.ReadString() != "MQTT" || reader.ReadByte() != (byte)MqttProtocolVersion.V311)
        {
            throw new MqttProtocolException(MqttProtocolError.UnsupportedProtocolVersion);
        }

        byte flags = reader.ReadByte();
        bool userNameFlag = (flags & 0x80) != 0;
        bool passwordFlag = (flags & 0x40) != 0;
        bool willRetain = (flags & 0x20) != 0;
        int willQos = (flags >> 3) & 0x03;
        bool willFlag = (flags & 0x04) != 0;
        bool cleanSession = (flags & 0x02) != 0;

        // MQTT-3.1.2-3 reserved bit; MQTT-3.1.2-11/13/15 will QoS/retain only with a will; MQTT-3.1.2-22 password needs a user name.
        if ((flags & 0x01) != 0 || (!willFlag && (willQos != 0 || willRetain)) || (passwordFlag && !userNameFlag))
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidConnectFlags);
        }

        if (willQos == 3)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidQualityOfService);
        }

        ushort keepAlive = reader.ReadUInt16();
        string clientId = reader.ReadString();
        MqttWillMessage? will = null;
        if (willFlag)
        {
            string topic = ReadTopicName(ref reader);
            will = new MqttWillMessage
            {
                Topic = topic,
                Payload = reader.ReadBinary().ToArray(),
                QualityOfService = (MqttQualityOfService)willQos,
                Retain = willRetain,
            };
        }

        string? userName = userNameFlag ? reader.ReadString() : null;
        // The cast matters: a bare null would convert to an empty ReadOnlyMemory through byte[].
        ReadOnlyMemory<byte>? password = passwordFlag ? reader.ReadBinary().ToArray() : (ReadOnlyMemory<byte>?)null;
        return new MqttConnectPacket
        {
            ClientId = clientId,
            CleanSession = cleanSession,
            KeepAliveSeconds = keepAlive,
            UserName = userName,
            Password = password,
            Will = will,
        };
    }

    private static MqttConnAckPacket DecodeConnAck(ref MqttWireReader reader)
    {
        byte ackFlags = reader.ReadByte();
        byte code = reader.ReadByte();
        if ((ackFlags & 0xFE) != 0)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidConnectFlags);
        }

        if (code > (byte)MqttConnectReturnCode.NotAuthorized)
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidReturnCode);
        }

        bool sessionPresent = ackFlags == 1;
        if (sessionPresent && code != 0)
        {
            // MQTT-3.2.2-4: a refusal must not claim a session.
            throw new MqttProtocolException(MqttProtocolError.InvalidConnectFlags);
        }

        return new MqttConnAckPacket { SessionPresent = sessionPresent, ReturnCode = (MqttConnectReturnCode)code };
    }

    private static MqttPublishPacket DecodePublish(ref MqttWireReader reader, int flags)
    {
        bool dup = (flags & 0x08) != 0;
        int qos = (flags >> 1) & 0x03;
        bool retain = (flags & 0x01) != 0;
        if (qos == 3 || (qos == 0 && dup))
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidQualityOfService);
        }

        string topic = ReadTopicName(ref reader);
        ushort packetId = qos > 0 ? reader.ReadPacketId() : (ushort)0;
        return new MqttPublishPacket
        {
            Topic = topic,
            PacketId = packetId,
            QualityOfService = (MqttQualityOfService)qos,
            Retain = retain,
            Duplicate = dup,
            Payload = reader.ReadRest().ToArray(),
        };
    }

    private static MqttSubscribePacket DecodeSubscribe(ref MqttWireReader reader)
    {
        ushort packetId = reader.ReadPacketId();
        var list = new List<MqttTopicSubscription>();
        while (reader.Remaining > 0)
        {
            string filter = ReadTopicFilter(ref reader);
            byte qos = reader.ReadByte();
            if (qos > 2)
            {
                // MQTT-3.8.3-4: the upper six bits are reserved and QoS 3 does not exist.
                throw new MqttProtocolException(MqttProtocolError.InvalidQualityOfService);
            }

            list.Add(new MqttTopicSubscription(filter, (MqttQualityOfService)qos));
        }

        return list.Count == 0
            ? throw new MqttProtocolException(MqttProtocolError.EmptyPayload)
            : new MqttSubscribePacket { PacketId = packetId, Subscriptions = list };
    }

    private static MqttSubAckPacket DecodeSubAck(ref MqttWireReader reader)
    {
        ushort packetId = reader.ReadPacketId();
        ReadOnlySpan<byte> codes = reader.ReadRest();
        if (codes.IsEmpty)
        {
            throw new MqttProtocolException(MqttProtocolError.EmptyPayload);
        }

        var list = new MqttSubscribeReturnCode[codes.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] is not (0 or 1 or 2 or 0x80))
            {
                throw new MqttProtocolException(MqttProtocolError.InvalidReturnCode);
            }

            list[i] = (MqttSubscribeReturnCode)codes[i];
        }

        return new MqttSubAckPacket { PacketId = packetId, ReturnCodes = list };
    }

    private static MqttUnsubscribePacket DecodeUnsubscribe(ref MqttWireReader reader)
    {
        ushort packetId = reader.ReadPacketId();
        var list = new List<string>();
        while (reader.Remaining > 0)
        {
            list.Add(ReadTopicFilter(ref reader));
        }

        return list.Count == 0
            ? throw new MqttProtocolException(MqttProtocolError.EmptyPayload)
            : new MqttUnsubscribePacket { PacketId = packetId, TopicFilters = list };
    }

    private static string ReadTopicName(ref MqttWireReader reader)
    {
        string topic = reader.ReadString();
        return MqttTopic.IsValidTopicName(topic) ? topic : throw new MqttProtocolException(MqttProtocolError.InvalidTopicName);
    }

    private static string ReadTopicFilter(ref MqttWireReader reader)
    {
        string filter = reader.ReadString();
        return MqttTopic.IsValidTopicFilter(filter) ? filter : throw new MqttProtocolException(MqttProtocolError.InvalidTopicFilter);
    }

    private static int CheckId(ushort packetId) =>
        packetId == 0 ? throw new ArgumentException("The packet identifier must not be 0 (MQTT-2.3.1-1).", nameof(packetId)) : 2;

    private static void EncodeFixed(IBufferWriter<byte> output, byte header, ushort packetId, int bodyLength)
    {
        Span<byte> span = output.GetSpan(4);
        span[0] = header;
        span[1] = (byte)bodyLength;
        span[2] = (byte)(packetId >> 8);
        span[3] = (byte)packetId;
        output.Advance(4);
    }

    private static MqttWireWriter Begin(IBufferWriter<byte> output, byte header, long remaining, out Span<byte> span)
    {
        if (remaining > MaximumRemainingLength)
        {
            throw new ArgumentException("The packet is larger than MQTT allows (268,435,455 bytes of remaining length).");
        }

        int total = 1 + MqttWireWriter.RemainingLengthSize((int)remaining) + (int)remaining;
        span = output.GetSpan(total)[..total];
        var writer = new MqttWireWriter(span);
        writer.WriteByte(header);
        writer.WriteRemainingLength((int)remaining);
        return writer;
    }

    private static void Finish(IBufferWriter<byte> output, in MqttWireWriter writer) => output.Advance(writer.Position);

    private static void EncodePublish(MqttPublishPacket p, IBufferWriter<byte> output)
    {
        if (!MqttTopic.IsValidTopicName(p.Topic))
        {
            throw new ArgumentException("A PUBLISH topic name must not be empty or contain '+' or '#' (MQTT-3.3.2-2).", nameof(p));
        }

        if (p.QualityOfService > MqttQualityOfService.ExactlyOnce || (p.QualityOfService == 0 && p.Duplicate))
        {
            throw new ArgumentException("A QoS 0 PUBLISH must not carry the DUP flag (MQTT-3.3.1-2), and QoS must be 0, 1 or 2.", nameof(p));
        }

        int topicBytes = MqttWireWriter.StringByteCount(p.Topic, "topic");
        bool hasId = p.QualityOfService > 0;
        if (hasId)
        {
            CheckId(p.PacketId);
        }

        long remaining = 2L + topicBytes + (hasId ? 2 : 0) + p.Payload.Length;
        byte header = (byte)(0x30 | (p.Duplicate ? 0x08 : 0) | ((int)p.QualityOfService << 1) | (p.Retain ? 0x01 : 0));
        MqttWireWriter w = Begin(output, header, remaining, out _);
        w.WriteString(p.Topic, topicBytes);
        if (hasId)
        {
            w.WriteUInt16(p.PacketId);
        }

        w.WriteBytes(p.Payload.Span);
        Finish(output, w);
    }

    private static void EncodeConnect(MqttConnectPacket c, IBufferWriter<byte> output)
    {
        int clientIdBytes = MqttWireWriter.StringByteCount(c.ClientId, "client id");
        long remaining = 10 + 2 + clientIdBytes;
        int willTopicBytes = 0;
        byte flags = (byte)(c.CleanSession ? 0x02 : 0);
        if (c.Will is { } will)
        {
            if (!MqttTopic.IsValidTopicName(will.Topic) || will.QualityOfService > MqttQualityOfService.ExactlyOnce || will.Payload.Length > ushort.MaxValue)
            {
                throw new ArgumentException("The will needs a topic name without wildcards, QoS 0-2 and at most 65,535 payload bytes.", nameof(c));
            }

            willTopicBytes = MqttWireWriter.StringByteCount(will.Topic, "will topic");
            remaining += 2 + willTopicBytes + 2 + will.Payload.Length;
            flags |= (byte)(0x04 | ((int)will.QualityOfService << 3) | (will.Retain ? 0x20 : 0));
        }

        int userBytes = 0;
        if (c.UserName is not null)
        {
            userBytes = MqttWireWriter.StringByteCount(c.UserName, "user name");
            remaining += 2 + userBytes;
            flags |= 0x80;
        }

        if (c.Password is { } password)
        {
            if (c.UserName is null || password.Length > ushort.MaxValue)
            {
                throw new ArgumentException("A password needs a user name (MQTT-3.1.2-22) and at most 65,535 bytes.", nameof(c));
            }

            remaining += 2 + password.Length;
            flags |= 0x40;
        }

        MqttWireWriter w = Begin(output, 0x10, remaining, out _);
        w.WriteString("MQTT", 4);
        w.WriteByte((byte)MqttProtocolVersion.V311);
        w.WriteByte(flags);
        w.WriteUInt16(c.KeepAliveSeconds);
        w.WriteString(c.ClientId, clientIdBytes);
        if (c.Will is { } wm)
        {
            w.WriteString(wm.Topic, willTopicBytes);
            w.WriteBinary(wm.Payload.Span);
        }

        if (c.UserName is not null)
        {
            w.WriteString(c.UserName, userBytes);
        }

        if (c.Password is { } pw)
        {
            w.WriteBinary(pw.Span);
        }

        Finish(output, w);
    }

    private static void EncodeConnAck(MqttConnAckPacket c, IBufferWriter<byte> output)
    {
        if (c.ReturnCode > MqttConnectReturnCode.NotAuthorized || (c.SessionPresent && c.ReturnCode != 0))
        {
            throw new ArgumentException("CONNACK needs a return code 0-5, and session-present only with code 0 (MQTT-3.2.2-4).", nameof(c));
        }

        Span<byte> span = output.GetSpan(4);
        span[0] = 0x20;
        span[1] = 2;
        span[2] = (byte)(c.SessionPresent ? 1 : 0);
        span[3] = (byte)c.ReturnCode;
        output.Advance(4);
    }

    private static void EncodeSubscribe(MqttSubscribePacket s, IBufferWriter<byte> output)
    {
        CheckId(s.PacketId);
        if (s.Subscriptions.Count == 0)
        {
            throw new ArgumentException("SUBSCRIBE needs at least one topic filter (MQTT-3.8.3-3).", nameof(s));
        }

        var sizes = new int[s.Subscriptions.Count];
        long remaining = 2;
        for (int i = 0; i < sizes.Length; i++)
        {
            MqttTopicSubscription sub = s.Subscriptions[i];
            if (!MqttTopic.IsValidTopicFilter(sub.TopicFilter) || sub.QualityOfService > MqttQualityOfService.ExactlyOnce)
            {
                throw new ArgumentException($"'{sub.TopicFilter}' is not a valid topic filter with QoS 0-2 (MQTT 3.1.1 §4.7.1).", nameof(s));
            }

            sizes[i] = MqttWireWriter.StringByteCount(sub.TopicFilter, "topic filter");
            remaining += 2 + sizes[i] + 1;
        }

        MqttWireWriter w = Begin(output, 0x82, remaining, out _);
        w.WriteUInt16(s.PacketId);
        for (int i = 0; i < sizes.Length; i++)
        {
            w.WriteString(s.Subscriptions[i].TopicFilter, sizes[i]);
            w.WriteByte((byte)s.Subscriptions[i].QualityOfService);
        }

        Finish(output, w);
    }

    private static void EncodeSubAck(MqttSubAckPacket s, IBufferWriter<byte> output)
    {
        CheckId(s.PacketId);
        if (s.ReturnCodes.Count == 0 || s.ReturnCodes.Any(c => c is not (MqttSubscribeReturnCode.GrantedQoS0 or MqttSubscribeReturnCode.GrantedQoS1 or MqttSubscribeReturnCode.GrantedQoS2 or MqttSubscribeReturnCode.Failure)))
        {
            throw new ArgumentException("SUBACK needs at least one return code among 0x00, 0x01, 0x02, 0x80.", nameof(s));
        }

        MqttWireWriter w = Begin(output, 0x90, 2 + s.ReturnCodes.Count, out _);
        w.WriteUInt16(s.PacketId);
        foreach (MqttSubscribeReturnCode code in s.ReturnCodes)
        {
            w.WriteByte((byte)code);
        }

        Finish(output, w);
    }

    private static void EncodeUnsubscribe(MqttUnsubscribePacket u, IBufferWriter<byte> output)
    {
        CheckId(u.PacketId);
        if (u.TopicFilters.Count == 0)
        {
            throw new ArgumentException("UNSUBSCRIBE needs at least one topic filter (MQTT-3.10.3-2).", nameof(u));
        }

        var sizes = new int[u.TopicFilters.Count];
        long remaining = 2;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (!MqttTopic.IsValidTopicFilter(u.TopicFilters[i]))
            {
                throw new ArgumentException($"'{u.TopicFilters[i]}' is not a valid topic filter (MQTT 3.1.1 §4.7.1).", nameof(u));
            }

            sizes[i] = MqttWireWriter.StringByteCount(u.TopicFilters[i], "topic filter");
            remaining += 2 + sizes[i];
        }

        MqttWireWriter w = Begin(output, 0xA2, remaining, out _);
        w.WriteUInt16(u.PacketId);
        for (int i = 0; i < sizes.Length; i++)
        {
            w.WriteString(u.TopicFilters[i], sizes[i]);
        }

        Finish(output, w);
    }
}
