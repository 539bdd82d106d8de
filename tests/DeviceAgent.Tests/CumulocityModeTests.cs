using System.Text;
using System.Text.Json.Nodes;
using IoTCerts.Est.Server;
using IoTCerts.Mqtt.Tests.Fixtures;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// Cumulocity mode against the MQTT tests' fake Cumulocity peer (it requires SNI and ClientId == CN, answers s/uat with
/// 71,&lt;JWT&gt;) and the real EST server issuing 30-second certificates: SmartREST measurements on s/us, the device
/// token refreshed at half its (6 s) lifetime, re-enrollment authenticated with that token, and the reconnect with the
/// renewed certificate.
/// </summary>
public sealed class CumulocityModeTests(ITestOutputHelper output)
{
    private const string DeviceName = "agent-c8y-1";

    [Fact]
    public async Task Publishes_smartrest_keeps_the_token_fresh_and_reenrolls_with_it_as_bearer()
    {
        await using AgentScenario scenario = await AgentScenario.CreateAsync(certificateValidity: TimeSpan.FromSeconds(30));
        AgentEstServer est = scenario.Est!;
        await using var peer = new FakeCumulocityPeer(scenario.Pki, tokenLifetimeSeconds: 6);
        JsonObject settings = scenario.Settings("cumulocity", peer.Port, $"CN={DeviceName}, O=IoTCerts Test");
        settings["DeviceAgent"]!["Mqtt"]!["TargetHost"] = TestPki.CumulocityHost;
        scenario.WriteSettings(settings);
        var logs = new CapturedLogs(output.WriteLine);

        using (IHost host = scenario.BuildHost(logs))
        {
            await host.StartAsync();
            Assert.True(
                await logs.WaitForAsync(l => est.Issuer.Issued.Count >= 2 && l.MessagesWith(7804).Any(m => m.Contains(est.Issuer.Issued.ElementAt(1).Certificate.Thumbprint, StringComparison.Ordinal)), TimeSpan.FromSeconds(35)),
                "no reconnect with the renewed certificate:\n" + logs.Dump());
            int publishesAtSwap = peer.Publishes.Count;
            Assert.True(await logs.WaitForAsync(_ => peer.Publishes.Count >= publishesAtSwap + 2, TimeSpan.FromSeconds(10)), logs.Dump());
            await host.StopAsync();
        }

        // SNI and ClientId == CN on every connection; at least the enrolled and the renewed connection.
        Assert.True(peer.Connections.Count >= 2);
        Assert.All(peer.Connections, c => Assert.Equal((TestPki.CumulocityHost, DeviceName, DeviceName, "accepted"), (c.Sni, c.ClientId, c.CommonName, c.Outcome)));

        // SmartREST measurements on s/us, before and after the swap, from more than one connection.
        Assert.All(peer.Publishes, p => Assert.Equal("s/us", p.Packet.Topic));
        Assert.Matches("^200,c8y_AgentHeartbeat,sequence,[0-9]+$", Encoding.UTF8.GetString(peer.Publishes.Last().Packet.Payload.Span));
        Assert.True(peer.Publishes.Select(p => p.ConnectionIndex).Distinct().Count() >= 2);

        // The token: first at connect, then refreshed after half of its 6 s lifetime; never logged.
        FakeCumulocityPeer.TokenRecord[] tokens = [.. peer.Tokens];
        Assert.True(tokens.Length >= 4, $"only {tokens.Length} token(s) in a run of ~20 s");
        TimeSpan gap = tokens[1].IssuedAt - tokens[0].IssuedAt;
        output.WriteLine($"token refresh after {gap.TotalSeconds:0.00} s; {tokens.Length} tokens");
        Assert.InRange(gap, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(logs.Entries, e => tokens.Any(t => e.Message.Contains(t.Jwt, StringComparison.Ordinal)));
        Assert.True(logs.MessagesWith(7811).Count >= 4);

        // Enrollment with the bootstrap certificate (no token yet), re-enrollment with the device JWT as Bearer.
        Assert.Equal(EstOperation.Enroll, est.Issuer.Issued.First().Operation);
        Assert.Equal(EstOperation.Reenroll, est.Issuer.Issued.ElementAt(1).Operation);
        (string _, string authorization) = est.Requests.First(r => r.Path.EndsWith("/simplereenroll", StringComparison.Ordinal));
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        Assert.Contains(tokens, t => authorization == "Bearer " + t.Jwt);
        Assert.Equal(string.Empty, est.Requests.First(r => r.Path.EndsWith("/simpleenroll", StringComparison.Ordinal)).Authorization);
    }
}
