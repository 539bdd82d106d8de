namespace IoTCerts.Revocation.Online;

/// <summary>How <see cref="OcspClient"/> sends a request.</summary>
public enum OcspRequestMethod
{
    /// <summary>GET when the DER request is at most 255 bytes (RFC 6960 Appendix A, RFC 5019 §5: cacheable by HTTP proxies), POST otherwise: the default.</summary>
    Auto,

    /// <summary>Always GET (the URL-encoded base64 request appended to the responder URL).</summary>
    Get,

    /// <summary>Always POST with <c>application/ocsp-request</c>.</summary>
    Post,
}

/// <summary>Limits and choices of an <see cref="OcspClient"/>. Immutable.</summary>
public sealed class OcspClientOptions
{
    /// <summary>The defaults: 10 s timeout, 64 KiB responses, a nonce, GET for short requests, 5 min skew.</summary>
    public static OcspClientOptions Default { get; } = new();

    /// <summary>The longest a query may take, headers and body together. Default 10 s.</summary>
    public TimeSpan Timeout { get; init => field = value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(10) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the timeout must be between zero and 10 minutes"); } = TimeSpan.FromSeconds(10);

    /// <summary>The largest response accepted, in bytes. Default 64 KiB.</summary>
    public int MaxResponseSize { get; init => field = value is >= 512 and <= 16 * 1024 * 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the response size cap must be between 512 bytes and 16 MiB"); } = 64 * 1024;

    /// <summary>GET, POST, or GET for short requests.</summary>
    public OcspRequestMethod RequestMethod { get; init; } = OcspRequestMethod.Auto;

    /// <summary>Sends a random nonce (RFC 8954: 32 bytes) and rejects a response carrying a different one. Default true.</summary>
    public bool UseNonce { get; init; } = true;

    /// <summary>Rejects a response that does not echo the nonce (pre-signed responses never do). Default false; needs <see cref="UseNonce"/>.</summary>
    public bool RequireNonce { get; init; }

    /// <summary>A responder used for every certificate instead of the authorityInfoAccess OCSP URL (http or https), or null.</summary>
    public Uri? ResponderOverride
    {
        get;
        init => field = value is null || (value.IsAbsoluteUri && (value.Scheme == Uri.UriSchemeHttp || value.Scheme == Uri.UriSchemeHttps))
            ? value
            : throw new ArgumentException("the OCSP responder must be an absolute http or https URI", nameof(value));
    }

    /// <summary>How far thisUpdate may lie in the future and nextUpdate in the past when a response arrives. Default 5 minutes; at most one day.</summary>
    public TimeSpan ClockSkew { get; init => field = value >= TimeSpan.Zero && value <= TimeSpan.FromDays(1) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the clock skew must be between zero and one day"); } = TimeSpan.FromMinutes(5);

    /// <summary>How long an answer without nextUpdate is cached and accepted after its thisUpdate. Default 1 hour.</summary>
    public TimeSpan MaxAgeWithoutNextUpdate { get; init => field = value >= TimeSpan.FromMinutes(1) && value <= TimeSpan.FromDays(7) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the maximum age must be between one minute and 7 days"); } = TimeSpan.FromHours(1);

    /// <summary>How long a failed query is remembered before the responder is asked again. Default 30 s.</summary>
    public TimeSpan FailureRetention { get; init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the failure retention must not be negative"); } = TimeSpan.FromSeconds(30);

    /// <summary>The most certificates kept in the cache. Default 4,096.</summary>
    public int MaxCacheEntries { get; init => field = value is >= 1 and <= 1_000_000 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the cache size must be between 1 and 1,000,000"); } = 4096;
}
