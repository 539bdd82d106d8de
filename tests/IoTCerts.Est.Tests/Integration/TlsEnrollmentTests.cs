using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;

namespace IoTCerts.Est.Tests;

/// <summary>EstClient against the real MapEst server over TLS on 127.0.0.1 with client certificates.</summary>
public sealed class TlsEnrollmentTests : IAsyncLifetime
{
    private readonly X509Certificate2 _bootstrapRoot = TestPki.CreateRoot("Bootstrap CA");
    private readonly ManualApprovalQueue _approvals = new() { RetryAfter = TimeSpan.FromSeconds(1) };
    private readonly OneTimePasswordStore _otps = new();
    private X509Certificate2 _bootstrap = null!;
    private EstTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _bootstrap = TestPki.CreateLeaf(_bootstrapRoot, "CN=bootstrap device-1", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        _otps.Add("device-otp", "one-time-123");
        _server = await EstTestServer.StartAsync(options =>
        {
            options.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot]));
            options.Authorizers.Add(EstAuthorization.Basic((user, password) => user == "device-basic" && password == "basic-pass"));
            options.Authorizers.Add(EstAuthorization.OneTimePasswords(_otps));
            options.OfferBasicAuthentication = true;
            options.Labels = new HashSet<string>(StringComparer.Ordinal) { "fleet", "approval" };
            options.Approval = new LabelScopedApproval("approval", _approvals);
            options.CsrAttributes = CsrAttributes.Encode([CsrAttributes.ChallengePasswordOid, "1.2.840.10045.4.3.2"]);
        });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task BootstrapEnrollThenReenrollThenRekey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("device-1.fleet.example");
        var bootstrapClient = _server.CreateClient(o => o.ClientCertificate = _bootstrap);

        var caCertificates = await bootstrapClient.GetCaCertificatesAsync();
        var enrolled = await bootstrapClient.EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=device-1, O=Fleet"), san.Build()));

        var identity = enrolled.Certificate!.CopyWithPrivateKey(key);
        Assert.Equal(_server.CaRoot.RawData, Assert.Single(caCertificates).RawData);
        Assert.Null(IssuedCertificateCheck.ChainProblem(identity, [], caCertificates, DateTimeOffset.UtcNow));
        Assert.True(EnrollmentRequest.SamePublicKey(identity, key));

        // Renew: same key, the identity certificate as TLS client certificate, subject and SAN bytes copied.
        var identityClient = _server.CreateClient(o => o.ClientCertificate = identity);
        var renewed = (await identityClient.ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, key))).Certificate!;
        Assert.Equal(identity.SubjectName.RawData, renewed.SubjectName.RawData);
        Assert.Equal(EnrollmentRequest.FindSubjectAltName(identity)!.RawData, EnrollmentRequest.FindSubjectAltName(renewed)!.RawData);
        Assert.True(EnrollmentRequest.SamePublicKey(renewed, key));
        Assert.NotEqual(identity.SerialNumber, renewed.SerialNumber);

        // Rekey: a new key, same subject.
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rekeyed = (await identityClient.ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, newKey))).Certificate!;
        Assert.True(EnrollmentRequest.SamePublicKey(rekeyed, newKey));
        Assert.Equal(identity.SubjectName.RawData, rekeyed.SubjectName.RawData);
    }

    [Fact]
    public async Task ReenrollRulesAreEnforced()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var identity = (await _server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=device-2")))).Certificate!.CopyWithPrivateKey(key);

        var otherSubject = await Assert.ThrowsAsync<EstException>(() =>
            _server.CreateClient(o => o.ClientCertificate = identity).ReenrollAsync(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=device-3"))));
        Assert.Equal(HttpStatusCode.BadRequest, otherSubject.Status);
        Assert.Contains("Subject", otherSubject.ServerText, StringComparison.Ordinal);

        var notOurs = await Assert.ThrowsAsync<EstException>(() =>
            _server.CreateClient(o => o.ClientCertificate = _bootstrap).ReenrollAsync(EnrollmentRequest.CreateRenewal(_bootstrap, key)));
        Assert.Equal(EstErrorCode.Unauthorized, notOurs.Code);
        Assert.Equal(HttpStatusCode.Forbidden, notOurs.Status);

        var noCertificate = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient().ReenrollAsync(EnrollmentRequest.CreateRenewal(identity, key)));
        Assert.Equal(HttpStatusCode.Unauthorized, noCertificate.Status);
    }

    [Fact]
    public async Task BasicAuthenticationAndOneTimePasswords()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=basic device"));

        var anonymous = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient().EnrollAsync(csr));
        Assert.Equal(EstErrorCode.Unauthorized, anonymous.Code);

        var viaChallenge = await _server.CreateClient(o => (o.UserName, o.Password) = ("device-basic", "basic-pass")).EnrollAsync(csr);
        Assert.NotNull(viaChallenge.Certificate);
        var preemptive = await _server.CreateClient(o => (o.UserName, o.Password, o.PreemptiveBasicAuthentication) = ("device-basic", "basic-pass", true)).EnrollAsync(csr);
        Assert.NotNull(preemptive.Certificate);
        var wrong = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient(o => (o.UserName, o.Password) = ("device-basic", "nope")).EnrollAsync(csr));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);

        var otpClient = _server.CreateClient(o => (o.UserName, o.Password) = ("device-otp", "one-time-123"));
        Assert.NotNull((await otpClient.EnrollAsync(csr)).Certificate);
        Assert.Equal(EstErrorCode.Unauthorized, (await Assert.ThrowsAsync<EstException>(() => otpClient.EnrollAsync(csr))).Code);
    }

    [Fact]
    public async Task LabelsAreRouted()
    {
        var labelled = _server.CreateClient(o => o.Label = "fleet");
        Assert.Single(await labelled.GetCaCertificatesAsync());

        var unknown = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient(o => o.Label = "elsewhere").GetCaCertificatesAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task ManualApprovalAnswers202ThenIssues()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=awaiting approval"));
        var client = _server.CreateClient(o =>
        {
            o.Label = "approval";
            o.ClientCertificate = _bootstrap;
            o.MaxPendingWait = TimeSpan.Zero;
        });

        var first = await client.EnrollAsync(csr);
        Assert.True(first.IsPending);
        Assert.Equal(TimeSpan.FromSeconds(1), first.RetryAfter);

        Assert.True(_approvals.Approve(Assert.Single(_approvals.Pending)));
        var second = await client.EnrollAsync(csr);
        Assert.True(EnrollmentRequest.SamePublicKey(second.Certificate!, key));
    }

    [Fact]
    public async Task CsrAttributesAreServed()
    {
        var attributes = await _server.CreateClient().GetCsrAttributesAsync();

        Assert.Equal([CsrAttributes.ChallengePasswordOid, "1.2.840.10045.4.3.2"], attributes.Entries.Select(e => e.Oid).ToArray());
        Assert.True(attributes.RequestsChallengePassword);
    }

    [Fact]
    public async Task ServerKeyGenerationReturnsAMatchingKey()
    {
        using var throwaway = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var result = await _server.CreateClient(o => o.ClientCertificate = _bootstrap).ServerKeyGenAsync(EnrollmentRequest.Create(throwaway, new X500DistinguishedName("CN=server keygen")));

        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(result.PrivateKeyPkcs8, out _);
        Assert.True(EnrollmentRequest.SamePublicKey(result.Certificate!, key));
        Assert.False(EnrollmentRequest.SamePublicKey(result.Certificate!, throwaway));
        Assert.Equal("CN=server keygen", result.Certificate!.Subject);
    }

    [Fact]
    public async Task AServerOutsideTheTrustAnchorsIsRefused()
    {
        var client = _server.CreateClient(o =>
        {
            o.TrustAnchors.Clear();
            o.TrustAnchors.Add(_bootstrapRoot);
        });

        var error = await Assert.ThrowsAsync<EstException>(() => client.GetCaCertificatesAsync());

        Assert.Equal(EstErrorCode.UntrustedServer, error.Code);
    }

    /// <summary>Manual approval only on one label, so the other tests are not held up.</summary>
    private sealed class LabelScopedApproval(string label, IEstApprovalPolicy inner) : IEstApprovalPolicy
    {
        public ValueTask<(EstApprovalState State, TimeSpan RetryAfter)> EvaluateAsync(string requestId, EstRequestContext context, CancellationToken cancellationToken) =>
            context.Label == label ? inner.EvaluateAsync(requestId, context, cancellationToken) : ValueTask.FromResult((EstApprovalState.Approved, TimeSpan.Zero));
    }
}
