using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Verifies a signature over signed bytes (a TBSCertificate, CertificationRequestInfo or TBSCertList) with
/// a public key. X.509 carries ECDSA signatures as DER Ecdsa-Sig-Value (RFC 3279 2.2.3), not the IEEE P1363
/// form .NET uses by default.
/// </summary>
internal static class SignatureVerification
{
    public static bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature, SubjectPublicKeyInfo key)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            switch (algorithm.Kind)
            {
                case SignatureAlgorithmKind.RsaPkcs1 when key.Kind == PublicKeyKind.Rsa && algorithm.HashAlgorithm is { } hash && IsSupported(hash):
                    using (var rsa = key.CreateRsa())
                    {
                        return rsa.VerifyData(signedData, signature, hash, RSASignaturePadding.Pkcs1);
                    }

                case SignatureAlgorithmKind.RsaPss when key.Kind == PublicKeyKind.Rsa && algorithm.PssParameters is { } pss:
                    // .NET verifies PSS with MGF1 over the message digest and a salt as long as the digest.
                    if (pss.HashAlgorithm != pss.MaskGenerationHashAlgorithm || !IsSupported(pss.HashAlgorithm) || pss.TrailerField != 1
                        || pss.SaltLength != DigestLength(pss.HashAlgorithm))
                    {
                        return false;
                    }

                    using (var rsa = key.CreateRsa())
                    {
                        return rsa.VerifyData(signedData, signature, pss.HashAlgorithm, RSASignaturePadding.Pss);
                    }

                case SignatureAlgorithmKind.Ecdsa when key.Kind == PublicKeyKind.EllipticCurve && algorithm.HashAlgorithm is { } hash && IsSupported(hash):
                    using (var ecdsa = key.CreateECDsa())
                    {
                        return ecdsa.VerifyData(signedData, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
                    }

                default:
                    // Ed25519, Ed448 and whatever an optional package registers (Core verifies RSA and ECDSA itself).
                    return CryptoExtensions.Verify(algorithm.Oid, algorithm.Parameters.Span, key.RawData.Span, signedData, signature);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or MaterialException or PlatformNotSupportedException or ArgumentException)
        {
            return false;
        }
    }

    private static bool IsSupported(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 || hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512 || hash == HashAlgorithmName.SHA1;

    private static int DigestLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 20;
}
