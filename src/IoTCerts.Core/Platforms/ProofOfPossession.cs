using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// Proof of possession of a CA private key: the platform hands out a verification code, the owner signs its
/// UTF-8 bytes with SHA-256 and uploads the base64 signature. RSA signatures are PKCS#1 v1.5 and equal
/// <c>openssl dgst -sha256 -sign key code.txt | openssl base64 -A</c> byte for byte; ECDSA signatures are DER
/// sequences (RFC 3279), as openssl writes them, not .NET's default IEEE P1363 form.
/// </summary>
public static class ProofOfPossession
{
    /// <summary>The longest verification code accepted (Cumulocity's codes are far shorter).</summary>
    public const int MaxCodeLength = 4096;

    /// <summary>Signs <paramref name="verificationCode"/> (its UTF-8 bytes, nothing appended) and returns the base64 signature on one line.</summary>
    /// <exception cref="ArgumentException">The code is empty or longer than <see cref="MaxCodeLength"/>.</exception>
    public static string Sign(PrivateKey caKey, string verificationCode)
    {
        ArgumentNullException.ThrowIfNull(caKey);
        return Convert.ToBase64String(SignBytes(caKey, Encoding.UTF8.GetBytes(CheckCode(verificationCode))));
    }

    /// <summary>Signs <paramref name="data"/> with SHA-256: RSA PKCS#1 v1.5, or ECDSA as a DER sequence.</summary>
    public static byte[] SignBytes(PrivateKey caKey, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(caKey);
        if (caKey.Algorithm == PrivateKeyAlgorithm.Rsa)
        {
            using var rsa = caKey.CreateRsa();
            return rsa.SignData(data.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        using var ecdsa = caKey.CreateECDsa();
        return ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>
    /// True when <paramref name="signatureBase64"/> is a SHA-256 signature of <paramref name="verificationCode"/> by the key of
    /// <paramref name="caCertificate"/> (RSA PKCS#1 v1.5, or ECDSA in DER or IEEE P1363 form). False for anything else,
    /// including text that is not base64.
    /// </summary>
    public static bool Verify(Certificate caCertificate, string verificationCode, string signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        ArgumentNullException.ThrowIfNull(signatureBase64);
        var text = signatureBase64.Trim();
        var signature = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, signature, out var length) || length == 0)
        {
            return false;
        }

        return VerifyBytes(caCertificate, Encoding.UTF8.GetBytes(CheckCode(verificationCode)), signature.AsSpan(0, length));
    }

    /// <summary>True when <paramref name="signature"/> is a SHA-256 signature of <paramref name="data"/> by the certificate's key.</summary>
    public static bool VerifyBytes(Certificate caCertificate, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        try
        {
            switch (caCertificate.PublicKey.Kind)
            {
                case PublicKeyKind.Rsa:
                    using (var rsa = caCertificate.PublicKey.CreateRsa())
                    {
                        return rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    }

                case PublicKeyKind.EllipticCurve:
                    using (var ecdsa = caCertificate.PublicKey.CreateECDsa())
                    {
                        return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                            || ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                    }

                default:
                    return false;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or MaterialException)
        {
            return false;
        }
    }

    private static string CheckCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Length is > 0 and <= MaxCodeLength
            ? code
            : throw new ArgumentException($"the verification code must be 1 to {MaxCodeLength} characters long", nameof(code));
    }
}
