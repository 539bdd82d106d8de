using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Threading.Channels;

namespace IoTCerts.Mqtt;

/// <summary>
/// One TLS connection: a reader, and a single writer task that drains a queue and coalesces the packets queued
/// meanwhile into one TLS write (fewer records and syscalls under load).
/// </summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private const int CoalesceLimit = 64 * 1024;
    private readonly SslStream _stream;
    private readonly IMqttPacketCodec _codec;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _writer;
    private long _lastSent = Stopwatch.GetTimestamp();
    private int _aborted;

    public MqttConnection(SslStream stream, IMqttPacketCodec codec)
    {
        _stream = stream;
        _codec = codec;
        Reader = new MqttPacketStreamReader(stream, codec);
        Protocol = stream.SslProtocol;
        _writer = Task.Run(WriteLoopAsync);
    }

    public MqttPacketStreamReader Reader { get; }

    public SslProtocols Protocol { get; }

    public CancellationToken Closed => _closed.Token;

    public long ConnectedTimestamp { get; set; } = Stopwatch.GetTimestamp();

    /// <summary>Why the connection was aborted by us (write failure, keep-alive timeout), if it was.</summary>
    public Exception? AbortReason { get; private set; }

    public volatile bool PingOutstanding;

    public TimeSpan SinceLastSent => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastSent));

    /// <summary>Queues a packet; <see langword="false"/> when the connection is already closed.</summary>
    public bool Send(MqttPacket packet, TaskCompletionSource? written = null) =>
        _outgoing.Writer.TryWrite(new Outgoing(packet, written));

    /// <summary>Sends DISCONNECT (best effort, bounded wait) and closes.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Send(MqttEmptyPacket.Disconnect, written))
        {
            await Task.WhenAny(written.Task, Task.Delay(timeout)).ConfigureAwait(false);
        }

        Abort(null);
    }

    public void Abort(Exception? reason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        AbortReason = reason;
        _outgoing.Writer.TryComplete();
        _closed.Cancel();
        _stream.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Abort(null);
        await _writer.ConfigureAwait(false);
        _closed.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        var completions = new List<TaskCompletionSource>();
        ChannelReader<Outgoing> reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_closed.Token).ConfigureAwait(false))
            {
                while (buffer.WrittenCount < CoalesceLimit && reader.TryRead(out Outgoing item))
                {
                    _codec.Encode(item.Packet, buffer);
                    if (item.Written is not null)
                    {
                        completions.Add(item.Written);
                    }
                }

                await _stream.WriteAsync(buffer.WrittenMemory, _closed.Token).ConfigureAwait(false);
                await _stream.FlushAsync(_closed.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastSent, Stopwatch.GetTimestamp());
                buffer.ResetWrittenCount();
                foreach (TaskCompletionSource c in completions)
                {
                    c.TrySetResult();
                }

                completions.Clear();
            }
        }
        catch (Exception e)
        {
            Abort(e is OperationCanceledException ? null : e);
        }

        var lost = new MqttConnectException(MqttConnectError.ConnectionLost, "the connection closed before the packet was written");
        foreach (TaskCompletionSource c in completions)
        {
            c.TrySetException(lost);
        }

        while (reader.TryRead(out Outgoing rest))
        {
            rest.Written?.TrySetException(lost);
        }
    }

    private readonly record struct Outgoing(MqttPacket Packet, TaskCompletionSource? Written);
}
