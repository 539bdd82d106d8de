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

/// <summary>
/// The outcome of fetching one CRL distribution point: the data an <see cref="ICrlSource"/> hands to Core's revocation
/// checker and profile rules (Core itself fetches nothing).
/// </summary>
public sealed class CrlFetchResult
{
    /// <summary>Creates a result (for an <see cref="ICrlSource"/> implementation).</summary>
    /// <param name="uri">The distribution point URI asked for.</param>
    /// <param name="status">How the download ended.</param>
    /// <param name="crl">The CRL, when <paramref name="status"/> is <see cref="CrlFetchStatus.Fetched"/>.</param>
    /// <param name="httpStatus">The HTTP status code of the last response, when there was one.</param>
    /// <param name="message">A sentence for an operator, naming the URI.</param>
    /// <param name="fetchedAt">When the download finished.</param>
    public CrlFetchResult(string uri, CrlFetchStatus status, CertificateRevocationList? crl, int? httpStatus, string message, DateTimeOffset fetchedAt)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(message);

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
