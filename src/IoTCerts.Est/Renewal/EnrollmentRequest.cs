using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// Builds PKCS#10 requests for EST. Re-enrollment copies the Subject and SubjectAltName <em>bytes</em> of the current
/// certificate (R-73, RFC 7030 section 4.2.2: servers compare them exactly), so no re-encoding can change them.
/// </summary>
/// <remarks>The request itself is built and signed by IoTCerts.Core's <see cref="IoTCerts.Core.CertificationRequestBuilder"/>, as Issuance's CSRs are.</remarks>
public static class EnrollmentRequest
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>A DER PKCS#10 request for <paramref name="key"/> with a subject and optional SubjectAltName extension.</summary>
    public static byte[] Create(AsymmetricAlgorithm key, X500DistinguishedName subject, X509Extension? subjectAltName = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(subject);
        X509Extension[] extensions = subjectAltName is null ? [] : [new X509Extension(subjectAltName.Oid!, subjectAltName.RawData, subjectAltName.Critical)];
        return IoTCerts.Core.CertificationRequestBuilder.Create(subject, key, extensions);
    }

    /// <summary>A re-enrollment request: Subject and SubjectAltName copied byte for byte from <paramref name="current"/>.</summary>
    public static byte[] CreateRenewal(X509Certificate2 current, AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(current);
        return Create(key, new X500DistinguishedName(current.SubjectName.RawData), FindSubjectAltName(current));
    }

    /// <summary>A new key of the same kind and size as <paramref name="template"/>'s key (ECDSA P-256 when null).</summary>
    public static AsymmetricAlgorithm CreateKeyLike(X509Certificate2? template)
    {
        if (template?.GetRSAPublicKey() is { } rsa)
        {
            using (rsa)
            {
                return RSA.Create(Math.Max(2048, rsa.KeySize));
            }
        }

        if (template?.GetECDsaPublicKey() is { } ec)
        {
            using (ec)
            {
                return ECDsa.Create(ec.ExportParameters(false).Curve);
            }
        }

        return ECDsa.Create(ECCurve.NamedCurves.nistP256);
    }

    internal static X509Extension? FindSubjectAltName(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                return extension;
            }
        }

        return null;
    }

    internal static bool SamePublicKey(X509Certificate2 certificate, AsymmetricAlgorithm key) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());

    /// <summary>The ECDSA or RSA private key attached to <paramref name="certificate"/> (the key a re-enrollment keeps).</summary>
    /// <exception cref="CryptographicException">The certificate carries no ECDSA or RSA private key.</exception>
    public static AsymmetricAlgorithm PrivateKeyOf(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
        ?? throw new CryptographicException("the certificate has no ECDSA or RSA private key");
}
