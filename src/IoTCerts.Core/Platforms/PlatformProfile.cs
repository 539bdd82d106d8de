using System.Diagnostics.CodeAnalysis;

namespace IoTCerts.Core;

/// <summary>
/// The certificate rules of one IoT platform (R-20..R-23, R-30..R-31, R-40..R-43, R-50), selectable by name:
/// <c>generic</c>, <c>cumulocity</c>, <c>cumulocity-legacy</c>, <c>ibm-watson-iot</c>, <c>azure-iot-edge</c>, <c>defender-iot</c>.
/// Each profile checks a CA certificate about to be uploaded and a device chain at connection time, reporting every
/// broken rule with its own code, and reads the platform's device identity from a certificate. Immutable and thread-safe.
/// </summary>
/// <remarks>Profiles add platform rules on top of chain validation (<see cref="ChainValidator"/>); they do not replace it.</remarks>
public sealed class PlatformProfile
{
    private readonly IReadOnlyList<RuleCheck> _checks;
    private readonly Func<Certificate, IdentityReading> _identity;

    internal PlatformProfile(string name, string description, int? maxChainLength, IReadOnlyList<RuleCheck> checks, Func<Certificate, IdentityReading> identity)
    {
        Name = name;
        Description = description;
        MaxChainLength = maxChainLength;
        _checks = checks;
        _identity = identity;
        Rules = [.. checks.Select(c => c.Rule)];
    }

    /// <summary>The name used to select the profile (for example <c>cumulocity</c>).</summary>
    public string Name { get; }

    /// <summary>One sentence describing the platform.</summary>
    public string Description { get; }

    /// <summary>The most certificates a device chain may have (device through the uploaded CA), or null when the platform sets none.</summary>
    public int? MaxChainLength { get; }

    /// <summary>Every rule of the profile, upload rules first.</summary>
    public IReadOnlyList<ProfileRule> Rules { get; }

    /// <summary>
    /// True when the platform requires a device's chain file in order (R-10: the device certificate first, each
    /// certificate followed by its issuer): <see cref="CheckDeviceChain"/> then reports a list out of order as a violation.
    /// </summary>
    public bool RequiresChainOrder => Rules.Any(r => r.Code == PlatformProfiles.ChainOrderRuleCode);

    /// <summary>True when an upload rule needs the CA's CRL fetched (use <see cref="CheckCaUploadAsync"/>).</summary>
    public bool ChecksCrlReachability => Rules.Any(r => r.Code == "ibm-ca-crl-reachable");

    /// <summary>Every profile, in the order of their names above.</summary>
    public static IReadOnlyList<PlatformProfile> All => PlatformProfiles.All;

    /// <summary>The profile called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No profile has that name; the message lists the names.</exception>
    public static PlatformProfile Get(string name) => TryGet(name, out var profile)
        ? profile
        : throw new ArgumentException($"unknown profile '{name}'; the profiles are {string.Join(", ", All.Select(p => p.Name))}", nameof(name));

    /// <summary>Finds the profile called <paramref name="name"/> (case-insensitive).</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out PlatformProfile? profile)
    {
        profile = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        return profile is not null;
    }

    /// <summary>Checks the certificates of a CA file about to be uploaded (index 0 is the CA; some platforms allow only one).</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public ProfileReport CheckCaUpload(IReadOnlyList<Certificate> caFile, ProfileCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(caFile);
        return Run(ProfileStage.CaUpload, NotEmpty(caFile, nameof(caFile)), options ?? ProfileCheckOptions.Default);
    }

    /// <summary>
    /// Like <see cref="CheckCaUpload"/>, after asking <paramref name="fetcher"/> for the CA's CRL distribution points so
    /// the rules about CRL reachability (IBM Watson IoT, R-30) are evaluated. Core does no I/O: the source does (for
    /// example IoTCerts.Revocation.Online's <c>CrlFetcher</c>).
    /// </summary>
    public async Task<ProfileReport> CheckCaUploadAsync(IReadOnlyList<Certificate> caFile, ICrlSource fetcher, ProfileCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caFile);
        ArgumentNullException.ThrowIfNull(fetcher);
        options ??= ProfileCheckOptions.Default;
        var results = new Dictionary<string, CrlFetchResult>(StringComparer.Ordinal);
        foreach (var uri in NotEmpty(caFile, nameof(caFile)).SelectMany(c => c.CrlDistributionPointUris).Where(CrlLocations.IsFetchable).Distinct(StringComparer.Ordinal))
        {
            results[uri] = await fetcher.FetchAsync(uri, cancellationToken).ConfigureAwait(false);
        }

        return CheckCaUpload(caFile, new ProfileCheckOptions
        {
            At = options.At,
            TimeProvider = options.TimeProvider,
            ExpectedDeviceId = options.ExpectedDeviceId,
            UploadedCaCertificates = options.UploadedCaCertificates,
            ValidatedChain = options.ValidatedChain,
            CrlFetchResults = results,
        });
    }

    /// <summary>
    /// Checks a device chain at connection time, as the device presents it. The certificates are put in chain order
    /// for the rules; profiles that require the presented order (<see cref="RequiresChainOrder"/>) report a list out of
    /// order under the rule <c>chain-order</c> (R-10, see <see cref="ChainFileOrder"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public ProfileReport CheckDeviceChain(IReadOnlyList<Certificate> chain, ProfileCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var ordered = OrderedChain.FromBag(NotEmpty(chain, nameof(chain)), endEntity: null, (options ?? ProfileCheckOptions.Default).ValidatedChain);
        return Run(ProfileStage.DeviceConnection, [.. ordered.Certificates, .. ordered.Extras], options ?? ProfileCheckOptions.Default, ordered.Certificates.Count,
            ChainFileOrder.FindProblem(chain, ordered));
    }

    /// <summary>Reads the platform's device identity from a device certificate.</summary>
    /// <param name="certificate">The device certificate.</param>
    /// <param name="identity">The identity, when the certificate carries one.</param>
    /// <param name="error">Otherwise, why not (a sentence naming the platform's rule).</param>
    public bool TryReadDeviceIdentity(Certificate certificate, [NotNullWhen(true)] out DeviceIdentity? identity, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var reading = _identity(certificate);
        identity = reading.Identity;
        error = reading.Error;
        return identity is not null;
    }

    /// <summary>Reads the platform's device identity from a device certificate.</summary>
    /// <exception cref="MaterialException">
    /// The certificate carries no identity for this platform (code <see cref="MaterialErrorCode.NothingFound"/>), or its
    /// subject has more than one Common Name (<see cref="MaterialErrorCode.AmbiguousCommonName"/>, see <see cref="DeviceIdentityRules"/>).
    /// </exception>
    public DeviceIdentity ReadDeviceIdentity(Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var reading = _identity(certificate);
        return reading.Identity ?? throw new MaterialException(reading.Code, reading.Error!);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static IReadOnlyList<Certificate> NotEmpty(IReadOnlyList<Certificate> list, string name)
    {
        if (list.Count == 0)
        {
            throw new ArgumentException("at least one certificate is needed", name);
        }

        foreach (var certificate in list)
        {
            ArgumentNullException.ThrowIfNull(certificate, name);
        }

        return list;
    }

    private ProfileReport Run(ProfileStage stage, IReadOnlyList<Certificate> certificates, ProfileCheckOptions options, int? chainLength = null, string? orderProblem = null)
    {
        var input = new RuleInput(certificates, chainLength ?? certificates.Count, options, options.At ?? (options.TimeProvider ?? TimeProvider.System).GetUtcNow(), orderProblem);
        var checkedRules = new List<ProfileRule>();
        var violations = new List<ProfileViolation>();
        var notChecked = new List<UncheckedRule>();
        foreach (var check in _checks.Where(c => c.Rule.Stage == stage))
        {
            var findings = check.Evaluate(input).ToList();
            if (findings.FirstOrDefault(f => f.SkipReason is not null) is { SkipReason: { } reason })
            {
                notChecked.Add(new UncheckedRule(check.Rule, reason));
                continue;
            }

            checkedRules.Add(check.Rule);
            violations.AddRange(findings.Select(f => new ProfileViolation(check.Rule, f.Index, f.Detail)));
        }

        return new ProfileReport(this, stage, certificates, checkedRules, violations, notChecked);
    }
}

/// <summary>A device's identity on a platform, as read from its certificate (R-22, R-31, R-40).</summary>
public sealed class DeviceIdentity
{
    internal DeviceIdentity(string profile, string deviceId, string? deviceType, string source)
    {
        Profile = profile;
        DeviceId = deviceId;
        DeviceType = deviceType;
        Source = source;
    }

    /// <summary>The profile that read it.</summary>
    public string Profile { get; }

    /// <summary>The device id (Cumulocity: the CN, which is the MQTT ClientId; IBM: {devid}; Azure: the device or registration id).</summary>
    public string DeviceId { get; }

    /// <summary>The device type (IBM Watson IoT {devtype}), or null.</summary>
    public string? DeviceType { get; }

    /// <summary>Where it was found: <c>commonName</c> or <c>subjectAltName email</c>.</summary>
    public string Source { get; }

    /// <summary>
    /// The MQTT ClientId (R-80): the device id, or for IBM Watson IoT <c>d:{orgId}:{typeId}:{deviceId}</c>, which needs
    /// <paramref name="organizationId"/>.
    /// </summary>
    /// <exception cref="ArgumentException">IBM Watson IoT without an organization id.</exception>
    public string ClientId(string? organizationId = null)
    {
        return DeviceType is null ? DeviceId : DeviceIdentityRules.IbmWatsonClientId(organizationId, DeviceType, DeviceId);
    }

    /// <inheritdoc/>
    public override string ToString() => DeviceType is null ? DeviceId : $"{DeviceType}:{DeviceId}";
}

internal readonly record struct IdentityReading(DeviceIdentity? Identity, string? Error, MaterialErrorCode Code = MaterialErrorCode.NothingFound)
{
    public static IdentityReading Ambiguous(string error) => new(null, error, MaterialErrorCode.AmbiguousCommonName);
}

internal sealed record RuleInput(IReadOnlyList<Certificate> Certificates, int ChainLength, ProfileCheckOptions Options, DateTimeOffset At, string? OrderProblem = null);

internal readonly record struct Finding(int Index, string Detail, string? SkipReason = null)
{
    public static Finding Skip(string reason) => new(-1, string.Empty, reason);
}

internal sealed class RuleCheck(ProfileRule rule, Func<RuleInput, IEnumerable<Finding>> evaluate)
{
    public ProfileRule Rule { get; } = rule;

    public IEnumerable<Finding> Evaluate(RuleInput input) => evaluate(input);
}
