using System.Buffers;

namespace IoTCerts.Mqtt;

/// <summary>
/// Maps MQTT packets to and from bytes for one protocol version. The client and transport only use this
/// interface, so another implementation (MQTT 5, or an adapter over another MQTT library's serializer) can be
/// plugged in through <see cref="MqttDeviceClientOptions.PacketCodec"/>.
/// </summary>
public interface IMqttPacketCodec
{
    /// <summary>The protocol version this codec speaks.</summary>
    MqttProtocolVersion ProtocolVersion { get; }

    /// <summary>The largest packet (fixed header included) this codec accepts when reading.</summary>
    int MaximumPacketSize { get; }

    /// <summary>
    /// Reads the fixed header at the start of <paramref name="buffer"/>. Returns <see langword="false"/> when more
    /// bytes are needed; otherwise the total length of the packet (fixed header included). Checks the declared length
    /// against <see cref="MaximumPacketSize"/> before anything is allocated.
    /// </summary>
    /// <exception cref="MqttProtocolException">The fixed header is malformed or announces a packet that is too large.</exception>
    bool TryReadPacketLength(ReadOnlySpan<byte> buffer, out int packetLength);

    /// <summary>Decodes exactly one complete packet.</summary>
    /// <exception cref="MqttProtocolException">The bytes are not exactly one valid packet.</exception>
    MqttPacket Decode(ReadOnlySpan<byte> packet);

    /// <summary>Encodes <paramref name="packet"/> to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">The packet breaks an MQTT rule (for example a wildcard in a topic name).</exception>
    void Encode(MqttPacket packet, IBufferWriter<byte> output);
}
