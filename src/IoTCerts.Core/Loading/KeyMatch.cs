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
        var spki = certificate.PublicKey.RawData.Span;

        // Same DER is the common case and needs no key import; different DER may still be the same key
        // (e.g. explicit vs. named curve parameters), so fall back to comparing the numbers.
        return key.SubjectPublicKeyInfo.Span.SequenceEqual(spki) || MatchesSubjectPublicKeyInfo(key, spki);
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
                if (!WithinRsaBounds(subjectPublicKeyInfo))
                {
                    // Our key is within bounds (the loader refuses larger ones), so an out-of-bounds key cannot be its match.
                    return false;
                }

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
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or NotSupportedException or ArgumentException)
        {
            // A certificate key of another algorithm, a curve the platform does not know (PlatformNotSupportedException,
            // issue 17) or a corrupt key cannot belong to this key.
            return false;
        }
    }

    private static bool WithinRsaBounds(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        try
        {
            return SubjectPublicKeyInfo.Parse(subjectPublicKeyInfo.ToArray()).BoundsViolation is null;
        }
        catch (MaterialException)
        {
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
