namespace IoTCerts.Core;

/// <summary>Per-validation inputs: when, for what purpose, and for which peer name.</summary>
public sealed class ValidationContext
{
    /// <summary>No fixed time (the validator's <see cref="TimeProvider"/>), any purpose, no peer name.</summary>
    public static ValidationContext Default { get; } = new();

    /// <summary>The instant at which the chain must be valid; null means the validator's <see cref="TimeProvider"/> now.</summary>
    public DateTimeOffset? ValidationTime { get; init; }

    /// <summary>The purpose the end-entity certificate must allow. Default <see cref="CertificatePurpose.Any"/>.</summary>
    public CertificatePurpose Purpose { get; init; }

    /// <summary>The name the end-entity certificate must hold (server certificates), or null.</summary>
    public PeerName? ExpectedPeerName { get; init; }
}
