namespace IoTCerts.Revocation.Online;

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
