using System.Security.Cryptography.X509Certificates;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Server;

/// <summary>
/// Backs the EST endpoints with an IoTCerts.Issuance <see cref="CertificateAuthority"/>: /cacerts returns the CA and its
/// issuer chain, enrollments are issued with a profile (device by default) and recorded in the CA's database.
/// </summary>
/// <remarks>
/// A re-enrollment names the presented current certificate as the one it renews (<see cref="IssuanceRequest.Renews"/>),
/// so the CA's unique-commonName policy accepts the new certificate while the current one stays valid and unrevoked:
/// the device keeps working with it until the new pair is installed.
/// </remarks>
public sealed class CertificateAuthorityIssuer : IEstCertificateIssuer
{
    private readonly CertificateAuthority _authority;
    private readonly CertificateProfile _profile;
    private readonly TimeSpan? _validity;
    private readonly Lock _lock = new();

    // Serials (as the CA's index writes them) superseded by a rekey issued by this process; after a restart the
    // renewing certificate's copy in newcerts/ tells the same.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _superseded = new(StringComparer.OrdinalIgnoreCase);

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
            Renews = context.Operation == EstOperation.Reenroll && context.ClientCertificate is { } current && IssuedByThisCa(current) ? current.SerialNumber : null,
        };

        lock (_lock)
        {
            try
            {
                var issued = _authority.Issue(issuance);
                if (issuance.Renews is not null && !SamePublicKey(context.ClientCertificate!, issued.Certificate))
                {
                    _superseded[IndexSerial(context.ClientCertificate!)] = true;
                }

                return Task.FromResult(ToCollection(issued));
            }
            catch (IssuanceException ex)
            {
                throw new EstRefusalException(400, ex.Message, ex);
            }
        }
    }

    /// <inheritdoc/>
    public EstCertificateStanding GetStanding(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!IssuedByThisCa(certificate))
        {
            return EstCertificateStanding.Unknown;
        }

        var serial = IndexSerial(certificate);
        var records = _authority.Database.ReadRecords();
        var record = records.FirstOrDefault(r => string.Equals(r.SerialNumber, serial, StringComparison.OrdinalIgnoreCase));
        if (record is null)
        {
            return EstCertificateStanding.Unknown;
        }

        if (record.Status == CertificateStatus.Revoked)
        {
            return EstCertificateStanding.Revoked;
        }

        if (_superseded.ContainsKey(serial))
        {
            return EstCertificateStanding.Superseded;
        }

        foreach (var renewal in records.Where(r => string.Equals(r.Renews, serial, StringComparison.OrdinalIgnoreCase)))
        {
            var copy = (_authority.Database as DirectoryCaDatabase)?.CertificatePath(renewal.SerialNumber);
            if (copy is not null && File.Exists(copy))
            {
                using var renewing = X509CertificateLoader.LoadCertificateFromFile(copy);
                if (!SamePublicKey(certificate, renewing))
                {
                    _superseded[serial] = true;
                    return EstCertificateStanding.Superseded;
                }
            }
        }

        return EstCertificateStanding.Current;
    }

    private static bool SamePublicKey(X509Certificate2 a, X509Certificate2 b) =>
        a.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(b.PublicKey.ExportSubjectPublicKeyInfo());

    // The CA's index writes serials in upper-case hex, even length, without leading zero bytes.
    private static string IndexSerial(X509Certificate2 certificate)
    {
        var hex = certificate.SerialNumber.TrimStart('0');
        hex = hex.Length == 0 ? "00" : hex;
        return hex.Length % 2 == 1 ? "0" + hex : hex;
    }

    // The request handler has checked that the certificate chains to /cacerts; this picks the certificates signed by
    // this CA itself (not by a CA above it), the only ones its database can know.
    private bool IssuedByThisCa(X509Certificate2 certificate)
    {
        if (!certificate.IssuerName.RawData.AsSpan().SequenceEqual(_authority.Certificate.SubjectName.RawData))
        {
            return false;
        }

        var authorityKeyId = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        var caKeyId = _authority.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifier;
        return authorityKeyId is not { } akid || caKeyId is null || Convert.ToHexString(akid.Span).Equals(caKeyId, StringComparison.OrdinalIgnoreCase);
    }

    private static X509Certificate2Collection ToCollection(IssuedCertificate issued) => [.. issued.Chain];
}
