namespace IoTCerts.Core;

/// <summary>
/// Limits on the work one validation may do, so that a hostile bag of certificates cannot burn CPU
/// (the rustls-webpki budget). When a limit is reached the search stops with <see cref="ChainStatus.BudgetExceeded"/>.
/// </summary>
public sealed class ValidationBudget
{
    /// <summary>
    /// The defaults: 100 signature checks (at most 16 failing for one certificate), 5,000 build steps, 250,000 name-constraint comparisons, a policy graph of
    /// 10,000 nodes and edges. At these the worst hostile bags of issue 17 (a 12-CA mesh of cross-certificates, 5,000
    /// same-name decoys, a 40-rung ladder) end in tens of milliseconds, while real chains need a handful of steps.
    /// </summary>
    public static ValidationBudget Default { get; } = new();

    /// <summary>Signature verifications per validation (cached verifications are free). Default 100.</summary>
    public int MaxSignatureChecks { get; init => field = Positive(value); } = 100;

    /// <summary>
    /// Failed signature checks among the candidate issuers of one certificate before the search stops. Default 16.
    /// Real hierarchies offer a certificate a few same-name issuers (key rollover, cross-certificates); thousands of
    /// same-name decoys carrying the real issuer's key identifier would otherwise each cost a key import and a
    /// verification until <see cref="MaxSignatureChecks"/> runs out (issue 17).
    /// </summary>
    public int MaxSignatureFailuresPerCertificate { get; init => field = Positive(value); } = 16;

    /// <summary>
    /// Candidate issuers considered per validation, cached signatures included. Default 5,000: a step over a cached edge
    /// costs microseconds, so rustls-webpki's 200,000 let a cross-certified mesh run for half a second (issue 17).
    /// </summary>
    public int MaxBuildSteps { get; init => field = Positive(value); } = 5_000;

    /// <summary>Name-vs-constraint comparisons per validation. Default 250,000.</summary>
    public int MaxNameConstraintComparisons { get; init => field = Positive(value); } = 250_000;

    /// <summary>
    /// Nodes and edges of the RFC 5280 §6.1 policy graph of one candidate path. Default 10,000. Exceeding it fails that
    /// path with <see cref="ChainStatus.PolicyGraphTooLarge"/> (policy trees grow exponentially with mappings and
    /// anyPolicy: CVE-2023-0464).
    /// </summary>
    public int MaxPolicyGraphSize { get; init => field = Positive(value); } = 10_000;

    private static int Positive(int value) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a budget limit must be positive");
}

/// <summary>The remaining budget of one validation (a mutable struct passed by reference, never shared between threads).</summary>
internal struct ValidationBudgetCounter(ValidationBudget limits)
{
    public const string NameConstraintMessage = "the search for a valid chain was stopped: the name constraints need more comparisons than the budget allows";

    private int _signatures = limits.MaxSignatureChecks;
    private int _steps = limits.MaxBuildSteps;
    private int _comparisons = limits.MaxNameConstraintComparisons;

    public bool Exhausted { get; private set; }

    public string? ExhaustedMessage { get; private set; }

    public bool ChargeSignature() => Charge(ref _signatures, "the search for a valid chain was stopped: it needed more signature checks than the budget allows");

    public bool ChargeBuildStep() => Charge(ref _steps, "the search for a valid chain was stopped: it considered more candidate issuers than the budget allows");

    /// <summary>Stops the search: too many candidate issuers of one certificate failed their signature check.</summary>
    public void StopForSignatureFailures(int limit, string subject)
    {
        Exhausted = true;
        ExhaustedMessage ??= $"the search for a valid chain was stopped: {limit} candidate issuers of \"{subject}\" failed their signature check (same-name decoys), the most the budget allows for one certificate";
    }

    public bool ChargeNameConstraintComparison() => Charge(ref _comparisons, NameConstraintMessage);

    private bool Charge(ref int remaining, string message)
    {
        if (remaining <= 0)
        {
            Exhausted = true;
            ExhaustedMessage ??= message;
            return false;
        }

        remaining--;
        return true;
    }
}
