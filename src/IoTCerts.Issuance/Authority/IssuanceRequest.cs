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
    /// Builds a request from a PKCS#10 CSR (PEM or DER) after verifying its self-signature. The subject, key and
    /// a requested subjectAltName are taken over; other requested extensions are ignored (the profile decides them).
    /// </summary>
    /// <exception cref="IssuanceException">The CSR is malformed, too large, or its signature does not verify.</exception>
    public static IssuanceRequest FromCertificationRequest(ReadOnlySpan<byte> pemOrDer, CertificateProfile? profile = null)
    {
        var loaded = CertificationRequests.Load(pemOrDer);
        X509Extension? san = null;
        foreach (var extension in loaded.CertificateExtensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                san = new X509Extension(extension.Oid, extension.RawData, critical: false);
            }
        }

        return new IssuanceRequest
        {
            Subject = loaded.SubjectName,
            PublicKey = loaded.PublicKey,
            Profile = profile ?? CertificateProfile.Device(),
            RequestedSubjectAlternativeName = san,
        };
    }
}

/// <summary>A certificate the CA issued and recorded.</summary>
public sealed class IssuedCertificate
{
    internal IssuedCertificate(X509Certificate2 certificate, CertificateRecord record, IReadOnlyList<X509Certificate2> chain)
    {
        Certificate = certificate;
        Record = record;
        Chain = chain;
    }

    /// <summary>The certificate (no private key attached).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The database entry.</summary>
    public CertificateRecord Record { get; }

    /// <summary>The serial number as upper-case hex.</summary>
    public string SerialNumber => Record.SerialNumber;

    /// <summary>The device chain: this certificate, then each issuing CA up to and including the root.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }
}

/// <summary>A published certificate revocation list .</summary>
public sealed class CrlPublication
{
    internal CrlPublication(byte[] der, System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, int revokedCount)
    {
        Der = der;
        CrlNumber = crlNumber;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedCount = revokedCount;
    }

    /// <summary>The CRL's DER encoding.</summary>
    public byte[] Der { get; }

    /// <summary>The CRL as PEM (<c>-----BEGIN X509 CRL-----</c>).</summary>
    public string Pem => PemEncoding.WriteString("X509 CRL", Der) + "\n";

    /// <summary>The cRLNumber extension value.</summary>
    public System.Numerics.BigInteger CrlNumber { get; }

    /// <summary>thisUpdate.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>nextUpdate.</summary>
    public DateTimeOffset NextUpdate { get; }

    /// <summary>How many revoked certificates the CRL lists.</summary>
    public int RevokedCount { get; }
}
