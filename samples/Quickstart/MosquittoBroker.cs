using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IoTCerts.Samples.Quickstart;

/// <summary>A mosquitto broker on 127.0.0.1 (free port) that requires a client certificate from the quickstart's root.</summary>
internal sealed class MosquittoBroker : IDisposable
{
    private readonly Process _process;

    private MosquittoBroker(Process process, int port, string logFile)
    {
        _process = process;
        Port = port;
        LogFile = logFile;
    }

    public int Port { get; }

    public string LogFile { get; }

    /// <summary>The mosquitto executable on PATH, or null when it is not installed.</summary>
    public static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Concat(["/usr/sbin", "/usr/local/sbin"]))
        {
            string candidate = Path.Combine(dir, "mosquitto");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<MosquittoBroker> StartAsync(string executable, string directory, string caFile, string certificateChainFile, string keyFile)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        string logFile = Path.Combine(directory, "mosquitto.log");
        string config = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllLines(config,
        [
            $"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "require_certificate true",
            "use_identity_as_username true",
            $"cafile {caFile}",
            $"certfile {certificateChainFile}",
            $"keyfile {keyFile}",
            $"log_dest file {logFile}",
            "log_type all",
            // Run as root (CI): stay root, the files are in a private directory mosquitto's own user cannot read.
            "user root",
        ]);
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        var broker = new MosquittoBroker(process, port, logFile);
        for (int i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            if (File.Exists(logFile) && (await File.ReadAllTextAsync(logFile)).Contains($"listen socket on port {port}", StringComparison.Ordinal))
            {
                return broker;
            }

            await Task.Delay(100);
        }

        broker.Dispose();
        throw new TimeoutException("mosquitto did not open its port within 10 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
