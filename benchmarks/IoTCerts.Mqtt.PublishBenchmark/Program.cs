using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.MQTTnet;
using IoTCerts.Mqtt.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

// Publishes N QoS 1 messages to a local mosquitto (mutual TLS) with MqttDeviceClient, with an MQTTnet 5 client through
// IoTCerts.Mqtt.MQTTnet (full chain, ChainValidator) and with `mosquitto_pub -l -q 1` fed the same lines, in the same
// run (plus QoS 0 rows for both .NET clients), and writes a markdown table. An observer client subscribed to devices/# during
// every run tells when all N messages went through the broker, the same measure for every publisher.
//   dotnet run -c Release --project benchmarks/IoTCerts.Mqtt.PublishBenchmark -- [count] [output.md]
int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
string outputPath = args.Length > 1 ? args[1] : Path.Combine(FindRepoRoot(), "benchmarks", "results", "mqtt-publish.md");
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var pki = new TestPki();
await using MosquittoBroker broker = await MosquittoBroker.StartAsync(pki, crl: false);
string[] lines = Enumerable.Range(0, count).Select(i => $"m{i:D7}").ToArray();
byte[][] payloads = lines.Select(Encoding.UTF8.GetBytes).ToArray();
var rows = new List<Row>();

await using var observer = new MqttDeviceClient(Options("observer", SslProtocols.Tls13, 64));
var observed = new ObservedCounter();
observer.MessageReceivedAsync += e =>
{
    observed.Add(e.Topic);
    return Task.CompletedTask;
};
Require(await observer.ConnectAsync());
await observer.SubscribeAsync("devices/#", MqttQualityOfService.AtMostOnce);

int run = 0;
foreach ((SslProtocols protocol, int window) in WindowRuns())
{
    string cn = $"bench-{++run}-{(protocol == SslProtocols.Tls13 ? "13" : "12")}-{window}";
    string topic = $"devices/{cn}/data";
    Task delivered = observed.Expect(topic, count);
    await using var client = new MqttDeviceClient(Options(cn, protocol, window));
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var watch = Stopwatch.StartNew();
    Require(await client.ConnectAsync());

    // The in-flight window (MaxInflightMessages) is the only throttle.
    var pending = new Task[count];
    for (int i = 0; i < count; i++)
    {
        pending[i] = client.PublishAsync(topic, payloads[i], MqttQualityOfService.AtLeastOnce);
    }

    await Task.WhenAll(pending);
    TimeSpan acked = watch.Elapsed;
    await delivered.WaitAsync(TimeSpan.FromMinutes(2));
    TimeSpan through = watch.Elapsed;
    await client.DisconnectAsync();
    string cold = run == 1 ? " (first run: cold, includes JIT)" : string.Empty;
    rows.Add(new Row($"MqttDeviceClient, QoS 1, {Tls(protocol)}, in-flight window {window}{cold}", cn, acked, through, PerMessage(allocatedBefore)));
    Console.WriteLine($"{rows[^1].Name}: {count / through.TotalSeconds:N0} msg/s through the broker");
}

// QoS 0 with our client: written to the connection, so "through the broker" is the only meaningful time.
{
    string cn = "bench-own-q0-13";
    string topic = $"devices/{cn}/data";
    Task delivered = observed.Expect(topic, count);
    await using var client = new MqttDeviceClient(Options(cn, SslProtocols.Tls13, 20));
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var watch = Stopwatch.StartNew();
    Require(await client.ConnectAsync());
    for (int i = 0; i < count; i++)
    {
        await client.PublishAsync(topic, payloads[i], MqttQualityOfService.AtMostOnce);
    }

    await delivered.WaitAsync(TimeSpan.FromMinutes(2));
    TimeSpan through = watch.Elapsed;
    await client.DisconnectAsync();
    rows.Add(new Row("MqttDeviceClient, QoS 0, TLS 1.3", cn, null, through, PerMessage(allocatedBefore)));
    Console.WriteLine($"{rows[^1].Name}: {count / through.TotalSeconds:N0} msg/s through the broker");
}

// MQTTnet 5 through IoTCerts.Mqtt.MQTTnet: the same full chain and the same broker validation (ChainValidator).
var anchors = new ChainValidator([Certificate.Parse(pki.Root.RawData)]);
var factory = new MqttClientFactory();
foreach ((SslProtocols protocol, MqttQualityOfServiceLevel qos) in new[] { (SslProtocols.Tls13, MqttQualityOfServiceLevel.AtLeastOnce), (SslProtocols.Tls12, MqttQualityOfServiceLevel.AtLeastOnce), (SslProtocols.Tls13, MqttQualityOfServiceLevel.AtMostOnce) })
{
    string cn = $"bench-mqttnet-q{(int)qos}-{(protocol == SslProtocols.Tls13 ? "13" : "12")}";
    string topic = $"devices/{cn}/data";
    Task delivered = observed.Expect(topic, count);
    MqttClientCredential device = pki.Device(cn);
    var tls = new MqttNetTlsStreamProvider(new MqttNetTlsOptions
    {
        Credential = new CertificateCredential(device.Certificate, device.Intermediates),
        ServerValidator = anchors,
        TargetHost = "localhost",
        EnabledProtocols = protocol,
    });
    MqttClientOptions options = new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", protocol == SslProtocols.Tls13 ? broker.Tls13Port : broker.Tls12Port)
        .WithStreamProvider(tls)
        .WithClientId(cn)
        .WithTimeout(TimeSpan.FromMinutes(2))
        .Build();
    using IMqttClient client = factory.CreateMqttClient();
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var watch = Stopwatch.StartNew();
    await client.ConnectAsync(options);
    TimeSpan? acked = null;
    if (qos == MqttQualityOfServiceLevel.AtLeastOnce)
    {
        // MQTTnet has no in-flight window of its own: every publish is started at once, like ours.
        var pending = new Task[count];
        for (int i = 0; i < count; i++)
        {
            pending[i] = client.PublishBinaryAsync(topic, payloads[i], qos);
        }

        await Task.WhenAll(pending);
        acked = watch.Elapsed;
    }
    else
    {
        for (int i = 0; i < count; i++)
        {
            await client.PublishBinaryAsync(topic, payloads[i], qos);
        }
    }

    await delivered.WaitAsync(TimeSpan.FromMinutes(2));
    TimeSpan through = watch.Elapsed;
    await client.DisconnectAsync();
    rows.Add(new Row($"MQTTnet 5 through IoTCerts.Mqtt.MQTTnet, QoS {(int)qos}, {Tls(protocol)}", cn, acked, through, PerMessage(allocatedBefore)));
    Console.WriteLine($"{rows[^1].Name}: {count / through.TotalSeconds:N0} msg/s through the broker");
}

foreach (SslProtocols protocol in new[] { SslProtocols.Tls13, SslProtocols.Tls12 })
{
    string id = protocol == SslProtocols.Tls13 ? "bench-pub-13" : "bench-pub-12";
    (string certPath, string keyPath) = pki.WriteFiles(id, pki.Device(id));
    string topic = $"devices/{id}/data";
    Task delivered = observed.Expect(topic, count);
    var info = new ProcessStartInfo("mosquitto_pub",
    [
        "-h", "127.0.0.1", "-p", (protocol == SslProtocols.Tls13 ? broker.Tls13Port : broker.Tls12Port).ToString(CultureInfo.InvariantCulture),
        "--cafile", pki.RootPath, "--cert", certPath, "--key", keyPath,
        "--tls-version", protocol == SslProtocols.Tls13 ? "tlsv1.3" : "tlsv1.2",
        "-i", id, "-t", topic, "-q", "1", "-l",
    ])
    {
        RedirectStandardInput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    var watch = Stopwatch.StartNew();
    using Process process = Process.Start(info)!;
    Task<string> errors = process.StandardError.ReadToEndAsync();
    await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    await process.StandardInput.BaseStream.FlushAsync();

    // mosquitto_pub 2.0 disconnects at end of input without waiting for its queued messages (about a third arrive),
    // so its input stays open until the observer has seen every message.
    await delivered.WaitAsync(TimeSpan.FromMinutes(2));
    TimeSpan through = watch.Elapsed;
    process.StandardInput.Close();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"mosquitto_pub failed ({process.ExitCode}): {await errors}");
    }

    rows.Add(new Row($"mosquitto_pub -l -q 1, {Tls(protocol)} (libmosquitto in-flight 20)", id, null, through, null));
    Console.WriteLine($"{rows[^1].Name}: {count / through.TotalSeconds:N0} msg/s through the broker");
}

string[] log = broker.ReadLog().Split('\n');
int Received(string clientId) => log.Count(l => l.Contains($"Received PUBLISH from {clientId} ", StringComparison.Ordinal));

var md = new StringBuilder();
md.AppendLine("# MQTT publish throughput: MqttDeviceClient vs MQTTnet through IoTCerts.Mqtt.MQTTnet vs mosquitto_pub");
md.AppendLine();
md.AppendLine($"{count:N0} QoS 1 messages (payloads `m0000000`..., 8 bytes) published to a local Debian mosquitto ({MosquittoVersion()}) over mutual TLS");
md.AppendLine("(client certificate + intermediate, cafile = root only), every publisher in the same run against the same broker.");
md.AppendLine("An observer client subscribed to `devices/#` (QoS 0) during every run; **through the broker** is the time from the");
md.AppendLine("start of the connect (process start for mosquitto_pub) until the observer has received all messages of the run.");
md.AppendLine();
string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
md.AppendLine($"Machine: {Environment.ProcessorCount} cores shared with other work (load average {load} at the end of the run), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}. The broker logs every packet (log_type all), the same cost for every publisher.");
md.AppendLine();
md.AppendLine("Allocated/message: bytes allocated by the whole benchmark process during the row divided by the messages (includes the");
md.AppendLine("observer's receive path, the same for every in-process row; n/a for the external mosquitto_pub).");
md.AppendLine();
md.AppendLine("| Publisher | All PUBACKs (s) | Through the broker (s) | Messages/s | Allocated/message (B) | Received by the broker (its log) |");
md.AppendLine("|---|---:|---:|---:|---:|---:|");
foreach (Row r in rows)
{
    string acked = r.Acked is { } a ? a.TotalSeconds.ToString("0.00") : "n/a";
    string allocated = r.AllocatedPerMessage is { } b ? b.ToString("N0") : "n/a";
    md.AppendLine($"| {r.Name} | {acked} | {r.Through.TotalSeconds:0.00} | {count / r.Through.TotalSeconds:N0} | {allocated} | {Received(r.ClientId):N0} |");
}

double ours = count / rows.Last(r => r.Name.StartsWith("MqttDeviceClient, QoS 1, TLS 1.3, in-flight window 20", StringComparison.Ordinal)).Through.TotalSeconds;
double theirs = count / rows.First(r => r.Name.StartsWith("mosquitto_pub", StringComparison.Ordinal)).Through.TotalSeconds;
md.AppendLine();
md.AppendLine($"Ratio MqttDeviceClient (warm) / mosquitto_pub, TLS 1.3, same in-flight window 20: **{ours / theirs:0.00}**.");
double net = count / rows.First(r => r.Name.StartsWith("MQTTnet 5 through IoTCerts.Mqtt.MQTTnet, QoS 1, TLS 1.3", StringComparison.Ordinal)).Through.TotalSeconds;
md.AppendLine($"Ratio MqttDeviceClient (warm) / MQTTnet through IoTCerts.Mqtt.MQTTnet, QoS 1, TLS 1.3: **{ours / net:0.00}**.");
md.AppendLine();
md.AppendLine("Note: `mosquitto_pub -l` (2.0.11) disconnects as soon as its input ends, without waiting for the messages it still");
md.AppendLine("has queued: fed a 100,000-line file and closed, only about 34,500 reach the broker (exit code 0). The benchmark");
md.AppendLine("therefore keeps its input open until the observer has counted every message.");
md.AppendLine();
md.AppendLine("Reproduce: `dotnet run -c Release --project benchmarks/IoTCerts.Mqtt.PublishBenchmark` (needs `mosquitto` and `mosquitto-clients`).");
md.AppendLine("One run on a shared 2-core machine: treat the figures as an order of magnitude, not a precise ratio.");
Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
File.WriteAllText(outputPath, md.ToString());
Console.WriteLine($"wrote {outputPath}");

MqttDeviceClientOptions Options(string cn, SslProtocols protocol, int window) => new()
{
    Host = "127.0.0.1",
    Port = protocol == SslProtocols.Tls13 ? broker.Tls13Port : broker.Tls12Port,
    Credential = pki.Device(cn),
    ServerCertificateValidator = pki.Validator,
    SslProtocols = protocol,
    MaxInflightMessages = window,
};

long PerMessage(long allocatedBefore) => (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / count;

static void Require(MqttConnectResult result)
{
    if (!result.IsAccepted)
    {
        throw new InvalidOperationException(result.Reason);
    }
}

static string Tls(SslProtocols protocol) => protocol == SslProtocols.Tls13 ? "TLS 1.3" : "TLS 1.2";

static (SslProtocols Protocol, int Window)[] WindowRuns() =>
    Environment.GetEnvironmentVariable("MQTT_BENCH_WINDOWS") is { Length: > 0 } w
        ? [.. w.Split(',').Select(x => (SslProtocols.Tls13, int.Parse(x, CultureInfo.InvariantCulture)))]
        : [(SslProtocols.Tls13, 20), (SslProtocols.Tls13, 20), (SslProtocols.Tls13, 64), (SslProtocols.Tls12, 20)];

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

internal sealed record Row(string Name, string ClientId, TimeSpan? Acked, TimeSpan Through, long? AllocatedPerMessage);

/// <summary>Counts the observer's messages for the topic of the current run.</summary>
internal sealed class ObservedCounter
{
    private string? _topic;
    private int _remaining;
    private TaskCompletionSource _done = new();

    public Task Expect(string topic, int count)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, count);
        Volatile.Write(ref _topic, topic);
        return _done.Task;
    }

    public void Add(string topic)
    {
        if (topic == Volatile.Read(ref _topic) && Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}
