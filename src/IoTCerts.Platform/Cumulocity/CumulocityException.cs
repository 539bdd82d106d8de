using System.Net;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>Why a Cumulocity operation failed; stable across releases so callers can branch on it.</summary>
public enum CumulocityErrorCode
{
    /// <summary>The connection could not be made or broke (DNS, TCP, TLS handshake), after the configured retries.</summary>
    Transport,

    /// <summary>A request did not complete within <see cref="CumulocityClientOptions.RequestTimeout"/>.</summary>
    Timeout,

    /// <summary>401: the credentials (user, password, tenant or token) were refused.</summary>
    Unauthorized,

    /// <summary>403: the user lacks the role the operation needs.</summary>
    Forbidden,

    /// <summary>404: the tenant, certificate or feature does not exist.</summary>
    NotFound,

    /// <summary>409: the resource exists already (for operations where that is not a normal outcome).</summary>
    Conflict,

    /// <summary>400 or 422: the platform refused the content (invalid certificate, wrong signature, bad CSV).</summary>
    InvalidRequest,

    /// <summary>429 or 5xx, still failing after the configured retries.</summary>
    ServerError,

    /// <summary>Any other status that is not a success.</summary>
    UnexpectedStatus,

    /// <summary>The platform answered with a success status and a body this client cannot read.</summary>
    InvalidResponse,

    /// <summary>The response body exceeded <see cref="CumulocityClientOptions.MaxResponseBytes"/>.</summary>
    ResponseTooLarge,

    /// <summary>A long-running wait (enrollment polling, proof-of-possession code renewal) reached its cap.</summary>
    GaveUp,
}

/// <summary>
/// The one exception family of the Cumulocity clients: carries the HTTP status, the platform's error
/// (<c>{"error":"&lt;domain&gt;/&lt;type&gt;","message":…,"info":…}</c>) and the raw body, also when a proxy answered
/// with something that is not JSON. Messages never contain passwords, tokens or key material.
/// </summary>
public sealed class CumulocityException : IoTCerts.Core.IoTCertsException<CumulocityErrorCode>
{
    /// <summary>Creates an exception with a code and an operator sentence.</summary>
    public CumulocityException(CumulocityErrorCode code, string message, Exception? innerException = null)
        : base(code, message, innerException)
    {
    }

    /// <summary>The HTTP status, when the platform answered.</summary>
    public HttpStatusCode? Status { get; init; }

    /// <summary>The platform's error identifier, for example <c>security/Forbidden</c>, when the body was a Cumulocity error.</summary>
    public string? Error { get; init; }

    /// <summary>The platform's own message, when the body was a Cumulocity error.</summary>
    public string? ServerMessage { get; init; }

    /// <summary>The documentation link the platform sent with the error, if any.</summary>
    public string? Info { get; init; }

    /// <summary>The response body as text (bounded to 4096 characters), JSON or not.</summary>
    public string? RawBody { get; init; }

    /// <summary>The request, as <c>METHOD /path</c> (no query string, no credentials).</summary>
    public string? Request { get; init; }

    /// <summary>True when retrying later can help (transport, timeout, 429, 5xx).</summary>
    public bool IsTransient => Code is CumulocityErrorCode.Transport or CumulocityErrorCode.Timeout or CumulocityErrorCode.ServerError;
}
