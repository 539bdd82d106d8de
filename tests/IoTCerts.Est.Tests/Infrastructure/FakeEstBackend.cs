using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;

namespace IoTCerts.Est.Tests;

/// <summary>What the fake EST backend does with the next enrollment.</summary>
public enum EstFault
{
    None,
    PendingForever,
    ServerError,
    Timeout,
    TruncatedPkcs7,
    GarbagePkcs7,
    EmptyPkcs7,
    DifferentKey,
    NotChaining,
    AlreadyExpired,
}

/// <summary>
/// An in-process EST server behind an HttpMessageHandler (no TLS) that issues with a fake clock and injects faults.
/// The real EstClient protocol code runs against it.
/// </summary>
internal sealed class FakeEstBackend : HttpMessageHandler
{
    private readonly X509Certificate2 _stranger = TestPki.CreateRoot("Stranger CA");

    public FakeEstBackend(TimeProvider clock, TimeSpan validity)
    {
        Clock = clock;
        Ca = TestPki.CreateRoot("Fake EST CA", clock.GetUtcNow().AddDays(-1), TimeSpan.FromDays(36500));
        Issuer = new InMemoryCertificateIssuer(Ca, validity: validity, timeProvider: clock);
    }

    public TimeProvider Clock { get; }

    public X509Certificate2 Ca { get; private set; }

    public InMemoryCertificateIssuer Issuer { get; private set; }

    /// <summary>Answer 403 to a re-enrollment whose TLS client certificate the current CA did not issue (as MapEst does).</summary>
    public bool RefuseReenrollFromOtherCa { get; set; }

    /// <summary>R-74: the CA is renewed with a new key (same name); /cacerts and issuance switch to it.</summary>
    public void RollOverCa()
    {
        Ca = TestPki.CreateRoot("Fake EST CA", Clock.GetUtcNow().AddDays(-1), TimeSpan.FromDays(36500));
        Issuer = new InMemoryCertificateIssuer(Ca, validity: Issuer.Validity, timeProvider: Clock);
    }

    public EstFault Fault { get; set; }

    /// <summary>Answer 404 to /cacerts, like Cumulocity's EST-style enrollment endpoint.</summary>
    public bool WithoutCaCertificates { get; set; }

    public List<string> Paths { get; } = [];

    public List<X509Certificate2?> ClientCertificates { get; } = [];

    /// <summary>The factory for CertificateRenewalEngine.ClientFactory: records the TLS client certificate the engine chose.</summary>
    public (EstClient, IDisposable) CreateClient(EstClientOptions options)
    {
        ClientCertificates.Add(options.ClientCertificate);
        var http = new HttpClient(this, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        return (new EstClient(http, options), http);
    }

    public EstClientOptions ClientOptions()
    {
        var options = new EstClientOptions { Server = new Uri("https://est.test/"), MaxPendingWait = TimeSpan.Zero, RequestTimeout = TimeSpan.FromMilliseconds(300) };
        options.TrustAnchors.Add(Ca);
        return options;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        lock (Paths)
        {
            Paths.Add(path);
        }

        if (path.EndsWith("/cacerts", StringComparison.Ordinal))
        {
            if (WithoutCaCertificates)
            {
                return ScriptedHandler.Text(HttpStatusCode.NotFound, "no such endpoint");
            }

            return ScriptedHandler.CertsOnly(Ca);
        }

        if (RefuseReenrollFromOtherCa && path.EndsWith("/simplereenroll", StringComparison.Ordinal)
            && ClientCertificates[^1] is { } presented && IssuedCertificateCheck.ChainProblem(presented, [], [Ca], Clock.GetUtcNow()) is not null)
        {
            return ScriptedHandler.Text(HttpStatusCode.Forbidden, "the TLS client certificate was not issued by this CA");
        }

        switch (Fault)
        {
            case EstFault.PendingForever:
                return ScriptedHandler.Text(HttpStatusCode.Accepted, "pending", retryAfter: "120");
            case EstFault.ServerError:
                return ScriptedHandler.Text(HttpStatusCode.InternalServerError, "database unavailable");
            case EstFault.Timeout:
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                break;
        }

        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        var csr = CertificateRequest.LoadSigningRequest(EstBody.DecodeBase64(body), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        var now = Clock.GetUtcNow();
        X509Certificate2 issued;
        switch (Fault)
        {
            case EstFault.TruncatedPkcs7:
                var full = CertsOnlyCodec.Write((await Issuer.IssueAsync(csr, null!, cancellationToken)).Cast<X509Certificate2>());
                return ScriptedHandler.Text(HttpStatusCode.OK, Convert.ToBase64String(full, 0, full.Length / 2), "application/pkcs7-mime");
            case EstFault.GarbagePkcs7:
                return ScriptedHandler.Text(HttpStatusCode.OK, Convert.ToBase64String(RandomNumberGenerator.GetBytes(200)), "application/pkcs7-mime");
            case EstFault.EmptyPkcs7:
                return ScriptedHandler.CertsOnly();
            case EstFault.DifferentKey:
                issued = TestPki.CreateLeaf(Ca, csr.SubjectName.Name, now, now.AddDays(30));
                break;
            case EstFault.NotChaining:
                issued = (await new InMemoryCertificateIssuer(_stranger, timeProvider: Clock).IssueAsync(csr, null!, cancellationToken))[0];
                break;
            case EstFault.AlreadyExpired:
                issued = CreateExpired(csr, now);
                break;
            default:
                issued = (await Issuer.IssueAsync(csr, null!, cancellationToken))[0];
                break;
        }

        return ScriptedHandler.CertsOnly(issued);
    }

    private X509Certificate2 CreateExpired(CertificateRequest csr, DateTimeOffset now)
    {
        var template = new CertificateRequest(csr.SubjectName, csr.PublicKey, HashAlgorithmName.SHA256);
        using var caKey = Ca.GetECDsaPrivateKey()!;
        return template.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-10), now.AddDays(-1), [1, 2, 3]);
    }
}
