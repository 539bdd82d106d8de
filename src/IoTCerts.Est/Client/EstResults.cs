using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

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

    /// <summary>All certificates of the response, in the order sent (empty when pending); see <see cref="Certificate"/> for the issued one.</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>The issued certificate (the one that issued no other certificate of the response), or null when pending.</summary>
    public X509Certificate2? Certificate => ResponseCertificates.FindIssued(Certificates);

    /// <summary>When pending: the server's last Retry-After.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>
/// Finds the end-entity certificate in a response: a certs-only SET carries no order (RFC 5652), so position is not
/// trusted; IoTCerts.Core's <see cref="OrderedChain"/> decides (the one chain orderer of the packages).
/// </summary>
public static class ResponseCertificates
{
    /// <summary>
    /// The issued (end-entity) certificate of an EST response or of an issuer's answer, whatever order the certificates
    /// come in; null when there is none.
    /// </summary>
    /// <param name="certificates">The certificates of the certs-only response.</param>
    /// <returns>The end-entity certificate, or null for an empty collection.</returns>
    public static X509Certificate2? FindIssued(X509Certificate2Collection certificates)
    {
        if (certificates.Count == 0)
        {
            return null;
        }

        var parsed = new List<Certificate>(certificates.Count);
        foreach (var certificate in certificates)
        {
            if (!Certificate.TryParse(certificate.RawData, out var model, out _))
            {
                // A certificate Core refuses cannot be ordered: keep the order sent.
                return certificates[0];
            }

            parsed.Add(model);
        }

        var leaf = OrderedChain.FromBag(parsed).Certificates[0];
        return certificates.First(c => c.RawData.AsSpan().SequenceEqual(leaf.RawData.Span));
    }
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

    /// <summary>The certificates of the response, as sent.</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>The issued certificate, or null when pending.</summary>
    public X509Certificate2? Certificate => ResponseCertificates.FindIssued(Certificates);

    /// <summary>When pending: the server's last Retry-After.</summary>
    public TimeSpan? RetryAfter { get; }
}
