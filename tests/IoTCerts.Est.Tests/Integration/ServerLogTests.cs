using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Est.Tests;

/// <summary>The EST server logs issuance and refusals with stable event ids, never the Basic password.</summary>
public sealed class ServerLogTests
{
    [Fact]
    public async Task Issuance_and_refusals_are_logged_with_stable_event_ids_and_no_password()
    {
        var bootstrapRoot = TestPki.CreateRoot("Log Bootstrap CA");
        var bootstrap = TestPki.CreateLeaf(bootstrapRoot, "CN=bootstrap log-device", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var logs = new CollectingLoggerProvider();
        await using var server = await EstTestServer.StartAsync(options =>
        {
            options.Authorizers.Add(EstAuthorization.ClientCertificate([bootstrapRoot]));
            options.Authorizers.Add(EstAuthorization.Basic((user, password) => user == "log-user" && password == "right-pass"));
        }, logs: logs);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=log-device"));

        var issued = (await server.CreateClient(o => o.ClientCertificate = bootstrap).EnrollAsync(csr)).Certificate!;
        await Assert.ThrowsAsync<EstException>(() => server.CreateClient(o =>
        {
            o.UserName = "log-user";
            o.Password = "wrong-secret-pass";
            o.PreemptiveBasicAuthentication = true;
        }).EnrollAsync(csr));

        var entries = logs.Entries.Where(e => e.Category == "IoTCerts.Est.Server").ToList();
        var issuedEntry = Assert.Single(entries, e => e.EventId == 7100);
        Assert.Equal(LogLevel.Information, issuedEntry.Level);
        Assert.Contains("CN=log-device", issuedEntry.Message, StringComparison.Ordinal);
        Assert.Contains(issued.SerialNumber, issuedEntry.Message, StringComparison.Ordinal);
        Assert.Contains("CN=bootstrap log-device", issuedEntry.Message, StringComparison.Ordinal);
        var refused = Assert.Single(entries, e => e.EventId == 7101);
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("wrong-secret-pass", StringComparison.Ordinal));
    }
}
