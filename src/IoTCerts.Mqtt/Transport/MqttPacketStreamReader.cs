namespace IoTCerts.Mqtt;

/// <summary>
/// Reads whole packets from a stream. The buffer grows only as bytes arrive (at most doubling), so a peer that
/// declares a huge packet and sends little cannot make the client allocate the declared size.
/// </summary>
internal sealed class MqttPacketStreamReader
{
    private const int InitialSize = 8 * 1024;
    private readonly Stream _stream;
    private readonly IMqttPacketCodec _codec;
    private byte[] _buffer = new byte[InitialSize];
    private int _start;
    private int _end;

    public MqttPacketStreamReader(Stream stream, IMqttPacketCodec codec)
    {
        _stream = stream;
        _codec = codec;
    }

    /// <summary>The next packet, or <see langword="null"/> when the stream ends cleanly between packets.</summary>
    /// <exception cref="MqttProtocolException">The bytes are not a valid packet, or the stream ends inside one.</exception>
    public async ValueTask<MqttPacket?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int available = _end - _start;
            if (_codec.TryReadPacketLength(_buffer.AsSpan(_start, available), out int length))
            {
                if (length <= available)
                {
                    MqttPacket packet = _codec.Decode(_buffer.AsSpan(_start, length));
                    _start += length;
                    if (_start == _end)
                    {
                        _start = _end = 0;
                    }

                    return packet;
                }

                MakeRoom(length);
            }
            else
            {
                MakeRoom(available + 1);
            }

            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return _end == _start ? null : throw new MqttProtocolException(MqttProtocolError.Truncated, "the connection closed in the middle of an MQTT packet");
            }

            _end += read;
        }
    }

    private void MakeRoom(int needed)
    {
        if (_buffer.Length - _start >= needed && _end < _buffer.Length)
        {
            return;
        }

        int available = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, available);
            _start = 0;
            _end = available;
        }

        if (_end == _buffer.Length)
        {
            // Grow only when full, never straight to the declared size.
            var larger = new byte[Math.Min(Math.Max(needed, InitialSize), checked(_buffer.Length * 2))];
            Buffer.BlockCopy(_buffer, 0, larger, 0, available);
            _buffer = larger;
        }
    }
}
