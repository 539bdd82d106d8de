using System.Collections.Concurrent;
using System.Diagnostics;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>
/// mosquitto_sub as an independent counter: persistent session (-c) with QoS 1, so messages published while it is
/// reconnecting after a broker restart are queued for it by the broker. mosquitto_sub exits when a reconnect hits a
/// TLS error (the broker going down mid-handshake), so it is started again with the same client id — its session,
/// and the messages queued in it, are kept by the broker.
/// </summary>
public sealed class MosquittoSubscriber : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ProcessStartInfo _info;
    private readonly object _sync = new();
    private Process _process;
    private bool _disposed;

    private MosquittoSubscriber(ProcessStartInfo info)
    {
        _info = info;
        _process = Launch();
    }

    public ConcurrentQueue<string> Errors { get; } = new();

    public int Restarts { get; private set; }

    public IReadOnlyCollection<string> Lines => _lines;

    public static MosquittoSubscriber Start(TestPki pki, int port, string topic, string certPath, string keyPath, string clientId) => new(
        new ProcessStartInfo("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cafile", pki.RootPath, "--cert", certPath, "--key", keyPath,
            "-t", topic, "-q", "1", "-c", "-i", clientId,
        ])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });

    public async Task<bool> WaitForAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition(_lines))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition(_lines);
    }

    public async ValueTask DisposeAsync()
    {
        Process process;
        lock (_sync)
        {
            _disposed = true;
            process = _process;
        }

        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private Process Launch()
    {
        var process = new Process { StartInfo = _info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Errors.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => _ = RelaunchAsync();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task RelaunchAsync()
    {
        await Task.Delay(200);
        lock (_sync)
        {
            if (_disposed || Restarts >= 50)
            {
                return;
            }

            Restarts++;
            _process = Launch();
        }
    }
}
