namespace IoTCerts.Core;

/// <summary>When a platform rule applies.</summary>
public enum ProfileStage
{
    /// <summary>When a CA certificate is uploaded or registered with the platform.</summary>
    CaUpload,

    /// <summary>When a device presents its chain to connect.</summary>
    DeviceConnection,
}

/// <summary>One rule of a platform profile: a stable code, the stage it applies to, the requirement it checks and where it comes from.</summary>
/// <param name="Code">A stable kebab-case code, for example <c>c8y-ca-basic-constraints</c>.</param>
/// <param name="Stage">When the rule applies.</param>
/// <param name="Requirement">The rule as a sentence naming the platform, for example "Cumulocity requires the uploaded CA certificate to have basicConstraints CA:true".</param>
/// <param name="Reference">The requirement it implements (R-20, R-41, ...).</param>
public sealed record ProfileRule(string Code, ProfileStage Stage, string Requirement, string Reference);

/// <summary>One broken rule: the rule, the certificate concerned and what was found.</summary>
public sealed class ProfileViolation
{
    internal ProfileViolation(ProfileRule rule, int certificateIndex, string detail)
    {
        Rule = rule;
        CertificateIndex = certificateIndex;
        Message = $"{rule.Requirement}: {detail}";
    }

    /// <summary>The rule broken.</summary>
    public ProfileRule Rule { get; }

    /// <summary>The rule's code.</summary>
    public string Code => Rule.Code;

    /// <summary>Index of the certificate concerned in the checked list (the file, or the chain with the device first); -1 when it concerns the whole chain.</summary>
    public int CertificateIndex { get; }

    /// <summary>The rule's sentence followed by what was found.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>A rule that could not be checked with the information given, and why.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Reason">What was missing (for example the uploaded CA certificates, or CRL fetch results).</param>
public sealed record UncheckedRule(ProfileRule Rule, string Reason);

/// <summary>The outcome of checking certificates against a profile: every broken rule (not only the first).</summary>
public sealed class ProfileReport
{
    internal ProfileReport(PlatformProfile profile, ProfileStage stage, IReadOnlyList<Certificate> certificates, IReadOnlyList<ProfileRule> checkedRules,
        IReadOnlyList<ProfileViolation> violations, IReadOnlyList<UncheckedRule> notChecked)
    {
        Profile = profile;
        Stage = stage;
        Certificates = certificates;
        CheckedRules = checkedRules;
        Violations = violations;
        NotChecked = notChecked;
    }

    /// <summary>The profile applied.</summary>
    public PlatformProfile Profile { get; }

    /// <summary>The stage checked.</summary>
    public ProfileStage Stage { get; }

    /// <summary>The certificates checked, in the order violation indexes refer to.</summary>
    public IReadOnlyList<Certificate> Certificates { get; }

    /// <summary>The rules that were evaluated.</summary>
    public IReadOnlyList<ProfileRule> CheckedRules { get; }

    /// <summary>Every broken rule, in rule order.</summary>
    public IReadOnlyList<ProfileViolation> Violations { get; }

    /// <summary>Rules that could not be evaluated.</summary>
    public IReadOnlyList<UncheckedRule> NotChecked { get; }

    /// <summary>True when no evaluated rule is broken.</summary>
    public bool IsCompliant => Violations.Count == 0;
}

/// <summary>Inputs some rules need beyond the certificates. Immutable.</summary>
public sealed class ProfileCheckOptions
{
    /// <summary>No extra input; the current time.</summary>
    public static ProfileCheckOptions Default { get; } = new();

    /// <summary>The instant dates are checked at; when null, the current time of <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>The clock read when <see cref="At"/> is null (Core reads no clock of its own); <see cref="System.TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The CA certificates uploaded to the platform (device-connection rules that need them are skipped without).</summary>
    public IReadOnlyList<Certificate>? UploadedCaCertificates { get; init; }

    /// <summary>
    /// The <see cref="ChainValidator"/>'s result for the device chain being checked, when the caller validated it first
    /// (a platform does, at every connection). When it is valid, the issuer signatures its chain verified are not
    /// verified again by the connection rules; any other signature still is. Ignored when not valid.
    /// </summary>
    public ChainValidationResult? ValidatedChain { get; init; }

    /// <summary>The device id the device certificate must name (Azure: the IoT Hub device id or DPS registration id).</summary>
    public string? ExpectedDeviceId { get; init; }

    /// <summary>Results of fetching the CA's CRL distribution points, by URI (rules about CRL reachability are skipped without).</summary>
    public IReadOnlyDictionary<string, CrlFetchResult>? CrlFetchResults { get; init; }
}
