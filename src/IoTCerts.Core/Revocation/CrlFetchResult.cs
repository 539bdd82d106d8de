namespace IoTCerts.Core;

/// <summary>How a CRL download ended.</summary>
public enum CrlFetchStatus
{
    /// <summary>A CRL was downloaded and parsed.</summary>
    Fetched,

    /// <summary>The server could not be reached (name resolution, connection refused, TLS or transport failure).</summary>
    Unreachable,

    /// <summary>The download took longer than the timeout.</summary>
    TimedOut,

    /// <summary>The server answered with an HTTP error status (for example 404).</summary>
    HttpError,

    /// <summary>The server redirected more often than allowed, or to a location that is not http/https.</summary>
    TooManyRedirects,

    /// <summary>The CRL is larger than the size cap.</summary>
    TooLarge,

    /// <summary>The body is not a CRL (DER or PEM "X509 CRL").</summary>
    NotACrl,
}

/// <summary>The outcome of fetching one CRL distribution point.</summary>
public sealed class CrlFetchResult
{
    internal CrlFetchResult(string uri, CrlFetchStatus status, CertificateRevocationList? crl, int? httpStatus, string message, DateTimeOffset fetchedAt)
    {
        Uri = uri;
        Status = status;
        Crl = crl;
        HttpStatus = httpStatus;
        Message = message;
        FetchedAt = fetchedAt;
    }

    /// <summary>The distribution point URI asked for.</summary>
    public string Uri { get; }

    /// <summary>How the download ended.</summary>
    public CrlFetchStatus Status { get; }

    /// <summary>The CRL, when <see cref="Status"/> is <see cref="CrlFetchStatus.Fetched"/>. Its signature is not checked here (the revocation checker does that).</summary>
    public CertificateRevocationList? Crl { get; }

    /// <summary>The HTTP status code of the last response, when there was one.</summary>
    public int? HttpStatus { get; }

    /// <summary>A sentence for an operator, naming the URI.</summary>
    public string Message { get; }

    /// <summary>When the download finished.</summary>
    public DateTimeOffset FetchedAt { get; }

    /// <summary>True when the failure means "CRL location not reachable": unreachable, timed out, HTTP error or redirect loop.</summary>
    public bool IsUnreachable => Status is CrlFetchStatus.Unreachable or CrlFetchStatus.TimedOut or CrlFetchStatus.HttpError or CrlFetchStatus.TooManyRedirects;

    /// <inheritdoc/>
    public override string ToString() => $"{Status}: {Message}";
}

/// <summary>Limits of a <see cref="CrlFetcher"/>. Immutable.</summary>
public sealed class CrlFetcherOptions
{
    /// <summary>The defaults: 10 s timeout, 10 MiB, 3 redirects, failures remembered 30 s, 1,024 cached locations.</summary>
    public static CrlFetcherOptions Default { get; } = new();

    /// <summary>The longest a download may take, headers and body together. Default 10 s.</summary>
    public TimeSpan Timeout { get; init => field = value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(10) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the timeout must be between zero and 10 minutes"); } = TimeSpan.FromSeconds(10);

    /// <summary>The largest CRL accepted, in bytes. Default 10 MiB.</summary>
    public int MaxCrlSize { get; init => field = value is >= 1024 and <= 256 * 1024 * 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the size cap must be between 1 KiB and 256 MiB"); } = 10 * 1024 * 1024;

    /// <summary>The most redirects followed (when the HTTP handler does not follow them itself). Default 3.</summary>
    public int MaxRedirects { get; init => field = value is >= 0 and <= 20 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the redirect cap must be between 0 and 20"); } = 3;

    /// <summary>How long a failed download is remembered before the location is tried again. Default 30 s.</summary>
    public TimeSpan FailureRetention { get; init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the failure retention must not be negative"); } = TimeSpan.FromSeconds(30);

    /// <summary>How long a CRL without nextUpdate is kept. Default 1 hour.</summary>
    public TimeSpan LifetimeWithoutNextUpdate { get; init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the lifetime must not be negative"); } = TimeSpan.FromHours(1);

    /// <summary>The most locations kept in the cache. Default 1,024.</summary>
    public int MaxCacheEntries { get; init => field = value is >= 1 and <= 1_000_000 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the cache size must be between 1 and 1,000,000"); } = 1024;
}
