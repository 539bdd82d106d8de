using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Tests;

/// <summary>
/// The EST server backed by a real iotcerts CA directory, over TLS: a re-enrollment renews the presented certificate
/// (R-61 renewal lineage) instead of revoking it, so the device's working identity stays valid.
/// </summary>
public sealed class CertificateAuthorityIssuerTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly X509Certificate2 _bootstrapRoot = TestPki.CreateRoot("CA-issuer Bootstrap CA");
    private X509Certificate2 _bootstrap = null!;
    private CertificateAuthority _authority = null!;
    private EstTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _bootstrap = TestPki.CreateLeaf(_bootstrapRoot, "CN=bootstrap ca-device", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _authority = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(_temp.File("ca")), new CaOptions { Subject = "CN=EST Directory CA", KeyAlgorithm = KeyAlgorithm.EcP256 });
        _server = await EstTestServer.StartAsync(new CertificateAuthorityIssuer(_authority, validity: TimeSpan.FromDays(30)), TestPki.CreateRoot("CA-issuer TLS Root"), options =>
            options.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot])));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _authority.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task ReenrollLeavesTheCurrentCertificateValidAndOutOfTheCrl()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("ca-device-1.example");
        var enrolled = await _server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=ca-device-1"), san.Build()));
        var identity = enrolled.Certificate!.CopyWithPrivateKey(key);
        var identityClient = _server.CreateClient(o => o.ClientCertificate = identity);

        var renewed = (await identityClient.ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, key))).Certificate!;
        // The answer may get lost: the device retries with the same current certificate, and that works too.
        var retried = (await identityClient.ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, key))).Certificate!;
        // After promotion the device renews from the new certificate while the first one has not expired yet.
        var renewedIdentity = renewed.CopyWithPrivateKey(key);
        var third = (await _server.CreateClient(o => o.ClientCertificate = renewedIdentity).ReenrollAsync(EnrollmentRequest.CreateRenewal(renewedIdentity, key))).Certificate!;

        var records = _authority.Database.ReadRecords().ToDictionary(r => r.SerialNumber);
        var now = DateTimeOffset.UtcNow;
        Assert.All(new[] { identity, renewed, retried, third }, c => Assert.True(records[c.SerialNumber].IsValidAt(now), c.SerialNumber));
        Assert.Null(records[identity.SerialNumber].Renews);
        Assert.Equal(identity.SerialNumber, records[renewed.SerialNumber].Renews);
        Assert.Equal(identity.SerialNumber, records[retried.SerialNumber].Renews);
        Assert.Equal(renewed.SerialNumber, records[third.SerialNumber].Renews);

        // The published CRL revokes nothing: a CRL-checking platform keeps accepting the old certificate.
        var crl = _authority.PublishCrl();
        Assert.Equal(0, crl.RevokedCount);
        var listed = CertificateRevocationListBuilder.Load(crl.Der, out _);
        Assert.False(listed.RemoveEntry(identity.SerialNumberBytes.Span));
        Assert.Null(IssuedCertificateCheck.ChainProblem(identity, [], [_authority.Certificate], now));
    }

    [Fact]
    public async Task PlainEnrollWithATakenCommonNameIsStillRefusedWithThePolicySentence()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var bootstrapClient = _server.CreateClient(o => o.ClientCertificate = _bootstrap);
        await bootstrapClient.EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=ca-device-2")));

        var refused = await Assert.ThrowsAsync<EstException>(() => bootstrapClient.EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=ca-device-2"))));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("the commonName 'ca-device-2' is already used by the valid certificate", refused.ServerText, StringComparison.Ordinal);
        Assert.Contains("signing policy: commonName unique", refused.ServerText, StringComparison.Ordinal);
        Assert.Single(_authority.Database.ReadRecords(), r => r.CommonName == "ca-device-2");
    }
}
