using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Packets;

namespace IoTCerts.Mqtt.Tests.Transport;

public sealed class MqttPacketStreamReaderTests
{
    /// <summary>Hands out its data a few bytes at a time, like a slow network.</summary>
    private sealed class TricklingStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Packets_split_or_joined_across_reads_come_out_whole(int chunk)
    {
        var codec = new Mqtt311PacketCodec();
        byte[] big = new byte[20_000];
        big.AsSpan().Fill(7);
        byte[] bytes =
        [
            .. PacketDescriber.Encode(codec, new MqttConnAckPacket()),
            .. PacketDescriber.Encode(codec, new MqttPublishPacket { Topic = "a/b", Payload = big, QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 9 }),
            .. PacketDescriber.Encode(codec, MqttEmptyPacket.PingResp),
        ];
        var reader = new MqttPacketStreamReader(new TricklingStream(bytes, chunk), codec);

        Assert.IsType<MqttConnAckPacket>(await reader.ReadAsync(default));
        Assert.Equal(20_000, Assert.IsType<MqttPublishPacket>(await reader.ReadAsync(default)).Payload.Length);
        Assert.Same(MqttEmptyPacket.PingResp, await reader.ReadAsync(default));
        Assert.Null(await reader.ReadAsync(default));
    }

    [Fact]
    public async Task A_huge_declared_length_followed_by_little_data_allocates_in_proportion_to_the_data()
    {
        var codec = new Mqtt311PacketCodec(Mqtt311PacketCodec.MaximumRemainingLength + 5);
        byte[] bytes = new byte[5 + 100_000];
        PacketDescriber.Hex("30 FF FF FF 7F").CopyTo(bytes, 0);
        var reader = new MqttPacketStreamReader(new TricklingStream(bytes, 8192), codec);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = await Assert.ThrowsAsync<MqttProtocolException>(async () => await reader.ReadAsync(default));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(MqttProtocolError.Truncated, e.Error);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes for 100 KB of input declaring 256 MiB");
    }

    [Fact]
    public async Task A_declared_length_above_the_limit_fails_before_the_body_is_read()
    {
        var reader = new MqttPacketStreamReader(new MemoryStream(PacketDescriber.Hex("30 FF FF 7F")), new Mqtt311PacketCodec());
        var e = await Assert.ThrowsAsync<MqttProtocolException>(async () => await reader.ReadAsync(default));
        Assert.Equal(MqttProtocolError.PacketTooLarge, e.Error);
    }
}
