namespace IoTCerts.Core;

/// <summary>Object identifiers used while loading material (RFC 5280, 5652, 5958, 7292, 8018, 5480).</summary>
internal static class Oids
{
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string EcP256 = "1.2.840.10045.3.1.7";
    public const string EcP384 = "1.3.132.0.34";
    public const string EcP521 = "1.3.132.0.35";
    public const string Ed25519 = "1.3.101.112";
    public const string Ed448 = "1.3.101.113";
    public const string X25519 = "1.3.101.110";
    public const string X448 = "1.3.101.111";
    public const string Dsa = "1.2.840.10040.4.1";
    public const string DhPublicNumber = "1.2.840.10046.2.1";
    public const string Pkcs3Dh = "1.2.840.113549.1.3.1";
    public const string Sm2 = "1.2.156.10197.1.301";

    public const string Pkcs7Data = "1.2.840.113549.1.7.1";
    public const string Pkcs7SignedData = "1.2.840.113549.1.7.2";
    public const string Pkcs7EnvelopedData = "1.2.840.113549.1.7.3";
    public const string Pkcs7EncryptedData = "1.2.840.113549.1.7.6";

    public const string Pbes2 = "1.2.840.113549.1.5.13";
    public const string Pbkdf2 = "1.2.840.113549.1.5.12";
    public const string Scrypt = "1.3.6.1.4.1.11591.4.11";
    public const string PbeMd5Des = "1.2.840.113549.1.5.3";
    public const string PbeMd5Rc2 = "1.2.840.113549.1.5.6";
    public const string PbeSha1Des = "1.2.840.113549.1.5.10";
    public const string PbeSha1Rc2 = "1.2.840.113549.1.5.11";
    public const string Pkcs12PbeSha1Rc4128 = "1.2.840.113549.1.12.1.1";
    public const string Pkcs12PbeSha1Rc440 = "1.2.840.113549.1.12.1.2";
    public const string Pkcs12PbeSha13Des = "1.2.840.113549.1.12.1.3";
    public const string Pkcs12PbeSha12Des = "1.2.840.113549.1.12.1.4";
    public const string Pkcs12PbeSha1Rc2128 = "1.2.840.113549.1.12.1.5";
    public const string Pkcs12PbeSha1Rc240 = "1.2.840.113549.1.12.1.6";
    public const string Pbmac1 = "1.2.840.113549.1.5.14";

    public const string HmacSha1 = "1.2.840.113549.2.7";
    public const string HmacSha224 = "1.2.840.113549.2.8";
    public const string HmacSha256 = "1.2.840.113549.2.9";
    public const string HmacSha384 = "1.2.840.113549.2.10";
    public const string HmacSha512 = "1.2.840.113549.2.11";
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";

    public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";
    public const string Aes192Cbc = "2.16.840.1.101.3.4.1.22";
    public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";
    public const string DesEde3Cbc = "1.2.840.113549.3.7";
    public const string DesCbc = "1.3.14.3.2.7";
    public const string Rc2Cbc = "1.2.840.113549.3.2";

    public const string Pkcs12KeyBag = "1.2.840.113549.1.12.10.1.1";
    public const string Pkcs12ShroudedKeyBag = "1.2.840.113549.1.12.10.1.2";
    public const string Pkcs12CertBag = "1.2.840.113549.1.12.10.1.3";
    public const string Pkcs12CrlBag = "1.2.840.113549.1.12.10.1.4";
    public const string Pkcs12SecretBag = "1.2.840.113549.1.12.10.1.5";
    public const string Pkcs12SafeContentsBag = "1.2.840.113549.1.12.10.1.6";
    public const string Pkcs12X509Certificate = "1.2.840.113549.1.9.22.1";
    public const string Pkcs12X509Crl = "1.2.840.113549.1.9.23.1";
    public const string FriendlyName = "1.2.840.113549.1.9.20";
    public const string LocalKeyId = "1.2.840.113549.1.9.21";
    public const string OracleTrustedKeyUsage = "2.16.840.1.113894.746875.1.1";
    public const string AnyExtendedKeyUsage = "2.5.29.37.0";
    public const string CommonName = "2.5.4.3";

    /// <summary>A human name for a key algorithm OID, so an "unsupported" sentence can name it.</summary>
    public static string KeyAlgorithmName(string oid) => oid switch
    {
        RsaEncryption => "RSA",
        RsaPss => "RSASSA-PSS",
        EcPublicKey => "EC",
        Ed25519 => "Ed25519",
        Ed448 => "Ed448",
        X25519 => "X25519",
        X448 => "X448",
        Dsa => "DSA",
        DhPublicNumber or Pkcs3Dh => "Diffie-Hellman",
        Sm2 => "SM2",
        _ => "OID " + oid,
    };

    /// <summary>The NIST name of a named curve, or <see langword="null"/> for curves IoTCerts does not name.</summary>
    public static string? CurveName(string oid) => oid switch
    {
        EcP256 => "P-256",
        EcP384 => "P-384",
        EcP521 => "P-521",
        _ => null,
    };
}
