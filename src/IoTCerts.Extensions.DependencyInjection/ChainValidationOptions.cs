using IoTCerts.Core;

namespace IoTCerts.Extensions.DependencyInjection;

/// <summary>What <see cref="IoTCertsServiceCollectionExtensions.AddIoTCertsChainValidation"/> builds the <see cref="ChainValidator"/> from.</summary>
public sealed class ChainValidationOptions
{
    /// <summary>Files holding the trust anchors, in any format Core reads (PEM, DER, PKCS#7, PKCS#12 truststore). At least one.</summary>
    public IList<string> TrustAnchorFiles { get; } = [];

    /// <summary>Password of PKCS#12 trust anchor files, if they have one.</summary>
    public string? TrustStorePassword { get; set; }

    /// <summary>Depth, algorithm and budget limits; <see cref="ChainPolicy.Default"/> unless set.</summary>
    public ChainPolicy Policy { get; set; } = ChainPolicy.Default;
}
