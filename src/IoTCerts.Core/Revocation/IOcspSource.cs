using System.Diagnostics.CodeAnalysis;

namespace IoTCerts.Core;

/// <summary>
/// Where OCSP answers (RFC 6960) come from: Core's <see cref="OcspRevocationChecker"/> reads the cache during
/// validation and <see cref="ChainValidatorRevocation.ValidateAsync"/> asks for what is missing, but Core does no
/// network I/O itself. IoTCerts.Revocation.Online's <c>OcspClient</c> implements it over HTTP; the implementation
/// verifies the response (signature by the issuer or a delegated responder, request match, nonce) before it hands a
/// <see cref="OcspFetchResult"/> over.
/// </summary>
public interface IOcspSource
{
    /// <summary>The cached answer for <paramref name="certificate"/> issued by <paramref name="issuer"/>, without any I/O (the validation path calls it).</summary>
    bool TryGetCached(Certificate certificate, Certificate issuer, [NotNullWhen(true)] out OcspFetchResult? result);

    /// <summary>Asks the certificate's OCSP responder, unless a fresh answer is cached. Network and content problems are results, not exceptions.</summary>
    Task<OcspFetchResult> FetchAsync(Certificate certificate, Certificate issuer, CancellationToken cancellationToken = default);
}

/// <summary>The status an OCSP responder gave for one certificate (RFC 6960 §2.2).</summary>
public enum OcspCertificateStatus
{
    /// <summary>Not revoked.</summary>
    Good,

    /// <summary>Revoked.</summary>
    Revoked,

    /// <summary>The responder does not know the certificate.</summary>
    Unknown,
}

/// <summary>Why no verified OCSP answer is available.</summary>
public enum OcspFailure
{
    /// <summary>A verified answer is available.</summary>
    None,

    /// <summary>The certificate names no http OCSP responder and none is configured.</summary>
    NoResponder,

    /// <summary>The responder could not be reached, timed out or answered with an HTTP error.</summary>
    Unreachable,

    /// <summary>The responder answered with an OCSP error status (malformedRequest, internalError, tryLater, unauthorized …).</summary>
    ResponderError,

    /// <summary>
    /// The response does not verify: unparseable or too large, a signature that does not verify, a signer that is
    /// neither the issuer nor a delegated responder it certified, no answer for the certificate asked about, a nonce
    /// that does not match, or a response already out of date.
    /// </summary>
    InvalidResponse,
}

/// <summary>The outcome of one OCSP query: a verified answer, or the reason there is none.</summary>
public sealed class OcspFetchResult
{
    private OcspFetchResult(OcspFailure failure, OcspCertificateStatus status, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate,
        DateTimeOffset? revokedAt, string? revocationReason, string message)
    {
        Failure = failure;
        Status = status;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        RevokedAt = revokedAt;
        RevocationReason = revocationReason;
        Message = message;
    }

    /// <summary>A verified answer (for an <see cref="IOcspSource"/> implementation, after it has verified the response).</summary>
    /// <param name="status">The certificate's status.</param>
    /// <param name="thisUpdate">The answer's thisUpdate.</param>
    /// <param name="nextUpdate">The answer's nextUpdate, when the responder gave one.</param>
    /// <param name="revokedAt">The revocationTime, for a revoked certificate.</param>
    /// <param name="revocationReason">The revocation reason's RFC 5280 name (for example "keyCompromise"), when given.</param>
    /// <param name="message">A sentence for an operator naming the responder.</param>
    public static OcspFetchResult Verified(OcspCertificateStatus status, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate,
        DateTimeOffset? revokedAt, string? revocationReason, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(OcspFailure.None, status, thisUpdate, nextUpdate, revokedAt, revocationReason, message);
    }

    /// <summary>No verified answer.</summary>
    /// <exception cref="ArgumentException"><paramref name="failure"/> is <see cref="OcspFailure.None"/>.</exception>
    public static OcspFetchResult Failed(OcspFailure failure, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (failure == OcspFailure.None)
        {
            throw new ArgumentException("a failed result needs a failure", nameof(failure));
        }

        return new(failure, OcspCertificateStatus.Unknown, default, null, null, null, message);
    }

    /// <summary>Why there is no verified answer, or <see cref="OcspFailure.None"/>.</summary>
    public OcspFailure Failure { get; }

    /// <summary>True when this is a verified answer.</summary>
    public bool IsVerified => Failure == OcspFailure.None;

    /// <summary>The certificate's status (meaningful when <see cref="IsVerified"/>).</summary>
    public OcspCertificateStatus Status { get; }

    /// <summary>The answer's thisUpdate.</summary>
    public DateTimeOffset ThisUpdate { get; }

    /// <summary>The answer's nextUpdate, or null.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>When the certificate was revoked.</summary>
    public DateTimeOffset? RevokedAt { get; }

    /// <summary>The RFC 5280 name of the revocation reason, or null.</summary>
    public string? RevocationReason { get; }

    /// <summary>A sentence for an operator.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => IsVerified ? $"{Status}: {Message}" : $"{Failure}: {Message}";
}
