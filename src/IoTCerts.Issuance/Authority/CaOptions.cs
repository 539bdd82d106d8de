namespace IoTCerts.Issuance;

/// <summary>How to create a root or intermediate CA.</summary>
public sealed class CaOptions
{
    /// <summary>The CA subject as an RFC 4514 string (or OpenSSL <c>/K=V</c> form); a commonName is required.</summary>
    public required string Subject { get; init; }

    /// <summary>The key type to generate when <see cref="Key"/> is null; RSA 4096 by default .</summary>
    public KeyAlgorithm KeyAlgorithm { get; init; } = KeyAlgorithm.Rsa4096;

    /// <summary>An existing key to use (for example a PKCS#11 token key); null generates one. The created CA takes ownership and disposes it.</summary>
    public SigningKey? Key { get; init; }

    /// <summary>The passphrase that encrypts the stored CA key (PKCS#8, AES-256); null stores it unencrypted with mode 0600.</summary>
    public string? KeyPassphrase { get; init; }

    /// <summary>The extension profile; null for <see cref="CertificateProfile.RootCa"/> or <see cref="CertificateProfile.IntermediateCa"/> with <see cref="PathLength"/>.</summary>
    public CertificateProfile? Profile { get; init; }

    /// <summary>The pathLenConstraint when <see cref="Profile"/> is null; null for none.</summary>
    public int? PathLength { get; init; }

    /// <summary>The validity; null for the profile default (root 20 years, intermediate 10 years, Edge CA 90 days).</summary>
    public TimeSpan? Validity { get; init; }

    /// <summary>Serial mode, CRL distribution point and AIA URLs for the certificates this CA will issue.</summary>
    public CaSettings Settings { get; init; } = new();

    /// <summary>Whether an existing CA in the target database may be replaced.</summary>
    public bool Overwrite { get; init; }
}
