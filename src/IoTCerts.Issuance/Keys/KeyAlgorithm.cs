using System.Security.Cryptography;

namespace IoTCerts.Issuance;

/// <summary>The key types IoTCerts generates (R-15: RSA 2048 or more, EC P-256/P-384).</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256: the default for devices.</summary>
    EcP256 = 1,

    /// <summary>ECDSA on NIST P-384: a choice for roots.</summary>
    EcP384,

    /// <summary>RSA 2048 bits.</summary>
    Rsa2048,

    /// <summary>RSA 3072 bits.</summary>
    Rsa3072,

    /// <summary>RSA 4096 bits: the default for roots (slower handshakes, R-15).</summary>
    Rsa4096,
}

/// <summary>Names, parsing and generation for <see cref="KeyAlgorithm"/>.</summary>
public static class KeyAlgorithms
{
    /// <summary>The CLI name, for example <c>ec-p256</c> or <c>rsa4096</c>.</summary>
    public static string ToName(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcP256 => "ec-p256",
        KeyAlgorithm.EcP384 => "ec-p384",
        KeyAlgorithm.Rsa2048 => "rsa2048",
        KeyAlgorithm.Rsa3072 => "rsa3072",
        KeyAlgorithm.Rsa4096 => "rsa4096",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Parses a CLI name (<c>ec-p256</c>, <c>ec-p384</c>, <c>rsa2048</c>, <c>rsa3072</c>, <c>rsa4096</c>; also <c>p256</c>, <c>rsa-2048</c>).</summary>
    /// <exception cref="IssuanceException">The name is not one of the supported key types.</exception>
    public static KeyAlgorithm Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Trim().ToLowerInvariant().Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        return normalized switch
        {
            "ecp256" or "p256" or "prime256v1" or "secp256r1" => KeyAlgorithm.EcP256,
            "ecp384" or "p384" or "secp384r1" => KeyAlgorithm.EcP384,
            "rsa2048" => KeyAlgorithm.Rsa2048,
            "rsa3072" => KeyAlgorithm.Rsa3072,
            "rsa4096" => KeyAlgorithm.Rsa4096,
            _ => throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, $"'{name}' is not a supported key type: use ec-p256, ec-p384, rsa2048, rsa3072 or rsa4096"),
        };
    }

    /// <summary>Generates a new private key of this type.</summary>
    public static AsymmetricAlgorithm Generate(this KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithm.EcP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        KeyAlgorithm.Rsa2048 => RSA.Create(2048),
        KeyAlgorithm.Rsa3072 => RSA.Create(3072),
        KeyAlgorithm.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
