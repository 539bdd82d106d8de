using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IoTCerts.Est.Server;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// <c>DeviceAgent:Est:IssuerTrustFile</c>: an EST-style server without <c>/cacerts</c> (Cumulocity's enrollment has none,
/// here a real IoTCerts EST server whose <c>/cacerts</c> answers 404). With the file the agent enrolls without ever
/// asking <c>/cacerts</c>; without it, it cannot enroll.
/// </summary>
public sealed class IssuerTrustFileTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_an_issuer_trust_file_the_agent_enrolls_without_ever_asking_for_cacerts()
    {
        await using AgentScenario scenario = await AgentScenario.CreateAsync(certificateValidity: TimeSpan.FromHours(1), estWithoutCaCerts: true);
        AgentEstServer est = scenario.Est!;
        JsonObject settings = scenario.Settings("generic", AgentBroker.FreePort(), "CN=no-cacerts-device, O=IoTCerts Test");
        settings["DeviceAgent"]!["Est"]!["IssuerTrustFile"] = Path.GetRelativePath(scenario.ContentRoot, scenario.Pki.RootPath);
        scenario.WriteSettings(settings);
        var logs = new CapturedLogs(output.WriteLine);

        using IHost host = scenario.BuildHost(logs);
        await host.StartAsync();
        bool enrolled = await WaitAsync(() => File.Exists(Path.Combine(scenario.StoreDirectory, "device.pem")), TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.True(enrolled, logs.Dump());
        GenerationIssuer.IssuedRecord issued = Assert.Single(est.Issuer.Issued);
        Assert.Equal(EstOperation.Enroll, issued.Operation);
        var stored = new X509Certificate2Collection();
        stored.ImportFromPemFile(Path.Combine(scenario.StoreDirectory, "device.pem"));
        Assert.Equal(issued.Certificate.Thumbprint, stored[0].Thumbprint);
        Assert.DoesNotContain(est.Requests, r => r.Path.EndsWith("/cacerts", StringComparison.Ordinal));
        Assert.Contains(est.Requests, r => r.Path.EndsWith("/simpleenroll", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_it_the_agent_asks_for_cacerts_and_does_not_enroll()
    {
        await using AgentScenario scenario = await AgentScenario.CreateAsync(certificateValidity: TimeSpan.FromHours(1), estWithoutCaCerts: true);
        AgentEstServer est = scenario.Est!;
        scenario.WriteSettings(scenario.Settings("generic", AgentBroker.FreePort(), "CN=no-cacerts-device, O=IoTCerts Test"));
        var logs = new CapturedLogs(output.WriteLine);

        using IHost host = scenario.BuildHost(logs);
        await host.StartAsync();
        // Two /cacerts requests: the first attempt failed and the retry (RetryInterval 2s) asked again.
        bool retried = await WaitAsync(() => est.Requests.Count(r => r.Path.EndsWith("/cacerts", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.True(retried, logs.Dump());
        Assert.Empty(est.Issuer.Issued);
        Assert.False(File.Exists(Path.Combine(scenario.StoreDirectory, "device.pem")));
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
