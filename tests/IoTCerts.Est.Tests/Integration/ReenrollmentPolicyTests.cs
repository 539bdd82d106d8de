using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Issue 18, re-enrollment policy: a certificate superseded by a rekey, revoked or expired cannot re-enroll (403); the
/// superseded and expired rules are configurable; a plain renewal (same key) supersedes nothing.
/// </summary>
public sealed class ReenrollmentPolicyTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly X509Certificate2 _bootstrapRoot = TestPki.CreateRoot("Policy Bootstrap CA");
    private readonly X509Certificate2 _bootstrap;
    private readonly CertificateAuthority _authority;
    private EstTestServer? _server;

    public ReenrollmentPolicyTests()
    {
        _bootstrap = TestPki.CreateLeaf(_bootstrapRoot, "CN=bootstrap policy", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _authority = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(_temp.File("ca")), new CaOptions { Subject = "CN=Policy CA", KeyAlgorithm = KeyAlgorithm.EcP256 });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _authority.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_certificate_superseded_by_a_rekey_cannot_reenroll_but_its_successor_can()
    {
        var server = await StartAsync(EstReenrollmentPolicy.Default);
        var (identity, key) = await EnrollAsync(server, "CN=rekeyed-device");
        var renewed = await ReenrollAsync(server, identity, key);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rekeyCsr = EnrollmentRequest.CreateRenewal(identity, newKey);
        var rekeyed = (await server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(rekeyCsr)).Certificate!;

        var lostAnswerRetry = (await server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(rekeyCsr)).Certificate!;
        var refused = await Assert.ThrowsAsync<EstException>(() => ReenrollAsync(server, identity, key));
        var successor = await ReenrollAsync(server, rekeyed.CopyWithPrivateKey(newKey), newKey);

        Assert.NotEqual(identity.SerialNumber, renewed.SerialNumber);
        Assert.Equal(rekeyed.RawData, lostAnswerRetry.RawData);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("superseded by a rekey", refused.ServerText, StringComparison.Ordinal);
        Assert.Equal(rekeyed.SubjectName.RawData, successor.SubjectName.RawData);
    }

    [Fact]
    public async Task After_a_restart_the_rekey_is_found_in_the_CA_records()
    {
        var server = await StartAsync(EstReenrollmentPolicy.Default);
        var (identity, _) = await EnrollAsync(server, "CN=restarted-device");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, newKey));
        ((DirectoryCaDatabase)_authority.Database).Compact();

        var restarted = new CertificateAuthorityIssuer(_authority);

        Assert.Equal(EstCertificateStanding.Superseded, restarted.GetStanding(identity));
        Assert.Equal(EstCertificateStanding.Unknown, restarted.GetStanding(_bootstrap));
    }

    [Fact]
    public async Task Renewals_with_the_same_key_supersede_nothing()
    {
        var server = await StartAsync(EstReenrollmentPolicy.Default);
        var (identity, key) = await EnrollAsync(server, "CN=renewing-device");

        var first = await ReenrollAsync(server, identity, key);
        var second = await ReenrollAsync(server, identity, key);

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
    }

    [Fact]
    public async Task A_revoked_certificate_cannot_reenroll()
    {
        var server = await StartAsync(EstReenrollmentPolicy.Default);
        var (identity, key) = await EnrollAsync(server, "CN=revoked-device");
        _authority.Revoke(identity.SerialNumber, X509RevocationReason.KeyCompromise);

        var refused = await Assert.ThrowsAsync<EstException>(() => ReenrollAsync(server, identity, key));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("revoked", refused.ServerText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusing_superseded_certificates_can_be_turned_off()
    {
        var server = await StartAsync(new EstReenrollmentPolicy { RefuseSuperseded = false });
        var (identity, key) = await EnrollAsync(server, "CN=lenient-device");
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rekeyed = (await server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, newKey))).Certificate!;

        var afterRekey = await ReenrollAsync(server, identity, key);

        Assert.NotEqual(rekeyed.SerialNumber, afterRekey.SerialNumber);
        Assert.True(EnrollmentRequest.SamePublicKey(afterRekey, key));
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_unless_within_the_grace_period()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var ca = TestPki.CreateRoot("Expiry CA", DateTimeOffset.UtcNow.AddDays(-10));
        await using var strict = await EstTestServer.StartAsync(o => o.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot])), validity: TimeSpan.FromDays(1), clock: clock, caRoot: ca);
        await using var lenient = await EstTestServer.StartAsync(o =>
        {
            o.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot]));
            o.Reenrollment = new EstReenrollmentPolicy { ExpiredGracePeriod = TimeSpan.FromDays(7) };
        }, validity: TimeSpan.FromDays(1), clock: clock, caRoot: ca);
        var (identity, key) = await EnrollAsync(strict, "CN=expiring-device");
        clock.Advance(TimeSpan.FromDays(3));

        var refused = await Assert.ThrowsAsync<EstException>(() => ReenrollAsync(strict, identity, key));
        var renewed = await ReenrollAsync(lenient, identity, key);

        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(identity.SubjectName.RawData, renewed.SubjectName.RawData);
    }

    private async Task<EstTestServer> StartAsync(EstReenrollmentPolicy policy)
    {
        _server = await EstTestServer.StartAsync(new CertificateAuthorityIssuer(_authority), TestPki.CreateRoot("Policy TLS Root"), options =>
        {
            options.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot]));
            options.Reenrollment = policy;
        });
        return _server;
    }

    private async Task<(X509Certificate2 Identity, ECDsa Key)> EnrollAsync(EstTestServer server, string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var enrolled = await server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName(subject)));
        return (enrolled.Certificate!.CopyWithPrivateKey(key), key);
    }

    private static async Task<X509Certificate2> ReenrollAsync(EstTestServer server, X509Certificate2 identity, ECDsa key) =>
        (await server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, key))).Certificate!;
}
