using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>The status column of a CA database entry (as in an <c>openssl ca</c> index: V, R, E).</summary>
public enum CertificateStatus
{
    /// <summary>Issued and not revoked (it may have passed its notAfter; see <see cref="CertificateRecord.IsValidAt"/>).</summary>
    Valid = 1,

    /// <summary>Revoked.</summary>
    Revoked,

    /// <summary>Marked expired.</summary>
    Expired,
}

/// <summary>One certificate the CA issued: serial, subject, validity and status.</summary>
/// <param name="SerialNumber">The serial as upper-case hex without leading zero bytes (OpenSSL style, even length).</param>
/// <param name="Status">Valid, revoked or expired.</param>
/// <param name="NotAfter">The certificate's notAfter.</param>
/// <param name="RevokedAt">When it was revoked, for revoked entries.</param>
/// <param name="Reason">Why it was revoked, for revoked entries.</param>
/// <param name="Subject">The subject in OpenSSL one-line form (<c>/O=Acme/CN=device-1</c>).</param>
public sealed record CertificateRecord(string SerialNumber, CertificateStatus Status, DateTimeOffset NotAfter, DateTimeOffset? RevokedAt, X509RevocationReason? Reason, string Subject)
{
    /// <summary>The subject in OpenSSL one-line form (<c>/O=Acme/CN=device-1</c>).</summary>
    public string Subject
    {
        get;
        init
        {
            field = value;
            CommonName = DistinguishedNames.CommonNameFromOneLine(value);
        }
    } = Subject;

    /// <summary>The subject's commonName, or null.</summary>
    // Parsed once per subject (at construction, and again when a `with` copy sets Subject): the signing policy reads
    // every record's commonName on each issue.
    public string? CommonName { get; private init; } = DistinguishedNames.CommonNameFromOneLine(Subject);

    /// <summary>
    /// The serial of the certificate this one renews (<see cref="IssuanceRequest.Renews"/>), or null. Renewals form a
    /// lineage of one device identity whose valid members may share a commonName.
    /// </summary>
    public string? Renews { get; init; }

    /// <summary>True when the entry is neither revoked nor expired at <paramref name="instant"/>.</summary>
    public bool IsValidAt(DateTimeOffset instant) => Status == CertificateStatus.Valid && NotAfter > instant;
}
