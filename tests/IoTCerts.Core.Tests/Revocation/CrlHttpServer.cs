using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (raw TcpListener, one request per connection) serving CRLs with scripted
/// behaviour: normal, slow, huge, 404, redirect loop. Counts requests per path.
/// </summary>
internal sealed class CrlHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, Func<Stream, Task>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public CrlHttpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public int Requests(string path) => _counts.TryGetValue(path, out var n) ? n : 0;

    public void Serve(string path, byte[] body, TimeSpan delay = default) => _routes[path] = async stream =>
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _stop.Token);
        }

        await Write(stream, "200 OK", body, withLength: true);
    };

    public void ServeHuge(string path, int size, bool withLength) => _routes[path] = stream => Write(stream, "200 OK", new byte[size], withLength);

    public void ServeStatus(string path, int status, string reason) => _routes[path] = stream => Write(stream, $"{status} {reason}", Encoding.ASCII.GetBytes(reason), withLength: true);

    public void ServeRedirectLoop(string path) => _routes[path] = async stream =>
    {
        var head = $"HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private static async Task Write(Stream stream, string status, byte[] body, bool withLength)
    {
        var head = $"HTTP/1.1 {status}\r\nContent-Type: application/pkix-crl\r\n{(withLength ? $"Content-Length: {body.Length}\r\n" : string.Empty)}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => Handle(client));
        }
    }

    private async Task Handle(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var path = await ReadPath(stream);
                _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
                if (_routes.TryGetValue(path, out var route))
                {
                    await route(stream);
                }
                else
                {
                    await Write(stream, "404 Not Found", Encoding.ASCII.GetBytes("not found"), withLength: true);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client gave up (timeout, size cap): nothing to do.
            }
        }
    }

    private static async Task<string> ReadPath(Stream stream)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length));
            if (read == 0)
            {
                break;
            }

            length += read;
            if (Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        var requestLine = Encoding.ASCII.GetString(buffer, 0, length).Split("\r\n")[0];
        return requestLine.Split(' ')[1];
    }
}
