using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Checks that a private key belongs to a certificate by comparing the public key derived from the private key
/// with the certificate's SubjectPublicKeyInfo: RSA modulus and exponent, or EC curve and point.
/// </summary>
public static class KeyMatch
{
    /// <summary>Whether <paramref name="key"/> is the private key for <paramref name="certificate"/>'s public key.</summary>
    public static bool Matches(PrivateKey key, Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(certificate);
        ReadOnlyMemory<byte> spki;
        try
        {
            spki = CertificateFields.SubjectPublicKeyInfo(certificate.RawData);
        }
        catch (MaterialException)
        {
            return false;
        }

        return MatchesSubjectPublicKeyInfo(key, spki.Span);
    }

    /// <summary>Throws unless <paramref name="key"/> belongs to <paramref name="certificate"/>.</summary>
    /// <exception cref="MaterialException"><see cref="MaterialErrorCode.KeyCertificateMismatch"/>: "certificate and key do not match".</exception>
    public static void EnsureMatches(PrivateKey key, Certificate certificate)
    {
        if (!Matches(key, certificate))
        {
            throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch);
        }
    }

    /// <summary>Whether <paramref name="key"/> matches a DER SubjectPublicKeyInfo (for example a CSR's).</summary>
    public static bool MatchesSubjectPublicKeyInfo(PrivateKey key, ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            if (key.Algorithm == PrivateKeyAlgorithm.Rsa)
            {
                using var mine = RSA.Create();
                mine.ImportSubjectPublicKeyInfo(key.SubjectPublicKeyInfo.Span, out _);
                using var theirs = RSA.Create();
                theirs.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
                var a = mine.ExportParameters(false);
                var b = theirs.ExportParameters(false);
                return Trim(a.Modulus).SequenceEqual(Trim(b.Modulus)) && Trim(a.Exponent).SequenceEqual(Trim(b.Exponent));
            }
            else
            {
                using var mine = ECDsa.Create();
                mine.ImportSubjectPublicKeyInfo(key.SubjectPublicKeyInfo.Span, out _);
                using var theirs = ECDsa.Create();
                theirs.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
                var a = mine.ExportParameters(false);
                var b = theirs.ExportParameters(false);
                return a.Curve.IsNamed && b.Curve.IsNamed && a.Curve.Oid.Value == b.Curve.Oid.Value
                    && a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);
            }
        }
        catch (CryptographicException)
        {
            // A certificate key of another algorithm (or a corrupt one) cannot belong to this key.
            return false;
        }
    }

    private static ReadOnlySpan<byte> Trim(byte[]? value)
    {
        var span = value.AsSpan();
        while (span.Length > 1 && span[0] == 0)
        {
            span = span[1..];
        }

        return span;
    }
}

/// <summary>Reads single fields from certificate DER without depending on the certificate model's API.</summary>
internal static class CertificateFields
{
    /// <summary>tbsCertificate.subjectPublicKeyInfo (RFC 5280 §4.1).</summary>
    public static ReadOnlyMemory<byte> SubjectPublicKeyInfo(ReadOnlyMemory<byte> certificate)
    {
        try
        {
            var tbs = SkipToSubject(certificate);
            tbs.ReadSequence();  // subject
            return tbs.ReadEncodedValue();
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the certificate's subjectPublicKeyInfo cannot be read", ex);
        }
    }

    /// <summary>The first commonName of the subject, or <see langword="null"/>.</summary>
    public static string? CommonName(ReadOnlyMemory<byte> certificate)
    {
        try
        {
            var subject = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(SkipToSubject(certificate).ReadEncodedValue().Span);
            foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
            {
                if (rdn.GetSingleElementType().Value == Oids.CommonName)
                {
                    return rdn.GetSingleElementValue();
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or InvalidOperationException)
        {
            return null;
        }
    }

    private static AsnReader SkipToSubject(ReadOnlyMemory<byte> certificate)
    {
        var tbs = new AsnReader(certificate, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        if (tbs.PeekTag() == new Asn1Tag(TagClass.ContextSpecific, 0, true))
        {
            tbs.ReadEncodedValue();
        }

        tbs.ReadInteger();   // serialNumber
        tbs.ReadSequence();  // signature
        tbs.ReadSequence();  // issuer
        tbs.ReadSequence();  // validity
        return tbs;
    }
}
