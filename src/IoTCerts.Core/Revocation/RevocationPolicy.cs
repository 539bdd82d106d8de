namespace IoTCerts.Core;

/// <summary>Where revocation data comes from .</summary>
public enum RevocationMode
{
    /// <summary>Revocation is not checked.</summary>
    None,

    /// <summary>Only CRLs handed in by the caller are used; nothing is fetched.</summary>
    Offline,

    /// <summary>CRLs are fetched from each certificate's CRL distribution points by an <see cref="ICrlSource"/> such as IoTCerts.Revocation.Online's <c>CrlFetcher</c> (handed-in CRLs are used too).</summary>
    Online,
}

/// <summary>What happens when the revocation status cannot be established (no CRL, CRL out of date or not verifiable, location unreachable).</summary>
public enum UnknownRevocationStatus
{
    /// <summary>The chain is invalid, with a code naming the cause (the default: fail closed).</summary>
    Deny,

    /// <summary>The chain is accepted; only a certificate found on a valid CRL fails.</summary>
    Allow,
}

/// <summary>Which certificates of a chain are checked for revocation.</summary>
public enum RevocationScope
{
    /// <summary>Every certificate below the trust anchor: the end entity and each intermediate.</summary>
    WholeChain,

    /// <summary>Only the end entity (a certificate that is not a CA).</summary>
    EndEntityOnly,
}

/// <summary>
/// How revocation is checked: the mode (none, CRLs handed in, CRLs fetched), what an unknown status does,
/// which certificates are checked and the clock skew tolerated on CRL times. Immutable.
/// </summary>
public sealed class RevocationPolicy
{
    /// <summary>No revocation checking.</summary>
    public static RevocationPolicy None { get; } = new() { Mode = RevocationMode.None };

    /// <summary>Handed-in CRLs only, unknown status denied, whole chain.</summary>
    public static RevocationPolicy Offline { get; } = new() { Mode = RevocationMode.Offline };

    /// <summary>Fetched CRLs, unknown status denied, whole chain.</summary>
    public static RevocationPolicy Online { get; } = new() { Mode = RevocationMode.Online };

    /// <summary>Where revocation data comes from. Default <see cref="RevocationMode.Offline"/>.</summary>
    public RevocationMode Mode { get; init; } = RevocationMode.Offline;

    /// <summary>What an unknown status does. Default <see cref="UnknownRevocationStatus.Deny"/>.</summary>
    public UnknownRevocationStatus UnknownStatus { get; init; } = UnknownRevocationStatus.Deny;

    /// <summary>Which certificates are checked. Default <see cref="RevocationScope.WholeChain"/>.</summary>
    public RevocationScope Scope { get; init; } = RevocationScope.WholeChain;

    /// <summary>
    /// How far the validation time may lie outside a CRL's thisUpdate..nextUpdate window before the CRL counts as
    /// out of date (clocks of devices drift). Default 5 minutes; between zero and one day.
    /// </summary>
    public TimeSpan ClockSkew
    {
        get;
        init => field = value >= TimeSpan.Zero && value <= TimeSpan.FromDays(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the CRL clock skew must be between zero and one day");
    } = TimeSpan.FromMinutes(5);
}
