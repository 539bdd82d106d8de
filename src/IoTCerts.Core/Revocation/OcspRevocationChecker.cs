using System.Globalization;

namespace IoTCerts.Core;

/// <summary>What <see cref="OcspRevocationChecker"/> does when OCSP gives no usable answer (no responder, unreachable, an error, a response that does not verify or is out of date).</summary>
public enum OcspFallback
{
    /// <summary>The status is unknown (or unreachable), so the chain fails unless the chain policy soft-fails revocation: the default.</summary>
    FailClosed,

    /// <summary>The CRL checker handed to the OCSP checker decides (the certificate's CRL distribution points, or CRLs handed in).</summary>
    Crl,

    /// <summary>The certificate is accepted; only a verified "revoked" or "unknown" answer fails it.</summary>
    SoftFail,
}

/// <summary>
/// Checks revocation with OCSP (RFC 6960) answers an <see cref="IOcspSource"/> (IoTCerts.Revocation.Online's
/// <c>OcspClient</c>) has obtained and verified. An answer counts only while the validation time lies within
/// thisUpdate − skew .. nextUpdate + skew (or thisUpdate + <see cref="MaxAgeWithoutNextUpdate"/> when the responder
/// gave no nextUpdate). A verified "unknown" answer is never accepted: the responder does not know the certificate.
/// Thread-safe; does no I/O (it reads the source's cache; <see cref="ChainValidatorRevocation.ValidateAsync"/> fills it).
/// </summary>
public sealed class OcspRevocationChecker : IRevocationChecker
{
    /// <summary>Creates a checker.</summary>
    /// <param name="source">Where verified answers come from.</param>
    /// <param name="fallback">What happens without a usable answer.</param>
    /// <param name="crlFallback">The CRL checker consulted with <see cref="OcspFallback.Crl"/> (required then, refused otherwise).</param>
    /// <param name="scope">Which certificates of a chain are checked.</param>
    /// <exception cref="ArgumentException">The combination of <paramref name="fallback"/> and <paramref name="crlFallback"/> is impossible.</exception>
    public OcspRevocationChecker(IOcspSource source, OcspFallback fallback = OcspFallback.FailClosed, CrlRevocationChecker? crlFallback = null,
        RevocationScope scope = RevocationScope.WholeChain)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (fallback == OcspFallback.Crl && crlFallback is null)
        {
            throw new ArgumentException("OcspFallback.Crl needs a CrlRevocationChecker", nameof(crlFallback));
        }

        if (fallback != OcspFallback.Crl && crlFallback is not null)
        {
            throw new ArgumentException("a CRL checker is only consulted with OcspFallback.Crl", nameof(crlFallback));
        }

        Source = source;
        Fallback = fallback;
        CrlFallback = crlFallback;
        Scope = scope;
    }

    /// <summary>Where verified answers come from.</summary>
    public IOcspSource Source { get; }

    /// <summary>What happens without a usable answer.</summary>
    public OcspFallback Fallback { get; }

    /// <summary>The CRL checker consulted with <see cref="OcspFallback.Crl"/>, or null.</summary>
    public CrlRevocationChecker? CrlFallback { get; }

    /// <summary>Which certificates of a chain are checked.</summary>
    public RevocationScope Scope { get; }

    /// <summary>How far the validation time may lie outside an answer's thisUpdate..nextUpdate window. Default 5 minutes; between zero and one day.</summary>
    public TimeSpan ClockSkew
    {
        get;
        init => field = value >= TimeSpan.Zero && value <= TimeSpan.FromDays(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the OCSP clock skew must be between zero and one day");
    } = TimeSpan.FromMinutes(5);

    /// <summary>How long an answer without nextUpdate counts after its thisUpdate. Default 1 hour; between one minute and 7 days.</summary>
    public TimeSpan MaxAgeWithoutNextUpdate
    {
        get;
        init => field = value >= TimeSpan.FromMinutes(1) && value <= TimeSpan.FromDays(7)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the OCSP maximum age must be between one minute and 7 days");
    } = TimeSpan.FromHours(1);

    /// <inheritdoc/>
    public RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        if (Scope == RevocationScope.EndEntityOnly && certificate.BasicConstraints is { IsCertificateAuthority: true })
        {
            return RevocationCheckResult.Good;
        }

        var ocsp = Evaluate(certificate, issuer, validationTime);
        if (ocsp.Definitive)
        {
            return ocsp.Result;
        }

        switch (Fallback)
        {
            case OcspFallback.Crl:
                var crl = CrlFallback!.Check(certificate, issuer, validationTime);
                return crl.Status is RevocationStatus.Good or RevocationStatus.Revoked ? crl : WithOcspReason(crl, ocsp.Result.Reason);
            case OcspFallback.SoftFail:
                return RevocationCheckResult.Good;
            default:
                return ocsp.Result;
        }
    }

    private Outcome Evaluate(Certificate certificate, Certificate issuer, DateTimeOffset at)
    {
        if (!Source.TryGetCached(certificate, issuer, out var answer))
        {
            return new(RevocationCheckResult.Unknown("no OCSP answer has been obtained yet (validate with ValidateAsync)"), Definitive: false);
        }

        if (!answer.IsVerified)
        {
            return answer.Failure is OcspFailure.Unreachable
                ? new(RevocationCheckResult.Unreachable($"OCSP: {answer.Message}"), Definitive: false)
                : new(RevocationCheckResult.Unknown($"OCSP: {answer.Message}"), Definitive: false);
        }

        // RFC 6960 §3.2 (5)(6): thisUpdate sufficiently recent, nextUpdate not passed.
        var until = answer.NextUpdate ?? answer.ThisUpdate + MaxAgeWithoutNextUpdate;
        if (at < answer.ThisUpdate - ClockSkew || at > until + ClockSkew)
        {
            return new(RevocationCheckResult.Unknown(string.Create(CultureInfo.InvariantCulture,
                $"the OCSP answer is out of date (thisUpdate {answer.ThisUpdate:u}, {(answer.NextUpdate is null ? "no nextUpdate, counted until" : "nextUpdate")} {until:u}, validation time {at:u})")), Definitive: false);
        }

        return answer.Status switch
        {
            OcspCertificateStatus.Good => new(RevocationCheckResult.Good, Definitive: true),
            OcspCertificateStatus.Revoked => new(RevocationCheckResult.Revoked(string.Create(CultureInfo.InvariantCulture,
                $"OCSP: revoked on {answer.RevokedAt:u}{(answer.RevocationReason is { } reason ? $" ({reason})" : string.Empty)}")), Definitive: true),
            _ => new(RevocationCheckResult.Unknown($"OCSP: the responder does not know the certificate ({answer.Message})"), Definitive: true),
        };
    }

    private static RevocationCheckResult WithOcspReason(RevocationCheckResult crl, string? ocspReason) => crl.Status switch
    {
        RevocationStatus.Unreachable => RevocationCheckResult.Unreachable($"{ocspReason}; CRL fallback: {crl.Reason}"),
        RevocationStatus.CrlExpired => RevocationCheckResult.CrlExpired($"{ocspReason}; CRL fallback: {crl.Reason}"),
        RevocationStatus.CrlSignatureInvalid => RevocationCheckResult.CrlSignatureInvalid($"{ocspReason}; CRL fallback: {crl.Reason}"),
        _ => RevocationCheckResult.Unknown($"{ocspReason}; CRL fallback: {crl.Reason}"),
    };

    // Definitive: a verified, fresh answer (good, revoked or unknown) that no fallback overrides.
    private readonly record struct Outcome(RevocationCheckResult Result, bool Definitive);
}
