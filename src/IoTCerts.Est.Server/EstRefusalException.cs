namespace IoTCerts.Est.Server;

/// <summary>
/// Thrown by an <see cref="IEstCertificateIssuer"/> to refuse a request with an HTTP status and a sentence the EST client
/// shows its operator (RFC 7030 section 4.2.3: errors are 4xx/5xx with a text body).
/// </summary>
public sealed class EstRefusalException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public EstRefusalException(int statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status to answer (400 for policy refusals).</summary>
    public int StatusCode { get; }
}
