using System.Net;

namespace IoTCerts.Est;

/// <summary>Why an EST operation failed; stable across releases so callers can branch on it.</summary>
public enum EstErrorCode
{
    /// <summary>The connection could not be made or broke (DNS, TCP, TLS handshake).</summary>
    Transport,

    /// <summary>The request did not complete within <see cref="EstClientOptions.RequestTimeout"/>.</summary>
    Timeout,

    /// <summary>The server's TLS certificate is not trusted under the configured trust policy.</summary>
    UntrustedServer,

    /// <summary>The server refused the credentials (401 or 403).</summary>
    Unauthorized,

    /// <summary>The server answered with another 4xx or 5xx status.</summary>
    ServerError,

    /// <summary>The server answered 2xx with a body that is not what RFC 7030 prescribes.</summary>
    InvalidResponse,

    /// <summary>The response body exceeded <see cref="EstClientOptions.MaxResponseBytes"/>.</summary>
    ResponseTooLarge,

    /// <summary>The client options or the request are unusable (checked before anything is sent).</summary>
    InvalidConfiguration,
}

/// <summary>
/// The one exception family of <see cref="EstClient"/>: carries the HTTP status and the server's own text,
/// so an operator sees what the EST server said. Never contains passwords or key material.
/// </summary>
public sealed class EstException : IoTCerts.Core.IoTCertsException<EstErrorCode>
{
    /// <summary>Creates an exception with a code and an operator sentence.</summary>
    public EstException(EstErrorCode code, string message, Exception? innerException = null)
        : base(code, message, innerException)
    {
    }

    /// <summary>The HTTP status, when the server answered.</summary>
    public HttpStatusCode? Status { get; init; }

    /// <summary>The server's error text (trimmed and bounded), when it sent one.</summary>
    public string? ServerText { get; init; }

    /// <summary>True when retrying later can help (transport, timeout, 5xx, 429); false for refusals and bad answers.</summary>
    public bool IsTransient => Code is EstErrorCode.Transport or EstErrorCode.Timeout
        || (Code == EstErrorCode.ServerError && Status is { } s && ((int)s >= 500 || s == HttpStatusCode.TooManyRequests || s == HttpStatusCode.RequestTimeout));
}
