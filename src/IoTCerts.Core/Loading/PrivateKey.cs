using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>The family of a <see cref="PrivateKey"/>.</summary>
public enum PrivateKeyAlgorithm
{
    /// <summary>An RSA key.</summary>
    Rsa = 1,

    /// <summary>An elliptic-curve key on a named curve (see <see cref="PrivateKey.CurveName"/>).</summary>
    EC,
}

/// <summary>
/// A decrypted private key, held as unencrypted PKCS#8 (RFC 5958) that never leaves this object except through
/// the explicit export and create methods. <see cref="ToString"/> describes the key without revealing it.
/// </summary>
public sealed class PrivateKey
{
    private readonly byte[] pkcs8;

    private PrivateKey(byte[] pkcs8, PrivateKeyAlgorithm algorithm, int keySize, string? curveOid, byte[] subjectPublicKeyInfo, MaterialOrigin origin)
    {
        this.pkcs8 = pkcs8;
        Algorithm = algorithm;
        KeySize = keySize;
        CurveOid = curveOid;
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
        Origin = origin;
    }

    /// <summary>RSA or EC.</summary>
    public PrivateKeyAlgorithm Algorithm { get; }

    /// <summary>The key size in bits (RSA modulus length, or the curve's field size).</summary>
    public int KeySize { get; }

    /// <summary>The curve's OID for EC keys, for example <c>1.2.840.10045.3.1.7</c>; <see langword="null"/> for RSA.</summary>
    public string? CurveOid { get; }

    /// <summary>The curve's NIST name (<c>P-256</c>, <c>P-384</c>, <c>P-521</c>) or its OID; <see langword="null"/> for RSA.</summary>
    public string? CurveName => CurveOid is null ? null : Oids.CurveName(CurveOid) ?? CurveOid;

    /// <summary>The DER SubjectPublicKeyInfo of the matching public key (RFC 5280 §4.1.2.7).</summary>
    public ReadOnlyMemory<byte> SubjectPublicKeyInfo { get; }

    /// <summary>Where the key came from and how it was protected.</summary>
    public MaterialOrigin Origin { get; }

    /// <summary>Wraps an existing RSA or ECDsa key (for example one just generated) as a <see cref="PrivateKey"/>.</summary>
    /// <exception cref="MaterialException">The key is neither RSA nor EC on a named curve.</exception>
    public static PrivateKey FromAsymmetricAlgorithm(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key is not RSA and not ECDsa)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"a {key.GetType().Name} key is not supported; IoTCerts supports RSA and EC keys");
        }

        var bytes = key.ExportPkcs8PrivateKey();
        try
        {
            return FromPkcs8(bytes, new MaterialOrigin(MaterialFormat.Der, null, null, null, null));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Creates an <see cref="RSA"/> instance holding this key; the caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">The key is not an RSA key.</exception>
    public RSA CreateRsa()
    {
        if (Algorithm != PrivateKeyAlgorithm.Rsa)
        {
            throw new InvalidOperationException("the key is not an RSA key");
        }

        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return rsa;
    }

    /// <summary>Creates an <see cref="ECDsa"/> instance holding this key; the caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">The key is not an EC key.</exception>
    public ECDsa CreateECDsa()
    {
        if (Algorithm != PrivateKeyAlgorithm.EC)
        {
            throw new InvalidOperationException("the key is not an EC key");
        }

        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return ecdsa;
    }

    /// <summary>Creates an <see cref="RSA"/> or <see cref="ECDsa"/> instance holding this key; the caller disposes it.</summary>
    public AsymmetricAlgorithm CreateAsymmetricAlgorithm() => Algorithm == PrivateKeyAlgorithm.Rsa ? CreateRsa() : CreateECDsa();

    /// <summary>Exports the unencrypted PKCS#8 DER (a fresh copy the caller should clear after use).</summary>
    public byte[] ExportPkcs8() => (byte[])pkcs8.Clone();

    /// <summary>Exports unencrypted PKCS#8 PEM (PEM label <c>PRIVATE KEY</c>).</summary>
    public string ExportPkcs8Pem() => PemWriter.Write("PRIVATE KEY", pkcs8);

    /// <summary>
    /// Exports encrypted PKCS#8 PEM (PEM label <c>ENCRYPTED PRIVATE KEY</c>) with PBES2 AES-256-CBC and
    /// PBKDF2-HMAC-SHA256, which OpenSSL 3, Java and .NET all read.
    /// </summary>
    /// <param name="password">The passphrase.</param>
    /// <param name="iterations">PBKDF2 iterations; the default (600,000) follows current OWASP guidance for PBKDF2-HMAC-SHA256.</param>
    public string ExportEncryptedPkcs8Pem(ReadOnlySpan<char> password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        using var key = CreateAsymmetricAlgorithm();
        var encrypted = key.ExportEncryptedPkcs8PrivateKey(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations));
        return PemWriter.Write("ENCRYPTED PRIVATE KEY", encrypted);
    }

    /// <summary>Describes the key without revealing it, for example <c>RSA 2048-bit private key</c>.</summary>
    public override string ToString() =>
        Algorithm == PrivateKeyAlgorithm.Rsa ? $"RSA {KeySize}-bit private key" : $"EC {CurveName} private key";

    internal const int DefaultIterations = 600_000;

    /// <summary>
    /// RSA keys above 16384 bits are refused before import: no device uses them, and a hostile file could otherwise
    /// make key import and checks arbitrarily slow. A 16384-bit PKCS#1 key is about 9.3 KB of DER.
    /// </summary>
    internal const int MaxRsaKeyDerBytes = 12 * 1024;

    /// <summary>Validates unencrypted PKCS#8 by importing it, and records what it is .</summary>
    internal static PrivateKey FromPkcs8(ReadOnlySpan<byte> der, MaterialOrigin origin)
    {
        string algorithmOid;
        string? curveOid = null;
        try
        {
            var reader = new System.Formats.Asn1.AsnReader(der.ToArray(), System.Formats.Asn1.AsnEncodingRules.BER);
            var info = reader.ReadSequence();
            info.ReadInteger();
            var algorithm = info.ReadSequence();
            algorithmOid = algorithm.ReadObjectIdentifier();
            if (algorithmOid == Oids.RsaEncryption && der.Length > MaxRsaKeyDerBytes)
            {
                throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the RSA key is larger than 16384 bits, which IoTCerts does not support");
            }

            if (algorithmOid == Oids.EcPublicKey)
            {
                if (!algorithm.HasData || algorithm.PeekTag() != System.Formats.Asn1.Asn1Tag.ObjectIdentifier)
                {
                    throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the EC key uses explicit curve parameters; IoTCerts supports named curves (P-256, P-384, P-521)");
                }

                curveOid = algorithm.ReadObjectIdentifier();
            }
        }
        catch (System.Formats.Asn1.AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the private key is not valid PKCS#8", ex);
        }

        try
        {
            switch (algorithmOid)
            {
                case Oids.RsaEncryption:
                {
                    using var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(der, out int read);
                    EnsureConsumed(read, der.Length);
                    return new PrivateKey(rsa.ExportPkcs8PrivateKey(), PrivateKeyAlgorithm.Rsa, rsa.KeySize, null, rsa.ExportSubjectPublicKeyInfo(), origin);
                }

                case Oids.EcPublicKey:
                {
                    using var ecdsa = ECDsa.Create();
                    ecdsa.ImportPkcs8PrivateKey(der, out int read);
                    EnsureConsumed(read, der.Length);
                    return new PrivateKey(ecdsa.ExportPkcs8PrivateKey(), PrivateKeyAlgorithm.EC, ecdsa.KeySize, curveOid, ecdsa.ExportSubjectPublicKeyInfo(), origin);
                }

                default:
                    throw new MaterialException(
                        MaterialErrorCode.UnsupportedAlgorithm,
                        $"the private key is a {Oids.KeyAlgorithmName(algorithmOid)} key; IoTCerts supports RSA and EC (P-256, P-384, P-521) keys");
            }
        }
        catch (PlatformNotSupportedException ex)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the EC private key's curve ({curveOid}) is not supported by this platform", ex);
        }
        catch (CryptographicException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the private key is corrupt: its PKCS#8 content is not a valid key", ex);
        }
    }

    private static void EnsureConsumed(int read, int length)
    {
        if (read != length)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the private key has trailing data after its DER encoding");
        }
    }
}
