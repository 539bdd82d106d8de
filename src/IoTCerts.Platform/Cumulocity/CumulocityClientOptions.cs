using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// Settings of <see cref="CumulocityClient"/>: where the tenant lives, how to authenticate (Basic or Bearer) and how
/// hard to retry. <see cref="Validate"/> lists every problem at once; the client copies the options when it is made.
/// </summary>
public sealed class CumulocityClientOptions
{
    /// <summary>The tenant's base URL, for example <c>https://example.cumulocity.com</c>; a path prefix is kept.</summary>
    public Uri? BaseUri { get; set; }

    /// <summary>The tenant id (<c>t12345</c>). When null it is read once from <c>GET /tenant/currentTenant</c>.</summary>
    public string? Tenant { get; set; }

    /// <summary>
    /// The user for Basic authentication. When <see cref="Tenant"/> is set and the name has no '/', the client sends
    /// <c>{tenant}/{user}</c> as the platform expects on shared hosts.
    /// </summary>
    public string? UserName { get; set; }

    /// <summary>The password for Basic authentication. Never logged, never in exception messages.</summary>
    public string? Password { get; set; }

    /// <summary>A Bearer token (OAI-Secure or device JWT) used instead of Basic authentication.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Trust anchors for the platform's TLS certificate (used by <see cref="CreateHttpHandler"/>); empty means the system store.</summary>
    public X509Certificate2Collection TrustAnchors { get; private set; } = [];

    /// <summary>Attempts after the first one for 429, 502, 503, 504 and connection failures (default 4).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first retry delay; each further retry doubles it, with random jitter (default 1 s).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest single wait, including a server's Retry-After; a longer Retry-After ends the retries (default 60 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for one request, headers and body (default 100 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The largest response body read (default 32 MiB: a page of 2000 certificates is a few MiB).</summary>
    public int MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Page size for listings, 1..2000 (default 100).</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>How many times proof of possession asks for a fresh verification code when one has expired (default 3).</summary>
    public int MaxVerificationCodeRequests { get; set; } = 3;

    /// <summary>The clock for Retry-After dates, code expiry and waits (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> GetProblems()
    {
        var problems = new List<string>();
        if (BaseUri is null || !BaseUri.IsAbsoluteUri || (BaseUri.Scheme != Uri.UriSchemeHttps && BaseUri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add("BaseUri must be an absolute https URI");
        }

        if (BearerToken is null && (UserName is null || Password is null))
        {
            problems.Add("give UserName and Password (Basic) or BearerToken");
        }

        if (BearerToken is not null && (UserName is not null || Password is not null))
        {
            problems.Add("give either Basic credentials or BearerToken, not both");
        }

        if (UserName is not null && UserName.Contains(':', StringComparison.Ordinal))
        {
            problems.Add("UserName must not contain ':' (RFC 7617)");
        }

        if (Tenant is not null && (Tenant.Length == 0 || Tenant.IndexOfAny(['/', '?', '#', ':']) >= 0))
        {
            problems.Add("Tenant must be a tenant id such as t12345");
        }

        if (MaxRetries is < 0 or > 20)
        {
            problems.Add("MaxRetries must be between 0 and 20");
        }

        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("RetryBaseDelay must be >= 0, MaxRetryDelay >= RetryBaseDelay and RequestTimeout > 0");
        }

        if (MaxResponseBytes < 4096)
        {
            problems.Add("MaxResponseBytes must be at least 4096");
        }

        if (PageSize is < 1 or > 2000)
        {
            problems.Add("PageSize must be between 1 and 2000 (the platform's maximum)");
        }

        if (MaxVerificationCodeRequests is < 1 or > 10)
        {
            problems.Add("MaxVerificationCodeRequests must be between 1 and 10");
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
            throw new ArgumentException("invalid Cumulocity client options: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>A copy, so later changes to this instance do not reach a client already made.</summary>
    public CumulocityClientOptions Clone()
    {
        var copy = (CumulocityClientOptions)MemberwiseClone();
        copy.TrustAnchors = new X509Certificate2Collection(TrustAnchors);
        return copy;
    }

    /// <summary>
    /// An HTTP handler with TLS 1.2+ that checks the platform's certificate against <see cref="TrustAnchors"/> when given
    /// (the system store otherwise). The DI registration uses it as the primary handler.
    /// </summary>
    public HttpMessageHandler CreateHttpHandler()
    {
        var anchors = new X509Certificate2Collection(TrustAnchors);
        var ssl = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 };
        if (anchors.Count > 0)
        {
            ssl.RemoteCertificateValidationCallback = new ServerTrust(anchors, TimeProvider).IsTrusted;
        }

        return new SocketsHttpHandler { SslOptions = ssl, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
    }
}
