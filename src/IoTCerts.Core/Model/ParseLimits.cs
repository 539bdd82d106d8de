namespace IoTCerts.Core;

/// <summary>
/// Bounds applied while parsing untrusted certificates, CSRs and CRLs, so hostile input cannot make
/// the parser allocate or work without limit. Each violated bound fails the parse with its own sentence.
/// </summary>
public sealed class ParseLimits
{
    /// <summary>The defaults: 1 MiB per object (64 MiB for CRLs), 200 extensions, 1,000 general names,
    /// 256 relative distinguished names, 1,000,000 CRL entries.</summary>
    public static ParseLimits Default { get; } = new();

    /// <summary>Largest accepted DER encoding of a certificate or CSR, in bytes.</summary>
    public int MaxEncodedSize { get; init; } = 1024 * 1024;

    /// <summary>Largest accepted DER encoding of a CRL, in bytes (CRLs of large CAs are big).</summary>
    public int MaxCrlEncodedSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Most extensions accepted in one certificate, CSR, CRL or CRL entry.</summary>
    public int MaxExtensions { get; init; } = 200;

    /// <summary>Most general names accepted in one GeneralNames value (SAN, AKI issuer, name constraints, ...).</summary>
    public int MaxGeneralNames { get; init; } = 1000;

    /// <summary>Most relative distinguished names (and attributes) accepted in one distinguished name.</summary>
    public int MaxRelativeDistinguishedNames { get; init; } = 256;

    /// <summary>Most revoked-certificate entries accepted in one CRL.</summary>
    public int MaxCrlEntries { get; init; } = 1_000_000;

    /// <summary>Most attributes accepted in one certification request.</summary>
    public int MaxRequestAttributes { get; init; } = 100;
}
