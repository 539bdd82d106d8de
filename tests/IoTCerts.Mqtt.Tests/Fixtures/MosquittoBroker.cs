using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>How a test broker authenticates clients.</summary>
public enum BrokerIdentity
{
    /// <summary>use_identity_as_username: user name = certificate CN (ACL %u works).</summary>
    CommonName,

    /// <summary>use_subject_as_username: user name = whole subject (shows which certificate was used).</summary>
    Subject,
}

/// <summary>
/// A real Debian mosquitto on 127.0.0.1 with a free port per TLS version (TLS 1.2 and TLS 1.3 listeners), mutual TLS
/// with cafile = root only, the intermediate's CRL and the ACL "pattern readwrite devices/%u/#". Killed on dispose.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string MosquittoPath = "/usr/sbin/mosquitto";
    private readonly string _configPath;
    private Process? _process;

    private MosquittoBroker(string directory, string configPath, int tls12Port, int tls13Port)
    {
        Directory = directory;
        _configPath = configPath;
        Tls12Port = tls12Port;
        Tls13Port = tls13Port;
    }

    public string Directory { get; }

    public int Tls12Port { get; }

    public int Tls13Port { get; }

    public string LogPath => Path.Combine(Directory, "broker.log");

    public int ProcessId => _process?.Id ?? 0;

    public static async Task<MosquittoBroker> StartAsync(TestPki pki, BrokerIdentity identity = BrokerIdentity.CommonName, bool persistence = false, bool crl = true, (string CertPath, string KeyPath)? serverFiles = null)
    {
        string dir = System.IO.Directory.CreateDirectory(Path.Combine(pki.Directory, "broker-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        File.WriteAllText(Path.Combine(dir, "acl.conf"), "pattern readwrite devices/%u/#\n\nuser observer\ntopic read devices/#\n");
        int p12 = FreePort();
        int p13 = FreePort();
        var conf = new StringBuilder();
        conf.AppendLine(persistence ? $"persistence true\npersistence_location {dir}/\nautosave_interval 0" : "persistence false");
        conf.AppendLine("user root");
        conf.AppendLine($"log_dest file {dir}/broker.log");
        conf.AppendLine("log_type all");
        conf.AppendLine("per_listener_settings false");
        conf.AppendLine("allow_anonymous false");
        if (identity == BrokerIdentity.CommonName)
        {
            conf.AppendLine($"acl_file {dir}/acl.conf");
        }

        foreach ((int port, string version) in new[] { (p12, "tlsv1.2"), (p13, "tlsv1.3") })
        {
            conf.AppendLine($"listener {port} 127.0.0.1");
            conf.AppendLine($"cafile {pki.RootPath}");
            conf.AppendLine($"certfile {serverFiles?.CertPath ?? pki.ServerCertPath}");
            conf.AppendLine($"keyfile {serverFiles?.KeyPath ?? pki.ServerKeyPath}");
            conf.AppendLine("require_certificate true");
            conf.AppendLine(identity == BrokerIdentity.CommonName ? "use_identity_as_username true" : "use_subject_as_username true");
            conf.AppendLine($"tls_version {version}");
            if (crl)
            {
                conf.AppendLine($"crlfile {pki.CrlPath}");
            }
        }

        string confPath = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(confPath, conf.ToString());
        var broker = new MosquittoBroker(dir, confPath, p12, p13);
        await broker.StartProcessAsync();
        return broker;
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Stops the broker with SIGTERM (it saves its persistence file) and waits for the process to end.</summary>
    public async Task StopAsync()
    {
        Process? process = _process;
        _process = null;
        if (process is null || process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(MosquittoPath, ["-c", _configPath])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}: {(File.Exists(LogPath) ? ReadLog() : "no log")}");
            }

            if (Accepts(Tls12Port) && Accepts(Tls13Port))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("mosquitto did not open its ports within 10 s");
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

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
