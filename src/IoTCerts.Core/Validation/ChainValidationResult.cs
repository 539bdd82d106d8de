namespace IoTCerts.Core;

/// <summary>One reason a chain is invalid: a code, the certificate it concerns, and a sentence for an operator .</summary>
public sealed class ChainError
{
    internal ChainError(ChainStatus status, int certificateIndex, string message)
    {
        Status = status;
        CertificateIndex = certificateIndex;
        Message = message;
    }

    /// <summary>The cause.</summary>
    public ChainStatus Status { get; }

    /// <summary>The stable code string (see <see cref="ChainStatusCodes.ToCode"/>).</summary>
    public string Code => Status.ToCode();

    /// <summary>Index into <see cref="ChainValidationResult.Chain"/> (0 = end entity) of the certificate concerned.</summary>
    public int CertificateIndex { get; }

    /// <summary>A sentence an operator understands.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Code} [certificate {CertificateIndex}]: {Message}";
}

/// <summary>
/// The outcome of a validation: an invalid chain is a result, never an exception. <see cref="Chain"/> holds the
/// chain that was built (end entity first, trust anchor last when one was reached) or, when none could be
/// completed, the most complete attempt; <see cref="Errors"/> lists the causes, most specific first.
/// </summary>
public sealed class ChainValidationResult
{
    internal ChainValidationResult(IReadOnlyList<Certificate> chain, IReadOnlyList<ChainError> errors, DateTimeOffset validationTime)
        : this(chain, errors, validationTime, [], [])
    {
    }

    internal ChainValidationResult(IReadOnlyList<Certificate> chain, IReadOnlyList<ChainError> errors, DateTimeOffset validationTime, IReadOnlyList<string> authoritiesConstrainedPolicies, IReadOnlyList<string> userConstrainedPolicies)
    {
        Chain = chain;
        Errors = errors;
        ValidationTime = validationTime;
        AuthoritiesConstrainedPolicies = authoritiesConstrainedPolicies;
        UserConstrainedPolicies = userConstrainedPolicies;
    }

    /// <summary>True when a chain to a trust anchor was built and every check passed.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>The certificates of the chain, end entity first.</summary>
    public IReadOnlyList<Certificate> Chain { get; }

    /// <summary>Why the chain is invalid, most specific first; empty when valid.</summary>
    public IReadOnlyList<ChainError> Errors { get; }

    /// <summary>The instant the chain was validated at.</summary>
    public DateTimeOffset ValidationTime { get; }

    /// <summary>
    /// RFC 5280 §6.1.6 / X.509 authorities-constrained-policy-set of a valid chain: the certificate policy OIDs (in the
    /// trust anchor's domain, before policy mapping) for which every certificate of the path is valid, "2.5.29.32.0"
    /// (anyPolicy) when the path is valid for any policy; empty when some certificate has no certificatePolicies or
    /// when the chain is invalid. Sorted.
    /// </summary>
    public IReadOnlyList<string> AuthoritiesConstrainedPolicies { get; }

    /// <summary>
    /// The user-constrained-policy-set: <see cref="AuthoritiesConstrainedPolicies"/> intersected with
    /// <see cref="ValidationContext.UserInitialPolicySet"/> (RFC 5280 §6.1.5 (g)); "2.5.29.32.0" (anyPolicy) when
    /// unconstrained; empty when no policy qualifies or the chain is invalid. Sorted.
    /// </summary>
    public IReadOnlyList<string> UserConstrainedPolicies { get; }
}
