namespace IoTCerts.Core;

/// <summary>
/// Answers whether a certificate is revoked, from revocation data fetched elsewhere and handed in
/// (Core does no I/O). Called once per certificate of a candidate chain, with its issuer; must be thread-safe.
/// </summary>
public interface IRevocationChecker
{
    /// <summary>The revocation status of <paramref name="certificate"/> issued by <paramref name="issuer"/> at <paramref name="validationTime"/>.</summary>
    RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime);
}

/// <summary>What a revocation check found.</summary>
public enum RevocationStatus
{
    /// <summary>Not revoked, according to fresh and verified revocation data.</summary>
    Good,

    /// <summary>Revoked by its issuer.</summary>
    Revoked,

    /// <summary>The status could not be determined (no CRL distribution point, a CRL that does not verify or is stale).</summary>
    Unknown,

    /// <summary>The revocation data could not be fetched: its location was not reachable.</summary>
    Unreachable,

    /// <summary>The only CRL found is out of date (its nextUpdate has passed or its thisUpdate is in the future).</summary>
    CrlExpired,

    /// <summary>The only CRL found does not verify with the issuer's key (or the issuer may not sign CRLs).</summary>
    CrlSignatureInvalid,
}

/// <summary>The result of one revocation check: a status and, unless <see cref="RevocationStatus.Good"/>, a reason an operator understands.</summary>
public sealed class RevocationCheckResult
{
    private RevocationCheckResult(RevocationStatus status, string? reason)
    {
        Status = status;
        Reason = reason;
    }

    /// <summary>The status found.</summary>
    public RevocationStatus Status { get; }

    /// <summary>Why (for example "revoked on 2026-01-02 (keyCompromise)" or "http://ca.example/crl: connection refused").</summary>
    public string? Reason { get; }

    /// <summary>Not revoked.</summary>
    public static RevocationCheckResult Good { get; } = new(RevocationStatus.Good, null);

    /// <summary>Revoked, with the reason.</summary>
    public static RevocationCheckResult Revoked(string reason) => new(RevocationStatus.Revoked, reason);

    /// <summary>Status unknown, with the reason.</summary>
    public static RevocationCheckResult Unknown(string reason) => new(RevocationStatus.Unknown, reason);

    /// <summary>Revocation data unreachable, with the reason.</summary>
    public static RevocationCheckResult Unreachable(string reason) => new(RevocationStatus.Unreachable, reason);

    /// <summary>The CRL is out of date, with the reason.</summary>
    public static RevocationCheckResult CrlExpired(string reason) => new(RevocationStatus.CrlExpired, reason);

    /// <summary>The CRL's signature is invalid, with the reason.</summary>
    public static RevocationCheckResult CrlSignatureInvalid(string reason) => new(RevocationStatus.CrlSignatureInvalid, reason);
}
