using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

// Publishes N QoS 1 messages to a local mosquitto (mutual TLS) with MqttDeviceClient and with `mosquitto_pub -l -q 1`
// fed the same lines, in the same run, and writes a markdown table.
//   dotnet run -c Release --project benchmarks/IoTCerts.Mqtt.PublishBenchmark -- [count] [output.md]
int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
string outputPath = args.Length > 1 ? args[1] : Path.Combine(FindRepoRoot(), "benchmarks", "results", "mqtt-publish.md");
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var pki = new TestPki();
await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, crl: false);
string[] lines = Enumerable.Range(0, count).Select(i => $"m{i:D7}").ToArray();
byte[][] payloads = lines.Select(Encoding.UTF8.GetBytes).ToArray();
var rows = new List<(string Name, double Seconds, string Note)>();

foreach ((SslProtocols protocol, int window) in WindowRuns())
{
    string cn = $"bench-{(protocol == SslProtocols.Tls13 ? "13" : "12")}-{window}";
    var options = new MqttDeviceClientOptions
    {
        Host = "127.0.0.1",
        Port = protocol == SslProtocols.Tls13 ? broker.Tls13Port : broker.Tls12Port,
        Credential = pki.Device(cn),
        ServerCertificateValidator = pki.Validator,
        SslProtocols = protocol,
        MaxInflightMessages = window,
    };
    await using var client = new MqttDeviceClient(options);
    var total = Stopwatch.StartNew();
    MqttConnectResult result = await client.ConnectAsync();
    if (!result.IsAccepted)
    {
        throw new InvalidOperationException(result.Reason);
    }

    string topic = $"devices/{cn}/data";
    var publishOnly = Stopwatch.StartNew();

    // The in-flight window (MaxInflightMessages) is the only throttle: PublishAsync waits for a free slot.
    var pending = new Task[count];
    for (int i = 0; i < count; i++)
    {
        pending[i] = client.PublishAsync(topic, payloads[i], MqttQualityOfService.AtLeastOnce);
    }

    await Task.WhenAll(pending);
    publishOnly.Stop();
    await client.DisconnectAsync();
    total.Stop();
    string tls = protocol == SslProtocols.Tls13 ? "TLS 1.3" : "TLS 1.2";
    rows.Add(($"MqttDeviceClient, {tls}, in-flight window {window}", total.Elapsed.TotalSeconds, $"publish phase alone: {count / publishOnly.Elapsed.TotalSeconds:N0} msg/s"));
    Console.WriteLine($"{rows[^1].Name}: {count / total.Elapsed.TotalSeconds:N0} msg/s ({rows[^1].Note})");
}

(string certPath, string keyPath) = pki.WriteFiles("bench-pub", pki.Device("bench-pub"));
string input = Path.Combine(pki.Directory, "lines.txt");
File.WriteAllText(input, string.Join('\n', lines) + "\n");
foreach (string version in new[] { "tlsv1.3", "tlsv1.2" })
{
    int port = version == "tlsv1.3" ? broker.Tls13Port : broker.Tls12Port;
    var info = new ProcessStartInfo("mosquitto_pub",
    [
        "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--cafile", pki.RootPath,
        "--cert", certPath, "--key", keyPath, "--tls-version", version, "-i", "bench-pub",
        "-t", "devices/bench-pub/data", "-q", "1", "-l",
    ])
    {
        RedirectStandardInput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    var watch = Stopwatch.StartNew();
    using Process process = Process.Start(info)!;
    Task<string> errors = process.StandardError.ReadToEndAsync();
    await using (FileStream source = File.OpenRead(input))
    {
        await source.CopyToAsync(process.StandardInput.BaseStream);
    }

    process.StandardInput.Close();
    await process.WaitForExitAsync();
    watch.Stop();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"mosquitto_pub failed ({process.ExitCode}): {await errors}");
    }

    string tls = version == "tlsv1.3" ? "TLS 1.3" : "TLS 1.2";
    rows.Add(($"mosquitto_pub -l -q 1, {tls} (libmosquitto default in-flight 20)", watch.Elapsed.TotalSeconds, "process start to exit"));
    Console.WriteLine($"{rows[^1].Name}: {count / watch.Elapsed.TotalSeconds:N0} msg/s");
}

// The broker must have received every message of every run.
string log = broker.ReadLog();
int received = log.Split('\n').Count(l => l.Contains("Received PUBLISH from", StringComparison.Ordinal));

var md = new StringBuilder();
md.AppendLine("# MQTT publish throughput: MqttDeviceClient vs mosquitto_pub");
md.AppendLine();
md.AppendLine($"{count:N0} QoS 1 messages (payload `m0000000`..., 8 bytes) to a local Debian mosquitto ({MosquittoVersion()}) over mutual TLS");
md.AppendLine("(client certificate + intermediate, cafile = root only), each publisher in the same run against the same broker.");
md.AppendLine("Throughput counts from the start of the connect (process start for mosquitto_pub) to the last PUBACK/exit.");
md.AppendLine();
md.AppendLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; broker log lines 'Received PUBLISH': {received:N0}.");
md.AppendLine();
md.AppendLine("| Publisher | Time (s) | Messages/s | Note |");
md.AppendLine("|---|---:|---:|---|");
foreach ((string name, double seconds, string note) in rows)
{
    md.AppendLine($"| {name} | {seconds:0.00} | {count / seconds:N0} | {note} |");
}

double ours = count / rows.First(r => r.Name.Contains("TLS 1.3, in-flight window 20", StringComparison.Ordinal)).Seconds;
double theirs = count / rows.First(r => r.Name.StartsWith("mosquitto_pub", StringComparison.Ordinal) && r.Name.Contains("TLS 1.3", StringComparison.Ordinal)).Seconds;
md.AppendLine();
md.AppendLine($"Ratio MqttDeviceClient / mosquitto_pub (TLS 1.3, same in-flight window 20): **{ours / theirs:0.00}**.");
md.AppendLine();
md.AppendLine("Reproduce: `dotnet run -c Release --project benchmarks/IoTCerts.Mqtt.PublishBenchmark` (needs `mosquitto` and `mosquitto-clients`).");
md.AppendLine("One run on a shared 2-core machine: treat the figures as an order of magnitude, not a precise ratio.");
Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
File.WriteAllText(outputPath, md.ToString());
Console.WriteLine($"wrote {outputPath}");

static string MosquittoVersion()
{
    var info = new ProcessStartInfo(MosquittoBroker.MosquittoPath, ["-h"]) { RedirectStandardOutput = true, UseShellExecute = false };
    using Process p = Process.Start(info)!;
    string first = p.StandardOutput.ReadLine() ?? "mosquitto";
    p.WaitForExit();
    return first.Trim();
}

static string FindRepoRoot()
{
    for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "IoTCerts.sln")))
        {
            return d.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

static (SslProtocols Protocol, int Window)[] WindowRuns() =>
    Environment.GetEnvironmentVariable("MQTT_BENCH_WINDOWS") is { Length: > 0 } w
        ? [.. w.Split(',').Select(x => (SslProtocols.Tls13, int.Parse(x, CultureInfo.InvariantCulture)))]
        : [(SslProtocols.Tls13, 20), (SslProtocols.Tls13, 20), (SslProtocols.Tls13, 64), (SslProtocols.Tls12, 20)];
