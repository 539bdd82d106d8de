using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// A real Debian mosquitto on 127.0.0.1 (free port) requiring a client certificate that chains to the PKI root, with
/// <c>use_subject_as_username</c>: its log shows the subject of the certificate each connection presented.
/// Started and stopped the way the MQTT tests do (wait for the port; SIGTERM-like kill and wait on dispose).
/// </summary>
internal sealed class AgentBroker : IAsyncDisposable
{
    private const string Mosquitto = "/usr/sbin/mosquitto";
    private readonly Process _process;

    private AgentBroker(Process process, int port, string logPath)
    {
        _process = process;
        Port = port;
        LogPath = logPath;
    }

    public int Port { get; }

    public string LogPath { get; }

    public static async Task<AgentBroker> StartAsync(string directory, string caFile, string certificateFile, string keyFile)
    {
        int port = FreePort();
        string logPath = Path.Combine(directory, "broker.log");
        string configPath = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllLines(configPath,
        [
            "persistence false",
            "user root",
            $"log_dest file {logPath}",
            "log_type all",
            "allow_anonymous false",
            $"listener {port} 127.0.0.1",
            $"cafile {caFile}",
            $"certfile {certificateFile}",
            $"keyfile {keyFile}",
            "require_certificate true",
            "use_subject_as_username true",
        ]);
        var process = Process.Start(new ProcessStartInfo(Mosquitto, ["-c", configPath])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var broker = new AgentBroker(process, port, logPath);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}: {(File.Exists(logPath) ? broker.ReadLog() : "no log")}");
            }

            if (Accepts(port))
            {
                return broker;
            }

            await Task.Delay(20);
        }

        await broker.DisposeAsync();
        throw new TimeoutException("mosquitto did not open its port within 10 s");
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The "New client connected ... u'subject'" lines, in order.</summary>
    public string[] ConnectLines() => ReadLog().Split('\n').Where(l => l.Contains("New client connected", StringComparison.Ordinal)).ToArray();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
