using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>mosquitto_sub as an independent observer of what the broker delivers (one "topic payload" line per message).</summary>
internal sealed class ObservingSubscriber : IAsyncDisposable
{
    private readonly Process _process;

    private ObservingSubscriber(Process process) => _process = process;

    public ConcurrentQueue<string> Lines { get; } = new();

    public static ObservingSubscriber Start(int port, string caFile, string certificateFile, string keyFile, string topicFilter)
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("mosquitto_sub",
            [
                "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture),
                "--cafile", caFile, "--cert", certificateFile, "--key", keyFile,
                "-t", topicFilter, "-q", "1", "-v", "-i", "observer",
            ])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        var subscriber = new ObservingSubscriber(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                subscriber.Lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return subscriber;
    }

    public async Task<bool> WaitForAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition(Lines))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition(Lines);
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
