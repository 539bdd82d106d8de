using System.Diagnostics;
using IoTCerts.Est.Server;
using Xunit.Abstractions;

namespace IoTCerts.Est.Tests;

/// <summary>
/// <c>iotcerts renew --loop</c> in a child process renews about once a second against a real TLS server and is killed
/// with SIGKILL at a random moment; after every kill the credential files still load as a matching pair.
/// </summary>
public sealed class KillDuringRenewalTests(ITestOutputHelper output)
{
    private const int Runs = 20;

    [Fact]
    public async Task SigkillAtRandomMomentsNeverLosesTheWorkingPair()
    {
        using var temp = new TempDirectory();
        var bootstrapRoot = TestPki.CreateRoot("Kill Bootstrap CA");
        TestPki.WritePair(TestPki.CreateLeaf(bootstrapRoot, "CN=kill bootstrap", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)), temp.File("bootstrap.pem"), temp.File("bootstrap.key"));
        await using var server = await EstTestServer.StartAsync(options => options.Authorizers.Add(EstAuthorization.ClientCertificate([bootstrapRoot])), validity: TimeSpan.FromDays(1));
        TestPki.WritePem(temp.File("trust.pem"), server.CaRoot);
        File.WriteAllText(temp.File("renew.json"), $$"""
            { "credentials": [ {
                "name": "identity", "server": "{{server.Address}}", "trust": ["trust.pem"],
                "certificate": "device.pem", "key": "device.key",
                "bootstrapCertificate": "bootstrap.pem", "bootstrapKey": "bootstrap.key",
                "subject": "CN=kill-device", "threshold": "86399s", "retry": "1s" } ] }
            """);

        var random = new Random(7030);
        var (intact, withPair, afterRenewals) = (0, 0, 0);
        for (var run = 0; run < Runs; run++)
        {
            var before = new CredentialStore(temp.File("device.pem"), temp.File("device.key")).Load()?.Certificate.Thumbprint;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "iotcerts.dll"), "renew", "--config", temp.File("renew.json"), "--loop" })
            {
                start.ArgumentList.Add(argument);
            }

            using var child = Process.Start(start)!;

            // Kill relative to the child's first word, not to its start: on a loaded machine starting `dotnet`
            // alone can take longer than a fixed window, and then no run would hit a renewal at all.
            var spoke = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            child.OutputDataReceived += (_, e) => { if (e.Data is not null) { spoke.TrySetResult(); } };
            child.ErrorDataReceived += (_, e) => { if (e.Data is not null) { spoke.TrySetResult(); } };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            await Task.WhenAny(spoke.Task, Task.Delay(TimeSpan.FromSeconds(30)));
            await Task.Delay(random.Next(0, 2000));
            child.Kill(); // SIGKILL on Unix: no finally blocks, no flushing.
            await child.WaitForExitAsync();

            // What a restarted device does: repair, then load.
            var store = new CredentialStore(temp.File("device.pem"), temp.File("device.key"));
            var loaded = store.Load();
            if (loaded is not null)
            {
                withPair++;
                Assert.True(EnrollmentRequest.SamePublicKey(loaded.Certificate, EnrollmentRequest.PrivateKeyOf(loaded.Certificate)));
                Assert.NotNull(CredentialStore.LoadPair(temp.File("device.pem"), temp.File("device.key")));
                afterRenewals += loaded.Certificate.Thumbprint != before ? 1 : 0;
            }
            else
            {
                Assert.Null(before);
            }

            intact++;
        }

        output.WriteLine($"SIGKILL: {intact}/{Runs} runs left a loadable matching pair (or none before the first enrollment); {withPair} with a pair, {afterRenewals} of them on a newer certificate than before the run; {server.Issuer.IssuedCount} certificates issued in all");
        Assert.Equal(Runs, intact);
        Assert.True(server.Issuer.IssuedCount >= Runs / 2, $"only {server.Issuer.IssuedCount} renewals happened");
    }
}
