using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// One password-based encryption scheme read from an AlgorithmIdentifier: PBES2 (RFC 8018 §6.2), PBES1
/// (RFC 8018 §6.1) or the PKCS#12 PBE schemes (RFC 7292 Appendix C). Parsing checks the work factor against
/// <see cref="MaterialLimits.MaxKdfIterations"/> so a hostile file is refused before any key derivation runs.
/// </summary>
internal sealed class PasswordBasedEncryption
{
    private enum Family { Pbes2, Pbes1, Pkcs12 }

    private enum Cipher { Aes128, Aes192, Aes256, TripleDes, TwoKeyTripleDes, Des, Rc2With40BitKey, Rc2With64BitKey, Rc2With128BitKey }

    private readonly Family family;
    private readonly Cipher cipher;
    private readonly HashAlgorithmName hash;
    private readonly byte[] salt;
    private readonly byte[] iv;

    private PasswordBasedEncryption(Family family, Cipher cipher, HashAlgorithmName hash, byte[] salt, int iterations, byte[] iv, string description)
    {
        this.family = family;
        this.cipher = cipher;
        this.hash = hash;
        this.salt = salt;
        this.iv = iv;
        Iterations = iterations;
        Description = description;
    }

    /// <summary>For example <c>PBES2 AES-256-CBC</c> or <c>PBES1 SHA-1 3DES</c>; never holds secrets.</summary>
    public string Description { get; }

    public int Iterations { get; }

    public static PasswordBasedEncryption Parse(AsnReader algorithmIdentifier, MaterialLimits limits)
    {
        var sequence = algorithmIdentifier.ReadSequence();
        var oid = sequence.ReadObjectIdentifier();
        PasswordBasedEncryption result = oid switch
        {
            Oids.Pbes2 => ParsePbes2(sequence.ReadSequence(), limits),
            Oids.PbeMd5Des => ParseSaltAndCount(sequence, Family.Pbes1, Cipher.Des, HashAlgorithmName.MD5, "PBES1 MD5 DES-CBC", limits),
            Oids.PbeSha1Des => ParseSaltAndCount(sequence, Family.Pbes1, Cipher.Des, HashAlgorithmName.SHA1, "PBES1 SHA-1 DES-CBC", limits),
            Oids.PbeMd5Rc2 => ParseSaltAndCount(sequence, Family.Pbes1, Cipher.Rc2With64BitKey, HashAlgorithmName.MD5, "PBES1 MD5 RC2-64-CBC", limits),
            Oids.PbeSha1Rc2 => ParseSaltAndCount(sequence, Family.Pbes1, Cipher.Rc2With64BitKey, HashAlgorithmName.SHA1, "PBES1 SHA-1 RC2-64-CBC", limits),
            Oids.Pkcs12PbeSha13Des => ParseSaltAndCount(sequence, Family.Pkcs12, Cipher.TripleDes, HashAlgorithmName.SHA1, "PBES1 SHA-1 3DES", limits),
            Oids.Pkcs12PbeSha12Des => ParseSaltAndCount(sequence, Family.Pkcs12, Cipher.TwoKeyTripleDes, HashAlgorithmName.SHA1, "PBES1 SHA-1 2-key 3DES", limits),
            Oids.Pkcs12PbeSha1Rc2128 => ParseSaltAndCount(sequence, Family.Pkcs12, Cipher.Rc2With128BitKey, HashAlgorithmName.SHA1, "PBES1 SHA-1 RC2-128", limits),
            Oids.Pkcs12PbeSha1Rc240 => ParseSaltAndCount(sequence, Family.Pkcs12, Cipher.Rc2With40BitKey, HashAlgorithmName.SHA1, "PBES1 SHA-1 RC2-40", limits),
            Oids.Pkcs12PbeSha1Rc4128 or Oids.Pkcs12PbeSha1Rc440 =>
                throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the material is encrypted with RC4, which IoTCerts does not support; re-export it with AES"),
            _ => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the material is encrypted with an unknown scheme (OID {oid}); IoTCerts supports PBES2 (AES, 3DES) and the PKCS#12 3DES/RC2 schemes"),
        };
        return result;
    }

    /// <summary>Iterations the derivation for one decryption costs: per PBKDF2 output block, or twice for the PKCS#12 KDF (key and IV).</summary>
    public long Cost => family switch
    {
        Family.Pbes2 => (long)Iterations * ((KeyLength(cipher) + HashLength(hash) - 1) / HashLength(hash)),
        Family.Pkcs12 => 2L * Iterations,
        _ => Iterations,
    };

    /// <summary>Decrypts; a padding failure means the passphrase is wrong (R-02). The derivation is charged to <paramref name="budget"/> first.</summary>
    public byte[] Decrypt(string? password, ReadOnlySpan<byte> ciphertext, KdfBudget budget, bool speculative)
    {
        budget.Charge(Cost, speculative);
        int blockSize = cipher is Cipher.Aes128 or Cipher.Aes192 or Cipher.Aes256 ? 16 : 8;
        if (ciphertext.Length == 0 || ciphertext.Length % blockSize != 0)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the encrypted data is corrupt: its length is not a whole number of cipher blocks");
        }

        byte[] key = Array.Empty<byte>();
        byte[] ivBytes = iv;
        try
        {
            int keyLength = KeyLength(cipher);
            switch (family)
            {
                case Family.Pbes2:
                    key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password ?? string.Empty), salt, Iterations, hash, keyLength);
                    break;
                case Family.Pbes1:
                    var derived = Pbkdf1(Encoding.UTF8.GetBytes(password ?? string.Empty), salt, Iterations, hash);
                    key = derived[..8];
                    ivBytes = derived[8..16];
                    break;
                default:
                    var passwordBytes = Pkcs12Kdf.EncodePassword(password);
                    key = Pkcs12Kdf.Derive(hash, passwordBytes, salt, Iterations, Pkcs12Kdf.KeyMaterial, keyLength);
                    ivBytes = Pkcs12Kdf.Derive(hash, passwordBytes, salt, Iterations, Pkcs12Kdf.IvMaterial, 8);
                    break;
            }

            using SymmetricAlgorithm algorithm = CreateCipher(cipher, key);
            return algorithm.DecryptCbc(ciphertext, ivBytes, PaddingMode.PKCS7);
        }
        catch (CryptographicException ex)
        {
            // A wrong passphrase shows as bad CBC padding (or, rarely, a DES weak key); RFC 8018 offers no other signal.
            throw new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage(), ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    internal static int ReadIterationCount(AsnReader reader, MaterialLimits limits) => ReadIterationCount(reader, limits.MaxKdfIterations, "key-derivation");

    internal static int ReadIterationCount(AsnReader reader, int limit, string what)
    {
        var value = reader.ReadInteger();
        if (value <= 0)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the {what} iteration count is not positive");
        }

        if (value > limit)
        {
            throw new MaterialException(
                MaterialErrorCode.WorkFactorTooHigh,
                $"the material asks for {(value > int.MaxValue ? "more than 2^31" : value.ToString(System.Globalization.CultureInfo.InvariantCulture))} {what} iterations; the limit is {limit}");
        }

        return (int)value;
    }

    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 20;

    private static PasswordBasedEncryption ParseSaltAndCount(AsnReader algorithm, Family family, Cipher cipher, HashAlgorithmName hash, string description, MaterialLimits limits)
    {
        var parameters = algorithm.ReadSequence();
        var salt = parameters.ReadOctetString();
        var iterations = ReadIterationCount(parameters, limits);
        if (family == Family.Pbes1 && salt.Length != 8)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the PBES1 salt is not 8 bytes (RFC 8018 §6.1)");
        }

        return new PasswordBasedEncryption(family, cipher, hash, salt, iterations, Array.Empty<byte>(), description);
    }

    private static PasswordBasedEncryption ParsePbes2(AsnReader parameters, MaterialLimits limits)
    {
        var kdf = parameters.ReadSequence();
        var kdfOid = kdf.ReadObjectIdentifier();
        if (kdfOid != Oids.Pbkdf2)
        {
            var name = kdfOid == Oids.Scrypt ? "scrypt" : "OID " + kdfOid;
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the material derives its key with {name}; IoTCerts supports PBKDF2 only");
        }

        var pbkdf2 = kdf.ReadSequence();
        if (pbkdf2.PeekTag() != Asn1Tag.PrimitiveOctetString)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PBKDF2 salt uses the 'otherSource' choice, which IoTCerts does not support");
        }

        var salt = pbkdf2.ReadOctetString();
        var iterations = ReadIterationCount(pbkdf2, limits);
        int? keyLength = null;
        if (pbkdf2.HasData && pbkdf2.PeekTag() == Asn1Tag.Integer)
        {
            keyLength = pbkdf2.TryReadInt32(out var length) ? length : -1;
        }

        var hash = HashAlgorithmName.SHA1;
        var prfName = "SHA-1";
        if (pbkdf2.HasData)
        {
            var prf = pbkdf2.ReadSequence();
            (hash, prfName) = prf.ReadObjectIdentifier() switch
            {
                Oids.HmacSha1 => (HashAlgorithmName.SHA1, "SHA-1"),
                Oids.HmacSha256 => (HashAlgorithmName.SHA256, "SHA-256"),
                Oids.HmacSha384 => (HashAlgorithmName.SHA384, "SHA-384"),
                Oids.HmacSha512 => (HashAlgorithmName.SHA512, "SHA-512"),
                var other => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the PBKDF2 pseudo-random function (OID {other}) is not supported; use HMAC-SHA-1/256/384/512"),
            };
        }

        var scheme = parameters.ReadSequence();
        var schemeOid = scheme.ReadObjectIdentifier();
        (Cipher cipher, string cipherName) = schemeOid switch
        {
            Oids.Aes128Cbc => (Cipher.Aes128, "AES-128-CBC"),
            Oids.Aes192Cbc => (Cipher.Aes192, "AES-192-CBC"),
            Oids.Aes256Cbc => (Cipher.Aes256, "AES-256-CBC"),
            Oids.DesEde3Cbc => (Cipher.TripleDes, "DES-EDE3-CBC"),
            Oids.DesCbc => (Cipher.Des, "DES-CBC"),
            _ => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the PBES2 cipher (OID {schemeOid}) is not supported; IoTCerts supports AES-CBC and 3DES-CBC"),
        };
        var iv = scheme.ReadOctetString();
        int expectedIv = cipher is Cipher.Aes128 or Cipher.Aes192 or Cipher.Aes256 ? 16 : 8;
        if (iv.Length != expectedIv || (keyLength is { } k && k != KeyLength(cipher)))
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the PBES2 parameters are corrupt: the IV or key length does not fit the cipher");
        }

        return new PasswordBasedEncryption(Family.Pbes2, cipher, hash, salt, iterations, iv, $"PBES2 {cipherName} (PBKDF2 HMAC-{prfName})");
    }

    private static int KeyLength(Cipher cipher) => cipher switch
    {
        Cipher.Aes128 => 16,
        Cipher.Aes192 => 24,
        Cipher.Aes256 => 32,
        Cipher.TripleDes => 24,
        Cipher.TwoKeyTripleDes => 16,
        Cipher.Des => 8,
        Cipher.Rc2With40BitKey => 5,
        Cipher.Rc2With64BitKey => 8,
        _ => 16,
    };

    private static SymmetricAlgorithm CreateCipher(Cipher cipher, byte[] key)
    {
        SymmetricAlgorithm algorithm = cipher switch
        {
            Cipher.Aes128 or Cipher.Aes192 or Cipher.Aes256 => Aes.Create(),
            Cipher.TripleDes or Cipher.TwoKeyTripleDes => TripleDES.Create(),
            Cipher.Des => DES.Create(),
            _ => RC2.Create(),
        };
        try
        {
            if (cipher == Cipher.TwoKeyTripleDes)
            {
                // RFC 7292 Appendix C: two-key 3DES is K1 K2 K1.
                key = [.. key, .. key.AsSpan(0, 8)];
            }

            if (algorithm is RC2 rc2)
            {
                rc2.KeySize = key.Length * 8;
                rc2.EffectiveKeySize = key.Length * 8;
            }

            algorithm.Key = key;
            return algorithm;
        }
        catch
        {
            algorithm.Dispose();
            throw;
        }
    }

    private static byte[] Pbkdf1(byte[] password, byte[] salt, int iterations, HashAlgorithmName hash)
    {
        // RFC 8018 §5.1: T_1 = Hash(P || S), T_i = Hash(T_{i-1}).
        byte[] block = [.. password, .. salt];
        for (int i = 0; i < iterations; i++)
        {
            block = hash == HashAlgorithmName.MD5 ? MD5.HashData(block) : SHA1.HashData(block);
        }

        return block;
    }
}
