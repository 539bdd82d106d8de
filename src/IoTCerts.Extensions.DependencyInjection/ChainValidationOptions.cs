using IoTCerts.Core;
using IoTCerts.Revocation.Online;

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

    /// <summary>
    /// Where revocation data comes from: <see cref="RevocationMode.None"/> (the default), <see cref="RevocationMode.Offline"/>
    /// (the <see cref="CrlFiles"/> only) or <see cref="RevocationMode.Online"/> (CRLs fetched from each certificate's distribution
    /// points through the <see cref="IoTCertsServiceCollectionExtensions.CrlHttpClientName"/> client, next to the <see cref="CrlFiles"/>).
    /// </summary>
    public RevocationMode Revocation { get; set; } = RevocationMode.None;

    /// <summary>
    /// CRL files (PEM or DER), read once at start. Each must hold a CRL signed by a trust anchor or by a certificate of
    /// <see cref="CrlIssuerFiles"/>; a host with a file that does not refuses to start, naming it.
    /// </summary>
    public IList<string> CrlFiles { get; } = [];

    /// <summary>
    /// Certificates of CAs below the trust anchors that sign <see cref="CrlFiles"/> (an issuing CA whose certificate devices
    /// present). Each must be issued by a trust anchor or by another of these. They only vouch for the CRL files at start:
    /// they are not trusted for chain building.
    /// </summary>
    public IList<string> CrlIssuerFiles { get; } = [];

    /// <summary>What an unknown revocation status does (no usable CRL, CRL location not reachable). Default <see cref="Core.UnknownRevocationStatus.Deny"/>.</summary>
    public UnknownRevocationStatus UnknownRevocationStatus { get; set; } = UnknownRevocationStatus.Deny;

    /// <summary>Which certificates are checked for revocation. Default <see cref="Core.RevocationScope.WholeChain"/>.</summary>
    public RevocationScope RevocationScope { get; set; } = RevocationScope.WholeChain;

    /// <summary>Timeout, size, redirect and cache limits of the online CRL downloads. <see cref="CrlFetcherOptions.Default"/> unless set.</summary>
    public CrlFetcherOptions CrlFetching { get; set; } = CrlFetcherOptions.Default;

    /// <summary>
    /// OCSP (RFC 6960) first, and what happens without a verified answer; null (the default) asks no responder.
    /// <see cref="OcspFallback.Crl"/> needs <see cref="Revocation"/> Offline or Online: the CRL checker it builds decides then.
    /// </summary>
    public OcspFallback? Ocsp { get; set; }

    /// <summary>Timeout, size, nonce and cache settings of the OCSP queries. <see cref="OcspClientOptions.Default"/> unless set.</summary>
    public OcspClientOptions OcspQueries { get; set; } = OcspClientOptions.Default;

    /// <summary>The revocation policy these options describe.</summary>
    public RevocationPolicy ToRevocationPolicy() => new() { Mode = Revocation, UnknownStatus = UnknownRevocationStatus, Scope = RevocationScope };
}
