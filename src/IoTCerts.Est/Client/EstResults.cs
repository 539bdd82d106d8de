using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// The answer to /simpleenroll or /simplereenroll: the issued certificate (first) with any chain certificates,
/// or "pending" when the server kept answering 202 past <see cref="EstClientOptions.MaxPendingWait"/>.
/// </summary>
public sealed class EstEnrollmentResult
{
    internal EstEnrollmentResult(X509Certificate2Collection certificates, TimeSpan? retryAfter)
    {
        Certificates = certificates;
        RetryAfter = retryAfter;
    }

    /// <summary>True when the server has not decided yet (RFC 7030 section 4.2.3: 202); resend the same request after <see cref="RetryAfter"/>.</summary>
    public bool IsPending => Certificates.Count == 0;

    /// <summary>All certificates of the response, as sent (empty when pending).</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>The issued certificate: the first one of the response, or null when pending.</summary>
    public X509Certificate2? Certificate => Certificates.Count > 0 ? Certificates[0] : null;

    /// <summary>When pending: the server's last Retry-After.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>The answer to /serverkeygen (RFC 7030 section 4.4.2): the server-generated private key and the certificate.</summary>
public sealed class EstServerKeyGenResult
{
    internal EstServerKeyGenResult(byte[] privateKeyPkcs8, X509Certificate2Collection certificates, TimeSpan? retryAfter)
    {
        PrivateKeyPkcs8 = privateKeyPkcs8;
        Certificates = certificates;
        RetryAfter = retryAfter;
    }

    /// <summary>True when the server kept answering 202 past the pending cap.</summary>
    public bool IsPending => Certificates.Count == 0;

    /// <summary>The unencrypted PKCS#8 PrivateKeyInfo (DER). Write it with owner-only permissions.</summary>
    public byte[] PrivateKeyPkcs8 { get; }

    /// <summary>The certificates of the response, the issued one first.</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>The issued certificate, or null when pending.</summary>
    public X509Certificate2? Certificate => Certificates.Count > 0 ? Certificates[0] : null;

    /// <summary>When pending: the server's last Retry-After.</summary>
    public TimeSpan? RetryAfter { get; }
}
