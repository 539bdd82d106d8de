using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Bootstrap certificates under a manufacturer intermediate (issue 18): the server validates the TLS client certificate
/// with Core's ChainValidator, using the intermediates the client sent in the handshake; every refusal is a 401 whose
/// reason (the chain error code) is in the server log.
/// </summary>
public sealed class BootstrapChainTests : IAsyncLifetime
{
    private readonly X509Certificate2 _manufacturerRoot = TestPki.CreateRoot("Manufacturer Root", DateTimeOffset.UtcNow.AddDays(-60));
    private readonly CollectingLoggerProvider _logs = new();
    private X509Certificate2 _intermediate = null!;
    private EstTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _intermediate = TestPki.CreateIntermediate(_manufacturerRoot, "Manufacturer Factory CA");
        _server = await EstTestServer.StartAsync(options => options.Authorizers.Add(EstAuthorization.ClientCertificate([_manufacturerRoot])), logs: _logs);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_bootstrap_certificate_under_an_intermediate_enrolls_when_the_client_sends_the_chain()
    {
        var bootstrap = TestPki.CreateLeaf(_intermediate, "CN=bootstrap chained-1", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var client = _server.CreateClient(o =>
        {
            o.ClientCertificate = bootstrap;
            o.ClientCertificateChain.Add(X509CertificateLoader.LoadCertificate(_intermediate.RawData));
        });

        var enrolled = await client.EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=chained-1")));

        Assert.Equal("CN=chained-1", enrolled.Certificate!.Subject);
    }

    [Fact]
    public async Task Without_the_intermediate_the_bootstrap_certificate_gets_401_and_the_reason_is_logged()
    {
        var bootstrap = TestPki.CreateLeaf(_intermediate, "CN=bootstrap chained-2", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var refused = await EnrollExpectingRefusal(bootstrap, [], "CN=chained-2");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        AssertLoggedReason("CN=bootstrap chained-2", "PartialChain");
    }

    [Fact]
    public async Task A_certificate_of_another_CA_gets_401_and_the_reason_is_logged()
    {
        var otherRoot = TestPki.CreateRoot("Someone Else's CA", DateTimeOffset.UtcNow.AddDays(-60));
        var stranger = TestPki.CreateLeaf(otherRoot, "CN=bootstrap stranger", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var refused = await EnrollExpectingRefusal(stranger, [otherRoot], "CN=stranger");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        AssertLoggedReason("CN=bootstrap stranger", "PartialChain");
        AssertLoggedReason("CN=bootstrap stranger", "Someone Else's CA");
    }

    [Fact]
    public async Task An_expired_bootstrap_certificate_gets_401_and_the_reason_is_logged()
    {
        var expired = TestPki.CreateLeaf(_intermediate, "CN=bootstrap expired", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));

        var refused = await EnrollExpectingRefusal(expired, [_intermediate], "CN=expired");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        AssertLoggedReason("CN=bootstrap expired", "Expired");
    }

    private async Task<EstException> EnrollExpectingRefusal(X509Certificate2 clientCertificate, X509Certificate2[] chain, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var client = _server.CreateClient(o =>
        {
            o.ClientCertificate = clientCertificate;
            o.ClientCertificateChain.AddRange(chain.Select(c => X509CertificateLoader.LoadCertificate(c.RawData)).ToArray());
        });
        return await Assert.ThrowsAsync<EstException>(() => client.EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName(subject))));
    }

    private void AssertLoggedReason(string subject, string code)
    {
        var refusal = Assert.Single(_logs.Entries, e => e.EventId == 7101 && e.Message.Contains(subject, StringComparison.Ordinal));
        Assert.Contains("401", refusal.Message, StringComparison.Ordinal);
        Assert.True(refusal.Message.Contains(code, StringComparison.Ordinal), refusal.Message);
    }
}
