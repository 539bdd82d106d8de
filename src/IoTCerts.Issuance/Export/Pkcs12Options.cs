using IoTCerts.Core;

namespace IoTCerts.Issuance;

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
