using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// Settings of <see cref="CumulocityDeviceClient"/>: the tenant URL, the device certificate for mTLS, the trust
/// anchors for the platform's TLS certificate, and enrollment polling.
/// </summary>
public sealed class CumulocityDeviceClientOptions
{
    /// <summary>The tenant's base URL, for example <c>https://example.cumulocity.com</c>.</summary>
    public Uri? BaseUri { get; set; }

    /// <summary>The port of the mTLS REST endpoint for device tokens (default 8443; one older page says 443).</summary>
    public int DeviceTokenPort { get; set; } = 8443;

    /// <summary>The device certificate with its private key, presented for the token request.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Intermediates between the device certificate and the uploaded CA (device's issuer first).</summary>
    public X509Certificate2Collection ClientCertificateChain { get; } = [];

    /// <summary>
    /// Send <c>X-Ssl-Cert-Chain</c> (the device certificate and <see cref="ClientCertificateChain"/> as space-separated PEM)
    /// when the chain is not empty, for when the trusted certificate is not the device certificate's direct issuer (default true).
    /// </summary>
    public bool SendCertificateChainHeader { get; set; } = true;

    /// <summary>Trust anchors for the platform's TLS certificate; empty means the system trust store.</summary>
    public X509Certificate2Collection TrustAnchors { get; } = [];

    /// <summary>How long to wait between enrollment attempts while the device is not registered yet (default 30 s).</summary>
    public TimeSpan EnrollmentPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest total wait for registration before enrollment gives up (default 10 min).</summary>
    public TimeSpan EnrollmentMaxWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts after the first for 429/502/503/504 and connection failures of the token request (default 4).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first retry delay, doubled per retry with jitter (default 1 s).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest single retry wait; a longer Retry-After ends the retries (default 60 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for one request (default 60 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock for waits (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> GetProblems()
    {
        var problems = new List<string>();
        if (BaseUri is null || !BaseUri.IsAbsoluteUri || BaseUri.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add("BaseUri must be an absolute https URI");
        }

        if (DeviceTokenPort is < 1 or > 65535)
        {
            problems.Add("DeviceTokenPort must be 1..65535");
        }

        if (ClientCertificate is not null && !ClientCertificate.HasPrivateKey)
        {
            problems.Add("ClientCertificate must carry its private key");
        }

        if (EnrollmentPollInterval <= TimeSpan.Zero || EnrollmentMaxWait < TimeSpan.Zero)
        {
            problems.Add("EnrollmentPollInterval must be > 0 and EnrollmentMaxWait >= 0");
        }

        if (MaxRetries is < 0 or > 20 || RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("MaxRetries must be 0..20, RetryBaseDelay >= 0, MaxRetryDelay >= RetryBaseDelay and RequestTimeout > 0");
        }

        return problems;
    }

    /// <summary>Checks the options; throws one <see cref="ArgumentException"/> listing every problem.</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public void Validate()
    {
        var problems = GetProblems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid Cumulocity device client options: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>
    /// The HTTP handler these options need: TLS 1.2+, the platform's certificate checked against
    /// <see cref="TrustAnchors"/> (or the system store), and the device certificate sent with its chain.
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public HttpMessageHandler CreateHttpHandler()
    {
        Validate();
        var anchors = new X509Certificate2Collection(TrustAnchors);
        var ssl = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (ClientCertificate is { } certificate)
        {
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(ClientCertificateChain), offline: true);
        }

        if (anchors.Count > 0)
        {
            ssl.RemoteCertificateValidationCallback = new ServerTrust(anchors, TimeProvider).IsTrusted;
        }

        return new SocketsHttpHandler { SslOptions = ssl, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
    }

    /// <summary>A copy whose collections are independent of this instance.</summary>
    public CumulocityDeviceClientOptions Clone()
    {
        var copy = new CumulocityDeviceClientOptions
        {
            BaseUri = BaseUri,
            DeviceTokenPort = DeviceTokenPort,
            ClientCertificate = ClientCertificate,
            SendCertificateChainHeader = SendCertificateChainHeader,
            EnrollmentPollInterval = EnrollmentPollInterval,
            EnrollmentMaxWait = EnrollmentMaxWait,
            MaxRetries = MaxRetries,
            RetryBaseDelay = RetryBaseDelay,
            MaxRetryDelay = MaxRetryDelay,
            RequestTimeout = RequestTimeout,
            TimeProvider = TimeProvider,
        };
        copy.ClientCertificateChain.AddRange(ClientCertificateChain);
        copy.TrustAnchors.AddRange(TrustAnchors);
        return copy;
    }
}
