using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IoTCerts.Est.Server;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// The agent's whole life against real parts on 127.0.0.1: the IoTCerts EST server issuing 40-second certificates
/// (renewal at 50 %, so about 20 s in) and a real mosquitto requiring client certificates, with mosquitto_sub as an
/// independent observer. One test because each step needs the previous one's state (and a renewal takes 20 s).
/// </summary>
public sealed class AgentLifecycleTests(ITestOutputHelper output)
{
    private const string DeviceName = "agent-device-1";

    [Fact]
    public async Task Enrolls_publishes_renews_reconnects_with_the_new_certificate_stops_cleanly_and_restarts_from_its_store()
    {
        await using AgentScenario scenario = await AgentScenario.CreateAsync(certificateValidity: TimeSpan.FromSeconds(40));
        AgentEstServer est = scenario.Est!;
        await using AgentBroker broker = await AgentBroker.StartAsync(scenario.ContentRoot, scenario.Pki.RootPath, scenario.Pki.ServerCertPath, scenario.Pki.ServerKeyPath);
        (string observerCert, string observerKey) = scenario.Pki.WriteFiles("observer", scenario.Pki.Device("observer"));
        await using ObservingSubscriber observer = ObservingSubscriber.Start(broker.Port, scenario.Pki.RootPath, observerCert, observerKey, "devices/#");
        Assert.True(await WaitAsync(() => broker.ReadLog().Contains("observer 1 devices/#", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), broker.ReadLog());
        scenario.WriteSettings(scenario.Settings("generic", broker.Port, $"CN={DeviceName}, O=IoTCerts Test"));
        var logs = new CapturedLogs(output.WriteLine);

        // 1. First start: enrollment with the bootstrap certificate, then telemetry.
        IHost host = scenario.BuildHost(logs);
        await host.StartAsync();
        Assert.True(await observer.WaitForAsync(lines => lines.Count >= 3, TimeSpan.FromSeconds(20)), logs.Dump());
        GenerationIssuer.IssuedRecord enrolled = Assert.Single(est.Issuer.Issued);
        Assert.Equal(EstOperation.Enroll, enrolled.Operation);
        Assert.Contains("CN=bootstrap-agent-1", enrolled.PresentedSubject, StringComparison.Ordinal);
        Assert.Contains("generation-1", enrolled.Certificate.Subject, StringComparison.Ordinal);
        Assert.StartsWith($"devices/{DeviceName}/telemetry {{\"sequence\":", observer.Lines.First(), StringComparison.Ordinal);

        // 2. The renewal (about 20 s after enrollment): re-enrollment with the current certificate, then a reconnect
        //    with the new one while the host keeps running.
        Assert.True(
            await logs.WaitForAsync(l => est.Issuer.Issued.Count >= 2 && l.MessagesWith(7804).Any(m => m.Contains(est.Issuer.Issued.ElementAt(1).Certificate.Thumbprint, StringComparison.Ordinal)), TimeSpan.FromSeconds(40)),
            "no reconnect with the renewed certificate:\n" + logs.Dump());
        GenerationIssuer.IssuedRecord renewed = est.Issuer.Issued.ElementAt(1);
        TimeSpan renewedAfter = renewed.Certificate.NotBefore - enrolled.Certificate.NotBefore;
        output.WriteLine($"renewed {renewedAfter.TotalSeconds:0.0} s after enrollment");
        Assert.Equal(EstOperation.Reenroll, renewed.Operation);
        Assert.Contains("generation-1", renewed.PresentedSubject, StringComparison.Ordinal);
        Assert.InRange(renewedAfter, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(25));
        int beforeMore = observer.Lines.Count;
        Assert.True(await observer.WaitForAsync(lines => lines.Count >= beforeMore + 3, TimeSpan.FromSeconds(10)), "no messages after the renewal:\n" + logs.Dump());

        // The broker saw the bootstrap-enrolled certificate first and the renewed one afterwards.
        string[] agentConnects = broker.ConnectLines().Where(l => l.Contains($" as {DeviceName} ", StringComparison.Ordinal)).ToArray();
        output.WriteLine(string.Join("\n", agentConnects));
        Assert.Contains("generation-1", agentConnects[0], StringComparison.Ordinal);
        Assert.Contains("generation-2", agentConnects[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(agentConnects, l => l.Contains("bootstrap", StringComparison.Ordinal));

        // 3. Ctrl+C / SIGTERM path: the host stops within a bound, after a DISCONNECT.
        var stopping = Stopwatch.StartNew();
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await host.StopAsync(bound.Token);
        }

        stopping.Stop();
        host.Dispose();
        output.WriteLine($"stopped in {stopping.ElapsedMilliseconds} ms");
        Assert.InRange(stopping.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Single(logs.MessagesWith(7813));
        Assert.True(await WaitAsync(() => broker.ReadLog().Contains($"Client {DeviceName} disconnected", StringComparison.Ordinal), TimeSpan.FromSeconds(5)), broker.ReadLog());

        // Every measurement published reached the observer: the sequence has no gap across the hot-swap (QoS 1).
        long[] sequences = observer.Lines.Select(Sequence).Distinct().Order().ToArray();
        Assert.Equal(Enumerable.Range(1, sequences.Length).Select(i => (long)i), sequences);

        // The store holds the renewed pair; the key is private to the agent's user.
        using (X509Certificate2 stored = X509Certificate2.CreateFromPemFile(Path.Combine(scenario.StoreDirectory, "device.pem"), Path.Combine(scenario.StoreDirectory, "device.key")))
        {
            Assert.Equal(renewed.Certificate.Thumbprint, stored.Thumbprint);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(scenario.StoreDirectory, "device.key")));
        }
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("PRIVATE KEY", StringComparison.Ordinal));

        // 4. A restart loads the identity from the store: no enrollment, same certificate on the broker.
        var restartLogs = new CapturedLogs(output.WriteLine);
        int connectsBefore = broker.ConnectLines().Length;
        using (IHost again = scenario.BuildHost(restartLogs))
        {
            await again.StartAsync();
            Assert.True(await restartLogs.WaitForAsync(l => l.MessagesWith(7804).Count > 0, TimeSpan.FromSeconds(10)), restartLogs.Dump());
            await again.StopAsync();
        }

        Assert.Equal(2, est.Issuer.Issued.Count);
        Assert.Contains(renewed.Certificate.Thumbprint, Assert.Single(restartLogs.MessagesWith(7801)), StringComparison.Ordinal);
        Assert.Contains("generation-2", broker.ConnectLines()[connectsBefore], StringComparison.Ordinal);
    }

    private static long Sequence(string line)
    {
        using JsonDocument json = JsonDocument.Parse(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        return json.RootElement.GetProperty("sequence").GetInt64();
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }
}
