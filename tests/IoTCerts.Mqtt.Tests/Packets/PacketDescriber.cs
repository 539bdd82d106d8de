using System.Text;
using IoTCerts.Mqtt;

namespace IoTCerts.Mqtt.Tests.Packets;

/// <summary>A canonical text form of a packet so that round-trips can be compared field by field.</summary>
internal static class PacketDescriber
{
    public static string Describe(MqttPacket packet) => packet switch
    {
        MqttConnectPacket c => $"CONNECT id={c.ClientId} clean={c.CleanSession} ka={c.KeepAliveSeconds} user={c.UserName ?? "-"} pw={(c.Password is { } p ? Convert.ToHexString(p.Span) : "-")} will={(c.Will is { } w ? $"{w.Topic}/{Convert.ToHexString(w.Payload.Span)}/{w.QualityOfService}/{w.Retain}" : "-")}",
        MqttConnAckPacket a => $"CONNACK sp={a.SessionPresent} rc={a.ReturnCode}",
        MqttPublishPacket p => $"PUBLISH {p.Topic} q={p.QualityOfService} r={p.Retain} d={p.Duplicate} id={p.PacketId} {Convert.ToHexString(p.Payload.Span)}",
        MqttAckPacket a => $"{a.Type} {a.PacketId}",
        MqttSubscribePacket s => $"SUBSCRIBE {s.PacketId} " + string.Join(",", s.Subscriptions.Select(x => $"{x.TopicFilter}:{x.QualityOfService}")),
        MqttSubAckPacket s => $"SUBACK {s.PacketId} " + string.Join(",", s.ReturnCodes),
        MqttUnsubscribePacket u => $"UNSUBSCRIBE {u.PacketId} " + string.Join(",", u.TopicFilters),
        MqttEmptyPacket e => e.Type.ToString(),
        _ => throw new ArgumentException("unknown packet"),
    };

    public static byte[] Encode(IMqttPacketCodec codec, MqttPacket packet)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        codec.Encode(packet, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
