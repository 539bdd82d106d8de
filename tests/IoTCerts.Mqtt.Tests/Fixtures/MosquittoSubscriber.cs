using System.Collections.Concurrent;
using System.Diagnostics;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>
/// mosquitto_sub as an independent counter: persistent session (-c) with QoS 1, so messages published while it is
/// reconnecting after a broker restart are queued for it by the broker.
/// </summary>
public sealed class MosquittoSubscriber : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private MosquittoSubscriber(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Errors.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public ConcurrentQueue<string> Errors { get; } = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public static MosquittoSubscriber Start(TestPki pki, int port, string topic, string certPath, string keyPath, string clientId)
    {
        var info = new ProcessStartInfo("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cafile", pki.RootPath, "--cert", certPath, "--key", keyPath,
            "-t", topic, "-q", "1", "-c", "-i", clientId,
        ])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return new MosquittoSubscriber(Process.Start(info) ?? throw new InvalidOperationException("mosquitto_sub did not start"));
    }

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
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
