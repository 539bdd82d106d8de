namespace IoTCerts.Ocsp.Server;

/// <summary>Limits and lifetimes of an <see cref="OcspResponder"/>. Immutable.</summary>
public sealed class OcspResponderOptions
{
    /// <summary>The defaults: responses valid 1 hour, the CA index re-read at most every second, 16 KiB requests, 16 certificates per request.</summary>
    public static OcspResponderOptions Default { get; } = new();

    /// <summary>nextUpdate − thisUpdate of each answer; a pre-signed answer is reused for the first half of it. Default 1 hour; between one minute and 7 days.</summary>
    public TimeSpan ResponseValidity { get; init => field = value >= TimeSpan.FromMinutes(1) && value <= TimeSpan.FromDays(7) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the response validity must be between one minute and 7 days"); } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a read of the CA index is used before it is read again, so a revocation by another process
    /// (<c>iotcerts revoke</c>) is answered within this delay. Default 1 s; between zero (every request) and one hour.
    /// </summary>
    public TimeSpan IndexRefreshInterval { get; init => field = value >= TimeSpan.Zero && value <= TimeSpan.FromHours(1) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the index refresh interval must be between zero and one hour"); } = TimeSpan.FromSeconds(1);

    /// <summary>The largest request accepted, in bytes. Default 16 KiB.</summary>
    public int MaxRequestSize { get; init => field = value is >= 256 and <= 1024 * 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the request size cap must be between 256 bytes and 1 MiB"); } = 16 * 1024;

    /// <summary>The most certificates one request may ask about (more is answered malformedRequest). Default 16.</summary>
    public int MaxCertificatesPerRequest { get; init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the certificates per request must be between 1 and 1000"); } = 16;
}
