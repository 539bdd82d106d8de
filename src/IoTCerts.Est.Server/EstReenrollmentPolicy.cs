namespace IoTCerts.Est.Server;

/// <summary>Where a certificate issued by the EST server's CA stands, as far as re-enrollment is concerned.</summary>
public enum EstCertificateStanding
{
    /// <summary>The issuer keeps no records of this certificate (re-enrollment is decided by the chain alone).</summary>
    Unknown = 0,

    /// <summary>Recorded, not revoked and not replaced by a certificate for another key.</summary>
    Current,

    /// <summary>Revoked by the CA.</summary>
    Revoked,

    /// <summary>Replaced by a rekey: a later re-enrollment of this certificate certified another key.</summary>
    Superseded,
}

/// <summary>
/// Which current certificates may re-enroll (RFC 7030 section 4.2.2). A revoked certificate never can (403). By default
/// an expired one or one superseded by a rekey cannot either: the rekey moved the identity to another key, so the old
/// key must not obtain a new certificate (a stolen old key would otherwise outlive the rekey). A plain renewal (same
/// key) does not supersede.
/// </summary>
public sealed class EstReenrollmentPolicy
{
    /// <summary>The default: expired and superseded certificates are refused with 403.</summary>
    public static EstReenrollmentPolicy Default { get; } = new();

    /// <summary>Refuse a certificate superseded by a rekey (default true).</summary>
    public bool RefuseSuperseded { get; init; } = true;

    /// <summary>
    /// How long after its notAfter an expired certificate may still re-enroll (its chain is then validated at its last
    /// valid second). <see cref="TimeSpan.Zero"/>, the default, refuses every expired certificate: the device enrolls
    /// again with its bootstrap identity.
    /// </summary>
    public TimeSpan ExpiredGracePeriod
    {
        get => _expiredGracePeriod;
        init => _expiredGracePeriod = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "the grace period cannot be negative");
    }

    private readonly TimeSpan _expiredGracePeriod;
}
