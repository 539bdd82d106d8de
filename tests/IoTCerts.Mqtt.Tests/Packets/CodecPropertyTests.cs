using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using IoTCerts.Mqtt;
using static IoTCerts.Mqtt.Tests.Packets.PacketDescriber;

namespace IoTCerts.Mqtt.Tests.Packets;

public sealed class CodecPropertyTests
{
    private static readonly Mqtt311PacketCodec Codec = new();
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<string> Level =
        Gen.Elements("a", "b", "devices", "s", "dat", "ä", "€", "😀", "x y", "$SYS", "0", "")
            .ArrayOf().Select(parts => string.Concat(parts));

    private static readonly Gen<string> TopicName =
        Level.ArrayOf().Where(a => a.Length > 0).Select(levels => string.Join("/", levels)).Where(t => t.Length > 0);

    private static readonly Gen<string> TopicFilter =
        Gen.OneOf(Level, Gen.Constant("+")).ArrayOf().Where(a => a.Length > 0)
            .SelectMany(levels => Gen.Elements(false, true), (levels, hash) => string.Join("/", hash ? [.. levels, "#"] : levels))
            .Where(f => f.Length > 0);

    private static readonly Gen<byte[]> Payload = ArbMap.Default.GeneratorFor<byte[]>();
    private static readonly Gen<ushort> PacketId = Gen.Choose(1, 65535).Select(i => (ushort)i);
    private static readonly Gen<MqttQualityOfService> Qos = Gen.Elements(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce);

    private static readonly Gen<MqttPacket> Publish =
        from topic in TopicName
        from payload in Payload
        from qos in Qos
        from retain in Gen.Elements(false, true)
        from dup in Gen.Elements(false, true)
        from id in PacketId
        select (MqttPacket)new MqttPublishPacket
        {
            Topic = topic,
            Payload = payload,
            QualityOfService = qos,
            Retain = retain,
            Duplicate = qos != 0 && dup,
            PacketId = qos == 0 ? (ushort)0 : id,
        };

    private static readonly Gen<MqttPacket> Connect =
        from clientId in Level
        from clean in Gen.Elements(false, true)
        from keepAlive in Gen.Choose(0, 65535)
        from user in Gen.OneOf(Gen.Constant<string?>(null), Level.Select(s => (string?)s))
        from password in Gen.OneOf(Gen.Constant<byte[]?>(null), Payload.Select(p => (byte[]?)p))
        from hasWill in Gen.Elements(false, true)
        from willTopic in TopicName
        from willPayload in Payload
        from willQos in Qos
        from willRetain in Gen.Elements(false, true)
        select (MqttPacket)new MqttConnectPacket
        {
            ClientId = clientId,
            CleanSession = clean,
            KeepAliveSeconds = (ushort)keepAlive,
            UserName = user,
            Password = user is null || password is null ? (ReadOnlyMemory<byte>?)null : password,
            Will = hasWill ? new MqttWillMessage { Topic = willTopic, Payload = willPayload, QualityOfService = willQos, Retain = willRetain } : null,
        };

    private static readonly Gen<MqttPacket> AnyPacket = Gen.OneOf(
        Publish,
        Connect,
        from sp in Gen.Elements(false, true)
        from rc in Gen.Choose(0, 5)
        select (MqttPacket)new MqttConnAckPacket { SessionPresent = sp && rc == 0, ReturnCode = (MqttConnectReturnCode)rc },
        from type in Gen.Elements(MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp, MqttPacketType.UnsubAck)
        from id in PacketId
        select (MqttPacket)new MqttAckPacket(type, id),
        from id in PacketId
        from subs in (from f in TopicFilter from q in Qos select new MqttTopicSubscription(f, q)).NonEmptyListOf()
        select (MqttPacket)new MqttSubscribePacket { PacketId = id, Subscriptions = subs.ToArray() },
        from id in PacketId
        from codes in Gen.Elements(MqttSubscribeReturnCode.GrantedQoS0, MqttSubscribeReturnCode.GrantedQoS1, MqttSubscribeReturnCode.GrantedQoS2, MqttSubscribeReturnCode.Failure).NonEmptyListOf()
        select (MqttPacket)new MqttSubAckPacket { PacketId = id, ReturnCodes = codes.ToArray() },
        from id in PacketId
        from filters in TopicFilter.NonEmptyListOf()
        select (MqttPacket)new MqttUnsubscribePacket { PacketId = id, TopicFilters = filters.ToArray() },
        Gen.Elements<MqttPacket>(MqttEmptyPacket.PingReq, MqttEmptyPacket.PingResp, MqttEmptyPacket.Disconnect));

    [Property]
    public Property Every_valid_packet_round_trips_field_by_field_and_byte_by_byte()
    {
        return Prop.ForAll(AnyPacket.ToArbitrary(), packet =>
        {
            byte[] bytes = Encode(Codec, packet);
            Assert.True(Codec.TryReadPacketLength(bytes, out int length));
            Assert.Equal(bytes.Length, length);
            MqttPacket decoded = Codec.Decode(bytes);
            Assert.Equal(Describe(packet), Describe(decoded));
            Assert.Equal(bytes, Encode(Codec, decoded));
        });
    }

    // Mutations of valid encodings reach deep into the decoders; random bytes test the fixed header.
    private static readonly Gen<byte[]> Mutated =
        from packet in AnyPacket
        from kind in Gen.Choose(0, 3)
        from position in Gen.Choose(0, 1_000_000)
        from value in Gen.Choose(0, 255)
        select Mutate(Encode(Codec, packet), kind, position, (byte)value);

    private static byte[] Mutate(byte[] bytes, int kind, int position, byte value)
    {
        int at = position % bytes.Length;
        switch (kind)
        {
            case 0: bytes[at] = value; return bytes;
            case 1: return bytes[..at];
            case 2: return [.. bytes[..at], value, .. bytes[at..]];
            default: bytes[at] ^= (byte)(1 << (value % 8)); return bytes;
        }
    }

    [Property(MaxTest = 3000)]
    public Property Malformed_input_fails_only_with_our_protocol_error_and_what_is_accepted_is_canonical()
    {
        var input = Gen.OneOf(Mutated, Payload).ToArbitrary();
        return Prop.ForAll(input, bytes =>
        {
            try
            {
                MqttPacket packet = Codec.Decode(bytes);

                // Strict decoding leaves no alternative encodings: re-encoding gives back the same bytes.
                Assert.Equal(bytes, Encode(Codec, packet));
            }
            catch (MqttProtocolException)
            {
            }
        });
    }

    [Fact]
    public void A_huge_declared_length_with_little_data_allocates_almost_nothing()
    {
        var codec = new Mqtt311PacketCodec(Mqtt311PacketCodec.MaximumRemainingLength + 5);
        byte[] header = Hex("30 FF FF FF 7F 00 01 61");
        Codec.TryDecode(Hex("C0 00"), out _, out _); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(codec.TryReadPacketLength(header, out int declared));
        var e = Assert.Throws<MqttProtocolException>(() => codec.Decode(header));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(268_435_460, declared);
        Assert.Equal(MqttProtocolError.Truncated, e.Error);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Property]
    public Property Topic_matching_properties_hold_for_generated_topics()
    {
        return Prop.ForAll(TopicName.ToArbitrary(), topic =>
        {
            Assert.True(MqttTopic.IsValidTopicName(topic));
            Assert.True(MqttTopic.IsValidTopicFilter(topic));

            // A topic name used as a filter matches exactly itself; "#" matches everything but '$' topics (MQTT-4.7.2-1).
            Assert.True(MqttTopic.Matches(topic, topic));
            Assert.Equal(!topic.StartsWith('$'), MqttTopic.Matches("#", topic));
            Assert.False(MqttTopic.Matches(topic + "/x", topic));

            // Replacing any level by '+' still matches, unless it is the first level of a '$' topic.
            string[] levels = topic.Split('/');
            for (int i = 0; i < levels.Length; i++)
            {
                string[] copy = [.. levels];
                copy[i] = "+";
                Assert.Equal(!(i == 0 && topic.StartsWith('$')), MqttTopic.Matches(string.Join("/", copy), topic));
            }
        });
    }
}
