namespace IoTCerts.Core.Tests.Loading;

/// <summary>The one bounded body reader (EST client, Cumulocity REST client, CRL fetcher): it stops a body past its bound.</summary>
public sealed class BoundedStreamReaderTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(40_000, 40_000)]
    [InlineData(40_000, 100_000)]
    public async Task A_body_within_the_bound_is_read_whole(int length, int maxBytes)
    {
        var body = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        var read = await BoundedStreamReader.ReadToEndAsync(new MemoryStream(body), maxBytes);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task A_body_one_byte_over_the_bound_is_refused()
    {
        var read = await BoundedStreamReader.ReadToEndAsync(new MemoryStream(new byte[40_001]), 40_000);

        Assert.Null(read);
    }

    [Fact]
    public async Task An_endless_body_stops_soon_after_the_bound()
    {
        using var endless = new EndlessStream();

        var read = await BoundedStreamReader.ReadToEndAsync(endless, 1024 * 1024);

        Assert.Null(read);
        Assert.InRange(endless.Produced, 1024 * 1024, (1024 * 1024) + (64 * 1024));
    }

    [Fact]
    public async Task A_negative_bound_is_a_misuse()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => BoundedStreamReader.ReadToEndAsync(new MemoryStream(), -1));
    }

    // A hostile peer that never stops sending.
    private sealed class EndlessStream : Stream
    {
        public long Produced { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Produced; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)0x41, offset, count);
            Produced += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
