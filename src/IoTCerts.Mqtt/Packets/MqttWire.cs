using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace IoTCerts.Mqtt;

/// <summary>Bounded reader over one packet body; every overrun is a <see cref="MqttProtocolError.Truncated"/>.</summary>
internal ref struct MqttWireReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public MqttWireReader(ReadOnlySpan<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Remaining => _span.Length - _position;

    public byte ReadByte()
    {
        if (Remaining < 1)
        {
            throw new MqttProtocolException(MqttProtocolError.Truncated);
        }

        return _span[_position++];
    }

    public ushort ReadUInt16()
    {
        if (Remaining < 2)
        {
            throw new MqttProtocolException(MqttProtocolError.Truncated);
        }

        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_span.Slice(_position));
        _position += 2;
        return value;
    }

    public ushort ReadPacketId()
    {
        ushort id = ReadUInt16();
        return id == 0 ? throw new MqttProtocolException(MqttProtocolError.InvalidPacketIdentifier) : id;
    }

    public ReadOnlySpan<byte> ReadBinary()
    {
        int length = ReadUInt16();
        return ReadBytes(length);
    }

    public ReadOnlySpan<byte> ReadBytes(int length)
    {
        if (Remaining < length)
        {
            throw new MqttProtocolException(MqttProtocolError.Truncated);
        }

        ReadOnlySpan<byte> bytes = _span.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public ReadOnlySpan<byte> ReadRest() => ReadBytes(Remaining);

    // MQTT 3.1.1 §1.5.3: well-formed UTF-8 (no surrogates, MQTT-1.5.3-1) and no U+0000 (MQTT-1.5.3-2).
    public string ReadString()
    {
        ReadOnlySpan<byte> bytes = ReadBinary();
        if (!Utf8.IsValid(bytes) || bytes.Contains((byte)0))
        {
            throw new MqttProtocolException(MqttProtocolError.InvalidUtf8String);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new MqttProtocolException(MqttProtocolError.TrailingBytes);
        }
    }
}

/// <summary>Writer over a span sized exactly by the encoder.</summary>
internal ref struct MqttWireWriter
{
    // Strict: a lone surrogate in a string is a caller error, never silently replaced by '?'.
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Span<byte> _span;
    private int _position;

    public MqttWireWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span.Slice(_position), value);
        _position += 2;
    }

    public void WriteRemainingLength(int value)
    {
        do
        {
            byte digit = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                digit |= 0x80;
            }

            WriteByte(digit);
        }
        while (value > 0);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_span.Slice(_position));
        _position += bytes.Length;
    }

    public void WriteBinary(ReadOnlySpan<byte> bytes)
    {
        WriteUInt16((ushort)bytes.Length);
        WriteBytes(bytes);
    }

    public void WriteString(string value, int byteCount)
    {
        WriteUInt16((ushort)byteCount);
        _position += StrictUtf8.GetBytes(value, _span.Slice(_position));
    }

    public static int RemainingLengthSize(int value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    /// <summary>The UTF-8 length of <paramref name="value"/>, checked against the 65,535-byte limit of MQTT strings.</summary>
    public static int StringByteCount(string value, string what)
    {
        int count;
        try
        {
            count = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The {what} is not valid UTF-16 text (lone surrogate).", what, e);
        }

        if (count > MqttTopic.MaximumLength)
        {
            throw new ArgumentException($"The {what} is longer than 65,535 UTF-8 bytes.", what);
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The {what} contains U+0000, which MQTT forbids (MQTT-1.5.3-2).", what);
        }

        return count;
    }
}
