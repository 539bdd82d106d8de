using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Server;

/// <summary>The CA behind the EST endpoints: what /cacerts returns and how a verified request becomes a certificate.</summary>
public interface IEstCertificateIssuer
{
    /// <summary>The certificates /cacerts returns for <paramref name="label"/> (RFC 7030 section 4.1.3): the root(s), roll-over certificates and intermediates.</summary>
    X509Certificate2Collection GetCaCertificates(string? label);

    /// <summary>
    /// Issues a certificate for <paramref name="request"/> (signature already verified, authorization done). Returns the new
    /// certificate first, then any chain certificates the client should store with it.
    /// </summary>
    Task<X509Certificate2Collection> IssueAsync(CertificateRequest request, EstRequestContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Where <paramref name="certificate"/>, presented to re-enroll and chaining to this CA, stands in the CA's records
    /// (revoked, superseded by a rekey). Issuers that keep no records answer <see cref="EstCertificateStanding.Unknown"/>.
    /// </summary>
    EstCertificateStanding GetStanding(X509Certificate2 certificate) => EstCertificateStanding.Unknown;
}
