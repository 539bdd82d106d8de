using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>R-15 key strength rules and the encryption used for private key files.</summary>
internal static class KeyPolicy
{
    // AES-256-CBC with PBKDF2-HMAC-SHA256: readable by OpenSSL 1.1+/3.x and Java; 100 000 iterations keeps
    // opening a CA key (once per CLI call) well under a tenth of a second.
    public static readonly PbeParameters Pkcs8Encryption = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000);

    public static void EnsureStrongEnough(AsymmetricAlgorithm key)
    {
        switch (key)
        {
            case RSA rsa when rsa.KeySize < 2048:
                throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"an RSA key of {rsa.KeySize} bits is too weak: use 2048 bits or more (R-15)");
            case ECDsa ec when ec.KeySize is not (256 or 384 or 521):
                throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"an EC key of {ec.KeySize} bits is not supported: use P-256 or P-384 (R-15)");
        }
    }

    // Read with Core's managed SubjectPublicKeyInfo: importing the key into OpenSSL only to read its size cost as much
    // as the CA's signature (an EC import checks the point). A CSR's key is imported once anyway, to verify the
    // request's signature, which also proves the key is usable.
    public static void EnsureStrongEnough(PublicKey key)
    {
        IoTCerts.Core.SubjectPublicKeyInfo info;
        try
        {
            info = IoTCerts.Core.SubjectPublicKeyInfo.Parse(key.ExportSubjectPublicKeyInfo());
        }
        catch (IoTCerts.Core.MaterialException)
        {
            throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"the request's public key ({key.Oid.Value}) is malformed");
        }

        switch (info.Kind)
        {
            case IoTCerts.Core.PublicKeyKind.Rsa when info.AlgorithmOid == "1.2.840.113549.1.1.1":
                if (info.KeySize < 2048)
                {
                    throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"the request's RSA key of {info.KeySize} bits is too weak: use 2048 bits or more (R-15)");
                }

                break;
            case IoTCerts.Core.PublicKeyKind.EllipticCurve:
                if (info.KeySize is not (256 or 384 or 521))
                {
                    throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, "the request's EC key is not on P-256 or P-384 (R-15)");
                }

                break;
            case IoTCerts.Core.PublicKeyKind.Ed25519 or IoTCerts.Core.PublicKeyKind.Ed448:
                // RFC 8410 keys have one size each; a CA with any key may certify them (verifying needs IoTCerts.BouncyCastle).
                break;
            default:
                throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"the request's key type ({key.Oid.Value}) is not supported: use RSA, EC, Ed25519 or Ed448");
        }
    }
}
