using System.Security.Cryptography.X509Certificates;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Server;

/// <summary>
/// Backs the EST endpoints with an IoTCerts.Issuance <see cref="CertificateAuthority"/>: /cacerts returns the CA and its
/// issuer chain, enrollments are issued with a profile (device by default) and recorded in the CA's database.
/// </summary>
/// <remarks>
/// The CA's signing policy keeps commonNames unique among valid certificates, so a re-enrollment revokes the
/// presented current certificate as superseded when, and only when, the policy refuses the new one because of it.
/// </remarks>
public sealed class CertificateAuthorityIssuer : IEstCertificateIssuer
{
    private readonly CertificateAuthority _authority;
    private readonly CertificateProfile _profile;
    private readonly TimeSpan? _validity;
    private readonly Lock _lock = new();

    /// <summary>Creates the issuer.</summary>
    /// <param name="authority">The open CA (the caller keeps ownership).</param>
    /// <param name="profile">The profile of issued certificates; <see cref="CertificateProfile.Device"/> when null.</param>
    /// <param name="validity">The validity of issued certificates; the profile default when null.</param>
    public CertificateAuthorityIssuer(CertificateAuthority authority, CertificateProfile? profile = null, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(authority);
        _authority = authority;
        _profile = profile ?? CertificateProfile.Device();
        _validity = validity;
    }

    /// <inheritdoc/>
    public X509Certificate2Collection GetCaCertificates(string? label) => [_authority.Certificate, .. _authority.IssuerChain];

    /// <inheritdoc/>
    public Task<X509Certificate2Collection> IssueAsync(CertificateRequest request, EstRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var issuance = new IssuanceRequest
        {
            Subject = request.SubjectName,
            PublicKey = request.PublicKey,
            Profile = _profile,
            RequestedSubjectAlternativeName = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17"),
            Validity = _validity,
        };

        lock (_lock)
        {
            try
            {
                return Task.FromResult(ToCollection(_authority.Issue(issuance)));
            }
            catch (IssuanceException ex) when (ex.Code == IssuanceErrorCode.PolicyViolation && context.Operation == EstOperation.Reenroll && context.ClientCertificate is { } current)
            {
                _authority.Revoke(current.SerialNumber, X509RevocationReason.Superseded);
                return Task.FromResult(ToCollection(Reissue(issuance)));
            }
            catch (IssuanceException ex)
            {
                throw new EstRefusalException(400, ex.Message, ex);
            }
        }
    }

    private IssuedCertificate Reissue(IssuanceRequest issuance)
    {
        try
        {
            return _authority.Issue(issuance);
        }
        catch (IssuanceException ex)
        {
            throw new EstRefusalException(400, ex.Message, ex);
        }
    }

    private static X509Certificate2Collection ToCollection(IssuedCertificate issued) => [.. issued.Chain];
}
