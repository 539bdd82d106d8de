namespace IoTCerts.Issuance;

/// <summary>How a PKCS#12 file is protected.</summary>
public enum Pkcs12Encryption
{
    /// <summary>PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC: the default (OpenSSL 3, Java 12+ read it).</summary>
    Aes256Sha256 = 1,

    /// <summary>pbeWithSHAAnd3-KeyTripleDES-CBC and an HMAC-SHA1 MAC, for old Java tools and devices that read nothing newer.</summary>
    LegacyTripleDesSha1,
}

/// <summary>Options for PKCS#12 keystores and truststores .</summary>
public sealed class Pkcs12Options
{
    /// <summary>The alias Java shows for the key entry (friendlyName); <c>devicekeyentry</c> by default .</summary>
    public string FriendlyName { get; init; } = "devicekeyentry";

    /// <summary>The protection; <see cref="Pkcs12Encryption.Aes256Sha256"/> by default.</summary>
    public Pkcs12Encryption Encryption { get; init; } = Pkcs12Encryption.Aes256Sha256;

    /// <summary>The PBKDF2/PKCS#12-KDF iteration count (key, certificates and MAC).</summary>
    public int Iterations { get; init; } = 10_000;
}
