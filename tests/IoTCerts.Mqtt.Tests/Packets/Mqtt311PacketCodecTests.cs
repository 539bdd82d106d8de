using IoTCerts.Mqtt;
using static IoTCerts.Mqtt.Tests.Packets.PacketDescriber;

namespace IoTCerts.Mqtt.Tests.Packets;

public sealed class Mqtt311PacketCodecTests
{
    private readonly Mqtt311PacketCodec _codec = new();

    // Byte layouts from MQTT 3.1.1 §3 (worked by hand from the field tables).
    public static TheoryData<string, string> KnownEncodings => new()
    {
        { "PINGREQ", "C0 00" },
        { "PINGRESP", "D0 00" },
        { "DISCONNECT", "E0 00" },
        { "PUBACK", "40 02 12 34" },
        { "PUBREL", "62 02 00 01" },
        { "CONNACK", "20 02 01 00" },
        { "PUBLISH0", "30 07 00 03 61 2F 62 68 69" },
        { "PUBLISH1", "3B 09 00 03 61 2F 62 00 07 68 69" },
        { "SUBSCRIBE", "82 08 00 05 00 03 61 2F 23 01" },
        { "SUBACK", "90 04 00 05 00 80" },
        { "UNSUBSCRIBE", "A2 07 00 05 00 03 61 2F 2B" },
        { "CONNECT", "10 10 00 04 4D 51 54 54 04 02 00 3C 00 04 64 65 76 31" },
    };

    private MqttPacket Sample(string name) => name switch
    {
        "PINGREQ" => MqttEmptyPacket.PingReq,
        "PINGRESP" => MqttEmptyPacket.PingResp,
        "DISCONNECT" => MqttEmptyPacket.Disconnect,
        "PUBACK" => new MqttAckPacket(MqttPacketType.PubAck, 0x1234),
        "PUBREL" => new MqttAckPacket(MqttPacketType.PubRel, 1),
        "CONNACK" => new MqttConnAckPacket { SessionPresent = true, ReturnCode = MqttConnectReturnCode.Accepted },
        "PUBLISH0" => new MqttPublishPacket { Topic = "a/b", Payload = Utf8("hi") },
        "PUBLISH1" => new MqttPublishPacket { Topic = "a/b", Payload = Utf8("hi"), QualityOfService = MqttQualityOfService.AtLeastOnce, Duplicate = true, Retain = true, PacketId = 7 },
        "SUBSCRIBE" => new MqttSubscribePacket { PacketId = 5, Subscriptions = [new("a/#", MqttQualityOfService.AtLeastOnce)] },
        "SUBACK" => new MqttSubAckPacket { PacketId = 5, ReturnCodes = [MqttSubscribeReturnCode.GrantedQoS0, MqttSubscribeReturnCode.Failure] },
        "UNSUBSCRIBE" => new MqttUnsubscribePacket { PacketId = 5, TopicFilters = ["a/+"] },
        "CONNECT" => new MqttConnectPacket { ClientId = "dev1", CleanSession = true, KeepAliveSeconds = 60 },
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(KnownEncodings))]
    public void Encodes_exactly_the_bytes_the_spec_defines_and_decodes_them_back(string name, string hex)
    {
        MqttPacket packet = Sample(name);
        Assert.Equal(hex.Replace(" ", string.Empty, StringComparison.Ordinal), Convert.ToHexString(Encode(_codec, packet)));
        Assert.Equal(Describe(packet), Describe(_codec.Decode(Hex(hex))));
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    public void Remaining_length_uses_the_minimal_variable_byte_encoding(int payloadPlusHeader, string expected)
    {
        // PUBLISH QoS 0 with topic "t": remaining = 3 + payload.
        if (payloadPlusHeader < 3)
        {
            var ping = Encode(_codec, MqttEmptyPacket.PingReq);
            Assert.Equal(expected.Replace(" ", string.Empty, StringComparison.Ordinal), Convert.ToHexString(ping, 1, 1));
            return;
        }

        var codec = new Mqtt311PacketCodec(Mqtt311PacketCodec.MaximumRemainingLength + 5);
        var packet = new MqttPublishPacket { Topic = "t", Payload = new byte[payloadPlusHeader - 3] };
        byte[] bytes = Encode(codec, packet);
        string lengthHex = expected.Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.Equal(lengthHex, Convert.ToHexString(bytes, 1, lengthHex.Length / 2));
        Assert.True(codec.TryReadPacketLength(bytes, out int total));
        Assert.Equal(bytes.Length, total);
        Assert.Equal(payloadPlusHeader - 3, ((MqttPublishPacket)codec.Decode(bytes)).Payload.Length);
    }

    [Theory]
    [InlineData("30 80 00", MqttProtocolError.MalformedRemainingLength)] // non-minimal 0
    [InlineData("30 FF FF FF FF 01", MqttProtocolError.MalformedRemainingLength)] // five length bytes
    [InlineData("00 00", MqttProtocolError.InvalidPacketType)]
    [InlineData("F0 00", MqttProtocolError.InvalidPacketType)]
    [InlineData("C1 00", MqttProtocolError.InvalidFixedHeaderFlags)]
    [InlineData("60 02 00 01", MqttProtocolError.InvalidFixedHeaderFlags)] // PUBREL needs 0010
    [InlineData("80 06 00 01 00 01 61 00", MqttProtocolError.InvalidFixedHeaderFlags)] // SUBSCRIBE needs 0010
    [InlineData("C0 01 00", MqttProtocolError.TrailingBytes)]
    [InlineData("40 03 00 01 00", MqttProtocolError.TrailingBytes)]
    [InlineData("40 01 00", MqttProtocolError.Truncated)]
    [InlineData("40 02 00 00", MqttProtocolError.InvalidPacketIdentifier)]
    [InlineData("36 05 00 01 61 00 01", MqttProtocolError.InvalidQualityOfService)] // QoS 3
    [InlineData("38 03 00 01 61", MqttProtocolError.InvalidQualityOfService)] // QoS 0 + DUP
    [InlineData("30 03 00 01 23", MqttProtocolError.InvalidTopicName)] // '#'
    [InlineData("30 04 00 02 61 2B", MqttProtocolError.InvalidTopicName)] // 'a+'
    [InlineData("30 02 00 00", MqttProtocolError.InvalidTopicName)] // empty
    [InlineData("30 03 00 01 00", MqttProtocolError.InvalidUtf8String)] // U+0000
    [InlineData("30 05 00 03 ED A0 80", MqttProtocolError.InvalidUtf8String)] // encoded surrogate
    [InlineData("30 03 00 01 FF", MqttProtocolError.InvalidUtf8String)]
    [InlineData("32 03 00 01 61", MqttProtocolError.Truncated)] // QoS 1 without packet id
    [InlineData("32 05 00 01 61 00 00", MqttProtocolError.InvalidPacketIdentifier)]
    [InlineData("20 02 02 00", MqttProtocolError.InvalidConnectFlags)] // reserved ack flag bit
    [InlineData("20 02 01 05", MqttProtocolError.InvalidConnectFlags)] // session present with refusal
    [InlineData("20 02 00 06", MqttProtocolError.InvalidReturnCode)]
    [InlineData("20 03 00 00 00", MqttProtocolError.TrailingBytes)]
    [InlineData("90 02 00 01", MqttProtocolError.EmptyPayload)]
    [InlineData("90 03 00 01 03", MqttProtocolError.InvalidReturnCode)]
    [InlineData("82 02 00 01", MqttProtocolError.EmptyPayload)]
    [InlineData("82 07 00 01 00 02 61 23 00", MqttProtocolError.InvalidTopicFilter)] // "a#"
    [InlineData("82 08 00 01 00 03 23 2F 61 00", MqttProtocolError.InvalidTopicFilter)] // "#/a"
    [InlineData("82 06 00 01 00 01 61 04", MqttProtocolError.InvalidQualityOfService)] // reserved bits
    [InlineData("A2 02 00 01", MqttProtocolError.EmptyPayload)]
    [InlineData("10 10 00 04 4D 51 54 54 03 02 00 3C 00 04 64 65 76 31", MqttProtocolError.UnsupportedProtocolVersion)]
    [InlineData("10 10 00 04 4D 51 54 58 04 02 00 3C 00 04 64 65 76 31", MqttProtocolError.UnsupportedProtocolVersion)]
    [InlineData("10 10 00 04 4D 51 54 54 04 03 00 3C 00 04 64 65 76 31", MqttProtocolError.InvalidConnectFlags)] // reserved bit
    [InlineData("10 10 00 04 4D 51 54 54 04 42 00 3C 00 04 64 65 76 31", MqttProtocolError.InvalidConnectFlags)] // password without user
    [InlineData("10 10 00 04 4D 51 54 54 04 0A 00 3C 00 04 64 65 76 31", MqttProtocolError.InvalidConnectFlags)] // will QoS without will
    [InlineData("10 10 00 04 4D 51 54 54 04 1E 00 3C 00 04 64 65 76 31", MqttProtocolError.InvalidQualityOfService)] // will QoS 3
    public void Rejects_what_the_spec_forbids_with_a_specific_error(string hex, MqttProtocolError expected)
    {
        var e = Assert.Throws<MqttProtocolException>(() => _codec.Decode(Hex(hex)));
        Assert.Equal(expected, e.Error);
        Assert.False(_codec.TryDecode(Hex(hex), out _, out MqttProtocolError error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_declared_length_above_the_limit_is_refused_from_the_header_alone()
    {
        var codec = new Mqtt311PacketCodec(1000);
        var e = Assert.Throws<MqttProtocolException>(() => codec.TryReadPacketLength(Hex("30 FF FF FF 7F"), out _));
        Assert.Equal(MqttProtocolError.PacketTooLarge, e.Error);
        Assert.Contains("268435460", e.Message, StringComparison.Ordinal);
        Assert.False(codec.TryReadPacketLength(Hex("30 FF"), out _)); // needs more bytes, not an error yet
    }

    [Theory]
    [InlineData("a/+")]
    [InlineData("a/#/b")]
    [InlineData("")]
    public void Encoding_refuses_an_invalid_publish_topic(string topic)
    {
        Assert.Throws<ArgumentException>(() => Encode(_codec, new MqttPublishPacket { Topic = topic }));
    }

    [Fact]
    public void Encoding_refuses_packet_id_zero_and_dup_on_qos0_and_lone_surrogates()
    {
        Assert.Throws<ArgumentException>(() => Encode(_codec, new MqttAckPacket(MqttPacketType.PubAck, 0)));
        Assert.Throws<ArgumentException>(() => Encode(_codec, new MqttPublishPacket { Topic = "a", Duplicate = true }));
        Assert.Throws<ArgumentException>(() => Encode(_codec, new MqttPublishPacket { Topic = "a\uD800" }));
        Assert.Throws<ArgumentException>(() => Encode(_codec, new MqttPublishPacket { Topic = "a", QualityOfService = MqttQualityOfService.AtLeastOnce }));
    }

    [Theory]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/x", true)]
    [InlineData("+/+", "/x", true)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("s/dat", "s/dat", true)]
    public void Topic_filters_match_as_section_4_7_describes(string filter, string topic, bool matches)
    {
        Assert.Equal(matches, MqttTopic.Matches(filter, topic));
    }
}
