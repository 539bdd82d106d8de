using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Est.Server;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Issue 18: the EST client validates the server's TLS certificate with Core's ChainValidator (the configured one, with
/// its policy and revocation checker, or one built from TrustAnchors), and a refusal names the chain error code.
/// </summary>
public sealed class ServerTrustTests
{
    [Fact]
    public async Task An_untrusted_server_is_refused_with_the_chain_error_code()
    {
        await using var server = await EstTestServer.StartAsync(_ => { });
        var client = server.CreateClient(o =>
        {
            o.TrustAnchors.Clear();
            o.TrustAnchors.Add(TestPki.CreateRoot("Not The Server's CA"));
        });

        var refused = await Assert.ThrowsAsync<EstException>(() => client.GetCaCertificatesAsync());

        Assert.Equal(EstErrorCode.UntrustedServer, refused.Code);
        Assert.Contains("PartialChain", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_ChainValidator_decides_and_its_policy_applies()
    {
        await using var server = await EstTestServer.StartAsync(_ => { });
        var anchor = Certificate.FromX509Certificate2(server.CaRoot);
        var trusting = server.CreateClient(o =>
        {
            o.TrustAnchors.Clear();
            o.ServerCertificateValidator = new ChainValidator([anchor]);
        });
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(30));
        var expiredView = server.CreateClient(o =>
        {
            o.TrustAnchors.Clear();
            o.ServerCertificateValidator = new ChainValidator([anchor]);
            o.TimeProvider = later;
        });

        var certificates = await trusting.GetCaCertificatesAsync();
        var refused = await Assert.ThrowsAsync<EstException>(() => expiredView.GetCaCertificatesAsync());

        Assert.NotEmpty(certificates);
        Assert.Equal(EstErrorCode.UntrustedServer, refused.Code);
        Assert.Contains("Expired", refused.Message, StringComparison.Ordinal);
    }
}
