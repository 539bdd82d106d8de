using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>Turns every supported private-key encoding into a <see cref="PrivateKey"/> (R-02).</summary>
internal static class PrivateKeyDecoder
{
    /// <summary>PKCS#1 RSAPrivateKey (RFC 8017 Appendix A.1.2), PEM label <c>RSA PRIVATE KEY</c>.</summary>
    public static PrivateKey FromPkcs1(ReadOnlySpan<byte> der, MaterialOrigin origin)
    {
        if (der.Length > PrivateKey.MaxRsaKeyDerBytes)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the RSA key is larger than 16384 bits, which IoTCerts does not support");
        }

        byte[]? pkcs8 = null;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPrivateKey(der, out int read);
            if (read != der.Length)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the RSA private key has trailing data after its DER encoding");
            }

            pkcs8 = rsa.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the RSA private key (PKCS#1) is corrupt", ex);
        }

        try
        {
            return PrivateKey.FromPkcs8(pkcs8, origin);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>SEC1 ECPrivateKey (RFC 5915), PEM label <c>EC PRIVATE KEY</c>.</summary>
    public static PrivateKey FromSec1(ReadOnlySpan<byte> der, MaterialOrigin origin)
    {
        byte[]? pkcs8 = null;
        try
        {
            RequireNamedCurve(der);
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportECPrivateKey(der, out int read);
            if (read != der.Length)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the EC private key has trailing data after its DER encoding");
            }

            pkcs8 = ecdsa.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the EC private key (SEC1) is corrupt or its curve is not supported", ex);
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the EC private key (SEC1) is not valid DER", ex);
        }

        try
        {
            return PrivateKey.FromPkcs8(pkcs8, origin);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 or PBES1; the work factor is checked before decrypting.</summary>
    public static PrivateKey FromEncryptedPkcs8(ReadOnlyMemory<byte> der, string? password, bool requirePassword, MaterialLimits limits, KdfBudget budget, bool speculative, Func<string, MaterialOrigin> origin, string protectionPrefix)
    {
        PasswordBasedEncryption scheme;
        byte[] ciphertext;
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            scheme = PasswordBasedEncryption.Parse(info, limits);
            ciphertext = info.ReadOctetString();
            if (info.HasData || reader.HasData)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the encrypted private key has trailing data");
            }
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the encrypted private key is not valid DER", ex);
        }

        if (password is null && requirePassword)
        {
            throw new MaterialException(MaterialErrorCode.PassphraseRequired, $"the private key is encrypted ({protectionPrefix}{scheme.Description}): a passphrase is required");
        }

        var plain = scheme.Decrypt(password, ciphertext, budget, speculative);
        try
        {
            if (!LooksLikeDerSequence(plain))
            {
                throw new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage());
            }

            return PrivateKey.FromPkcs8(plain, origin(protectionPrefix + scheme.Description));
        }
        catch (MaterialException ex) when (ex.Code == MaterialErrorCode.Malformed)
        {
            // Decryption with the wrong passphrase passes the padding check about once in 256 tries; the
            // result then does not parse. RFC 8018 gives no integrity check, so that is a wrong passphrase too.
            throw new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage(), ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>
    /// The legacy OpenSSL PEM encryption (<c>Proc-Type: 4,ENCRYPTED</c> + <c>DEK-Info</c>) that <c>openssl genrsa -aes256</c>
    /// writes: key = EVP_BytesToKey(MD5, one iteration, salt = first 8 bytes of the IV).
    /// </summary>
    public static PrivateKey FromLegacyEncryptedPem(PemBlock block, string? password, Func<string, MaterialOrigin> origin)
    {
        var dekInfo = block.GetHeader("DEK-Info");
        if (dekInfo is null)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the encrypted PEM block '{block.Label}' has no DEK-Info header");
        }

        var parts = dekInfo.Split(',', 2, StringSplitOptions.TrimEntries);
        string cipherName = parts[0].ToUpperInvariant();
        (int keyLength, int ivLength) = cipherName switch
        {
            "AES-128-CBC" => (16, 16),
            "AES-192-CBC" => (24, 16),
            "AES-256-CBC" => (32, 16),
            "DES-EDE3-CBC" => (24, 8),
            "DES-CBC" => (8, 8),
            _ => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the PEM key is encrypted with {parts[0]}, which IoTCerts does not support; use AES-128/192/256-CBC or DES-EDE3-CBC"),
        };
        byte[] iv;
        try
        {
            iv = parts.Length == 2 ? Convert.FromHexString(parts[1]) : Array.Empty<byte>();
        }
        catch (FormatException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the DEK-Info IV is not hexadecimal", ex);
        }

        if (iv.Length != ivLength)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the DEK-Info IV must be {ivLength} bytes for {cipherName}");
        }

        var description = "legacy OpenSSL PEM " + cipherName;
        if (password is null)
        {
            throw new MaterialException(MaterialErrorCode.PassphraseRequired, $"the private key is encrypted ({description}): a passphrase is required");
        }

        var ciphertext = block.Data.Span;
        int blockSize = ivLength;
        if (ciphertext.Length == 0 || ciphertext.Length % blockSize != 0)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the encrypted PEM key is corrupt: its length is not a whole number of cipher blocks");
        }

        var key = EvpBytesToKey(Encoding.UTF8.GetBytes(password), iv.AsSpan(0, 8), keyLength);
        byte[] plain;
        try
        {
            using SymmetricAlgorithm cipher = cipherName.StartsWith("AES", StringComparison.Ordinal) ? Aes.Create()
                : cipherName == "DES-CBC" ? DES.Create() : TripleDES.Create();
            cipher.Key = key;
            plain = cipher.DecryptCbc(ciphertext, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException ex)
        {
            throw new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage(), ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        try
        {
            var itemOrigin = origin(description);
            return block.Label switch
            {
                "RSA PRIVATE KEY" => FromPkcs1(plain, itemOrigin),
                "EC PRIVATE KEY" => FromSec1(plain, itemOrigin),
                _ => PrivateKey.FromPkcs8(plain, itemOrigin),
            };
        }
        catch (MaterialException ex) when (ex.Code == MaterialErrorCode.Malformed)
        {
            // Legacy PEM has no integrity check: an undecodable result means the passphrase is wrong.
            throw new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage(), ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>OpenSSL's EVP_BytesToKey with MD5 and one iteration: D_i = MD5(D_{i-1} || password || salt).</summary>
    internal static byte[] EvpBytesToKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int keyLength)
    {
        var key = new byte[keyLength];
        var input = new byte[16 + password.Length + salt.Length];
        var digest = Array.Empty<byte>();
        for (int offset = 0; offset < keyLength; offset += 16)
        {
            int start = digest.Length == 0 ? 16 : 0;
            digest.CopyTo(input, 0);
            password.CopyTo(input.AsSpan(16));
            salt.CopyTo(input.AsSpan(16 + password.Length));
            digest = MD5.HashData(input.AsSpan(start));
            digest.AsSpan(0, Math.Min(16, keyLength - offset)).CopyTo(key.AsSpan(offset));
        }

        CryptographicOperations.ZeroMemory(input);
        return key;
    }

    private static bool LooksLikeDerSequence(ReadOnlySpan<byte> data)
    {
        try
        {
            AsnDecoder.ReadEncodedValue(data, AsnEncodingRules.BER, out _, out _, out int consumed);
            return consumed == data.Length && data[0] == 0x30;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    private static void RequireNamedCurve(ReadOnlySpan<byte> der)
    {
        var reader = new AsnReader(der.ToArray(), AsnEncodingRules.BER).ReadSequence();
        reader.ReadInteger();
        reader.ReadOctetString();
        if (reader.HasData && reader.PeekTag() == new Asn1Tag(TagClass.ContextSpecific, 0, true))
        {
            var parameters = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true));
            if (parameters.PeekTag() != Asn1Tag.ObjectIdentifier)
            {
                throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the EC key uses explicit curve parameters; IoTCerts supports named curves (P-256, P-384, P-521)");
            }
        }
    }

}
