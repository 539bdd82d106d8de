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
    public static IssuanceRequest FromCertificationRequest(ReadOnlySpan<byte> pemOrDer, CertificateProfile? profile = null) =>
        FromLoaded(CertificationRequests.Load(pemOrDer), profile);

    /// <summary>
    /// Builds requests from many CSRs (PEM or DER) at once, checking their signatures on up to
    /// <paramref name="maxDegreeOfParallelism"/> cores: checking a CSR's signature is most of the cost of issuing from
    /// it, so enrolling a fleet with this and <see cref="CertificateAuthority.IssueBatch"/> uses every core. All CSRs
    /// are checked; the result keeps their order.
    /// </summary>
    /// <param name="requests">The CSRs.</param>
    /// <param name="profile">The extension profile for every request; <see cref="CertificateProfile.Device"/> when null.</param>
    /// <param name="maxDegreeOfParallelism">How many cores may check at once: -1 (the default) for all of them, 1 for the calling thread only.</param>
    /// <exception cref="IssuanceException">
    /// A CSR is malformed, too large or its signature does not verify; the message names the first such CSR by its
    /// position (1-based), <see cref="IssuanceException.RequestIndex"/> holds that position (0-based), and
    /// the exception's code and inner exception are that CSR's own error.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is 0 or below -1.</exception>
    public static IReadOnlyList<IssuanceRequest> FromCertificationRequests(IReadOnlyList<ReadOnlyMemory<byte>> requests, CertificateProfile? profile = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(requests);
        BatchWork.CheckParallelism(maxDegreeOfParallelism);
        var built = new IssuanceRequest[requests.Count];
        var errors = new IssuanceException?[requests.Count];
        BatchWork.Run(requests.Count, maxDegreeOfParallelism, i =>
        {
            try
            {
                built[i] = FromLoaded(CertificationRequests.Load(requests[i].Span), profile);
            }
            catch (IssuanceException ex)
            {
                errors[i] = ex;
            }
        });

        for (var i = 0; i < errors.Length; i++)
        {
            if (errors[i] is { } error)
            {
                throw new IssuanceException(error.Code, $"certificate request {i + 1} of {requests.Count}: {error.Message}", error) { RequestIndex = i };
            }
        }

        return built;
    }

    private static IssuanceRequest FromLoaded(IoTCerts.Core.CertificationRequest loaded, CertificateProfile? profile)
    {
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
