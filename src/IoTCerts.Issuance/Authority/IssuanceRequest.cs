using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>What to issue: a subject, its public key, a profile, subject alternative names and a validity.</summary>
public sealed class IssuanceRequest
{
    /// <summary>The largest CSR accepted (a CSR holds one key and a few attributes).</summary>
    public const int MaxCertificationRequestBytes = 64 * 1024;

    /// <summary>The subject name; the signing policy requires a commonName.</summary>
    public required X500DistinguishedName Subject { get; init; }

    /// <summary>The subject's public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The extension profile; defaults to <see cref="CertificateProfile.Device"/>.</summary>
    public CertificateProfile Profile { get; init; } = CertificateProfile.Device();

    /// <summary>Subject alternative names such as <c>DNS:host</c>, <c>IP:192.0.2.1</c>; empty for none.</summary>
    public IReadOnlyList<string> SubjectAlternativeNames { get; init; } = [];

    /// <summary>A subjectAltName extension taken over as-is (from a CSR) when <see cref="SubjectAlternativeNames"/> is empty.</summary>
    public X509Extension? RequestedSubjectAlternativeName { get; init; }

    /// <summary>How long the certificate is valid; null for the profile default. Clamped to the CA's own notAfter.</summary>
    public TimeSpan? Validity { get; init; }

    /// <summary>
    /// The serial number (hex, any case, colons allowed) of the certificate this request renews (re-enrollment,
    /// RFC 7030 section 4.2.2), or null for a new enrollment. A renewal keeps the commonName: the signing policy
    /// then accepts the name although the renewed certificate, and earlier renewals of the same
    /// certificate, are still valid, so the device keeps a working identity until it has installed the new one
    /// . The renewed certificate must be one this CA issued, valid (neither revoked nor expired) and carry
    /// the same commonName; otherwise the request is refused. The relation is recorded in
    /// <see cref="CertificateRecord.Renews"/>.
    /// </summary>
    public string? Renews { get; init; }

    /// <summary>
    /// Builds a request from a PKCS#10 CSR (PEM or DER) after verifying its self-signature. The subject, key and
    /// a requested subjectAltName are taken over; other requested extensions are ignored (the profile decides them).
    /// </summary>
    /// <exception cref="IssuanceException">The CSR is malformed, too large, or its signature does not verify.</exception>
    public static IssuanceRequest FromCertificationRequest(ReadOnlySpan<byte> pemOrDer, CertificateProfile? profile = null)
    {
        var loaded = CertificationRequests.Load(pemOrDer);
        X509Extension? san = null;
        foreach (var extension in loaded.Extensions)
        {
            if (extension.Oid == "2.5.29.17")
            {
                san = new X509Extension(extension.Oid, extension.Value.Span, critical: false);
            }
        }

        return new IssuanceRequest
        {
            Subject = new X500DistinguishedName(loaded.Subject.RawData.Span),
            PublicKey = PublicKey.CreateFromSubjectPublicKeyInfo(loaded.PublicKey.RawData.Span, out _),
            Profile = profile ?? CertificateProfile.Device(),
            RequestedSubjectAlternativeName = san,
        };
    }
}
