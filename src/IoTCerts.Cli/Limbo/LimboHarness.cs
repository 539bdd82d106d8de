using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using IoTCerts.Core;

namespace IoTCerts.Cli.Limbo;

/// <summary>One x509-limbo test case, the fields the harness uses (see limbo-schema.json upstream).</summary>
internal sealed record LimboCase(
    string Id,
    string ExpectedResult,
    string ValidationKind,
    IReadOnlyList<string> Features,
    IReadOnlyList<string> TrustedCerts,
    IReadOnlyList<string> UntrustedIntermediates,
    string PeerCertificate,
    string? ValidationTime,
    IReadOnlyList<string> ExtendedKeyUsage,
    IReadOnlyList<string> KeyUsage,
    IReadOnlyList<string> SignatureAlgorithms,
    (string Kind, string Value)? ExpectedPeerName,
    int? MaxChainDepth,
    IReadOnlyList<string> Crls,
    IReadOnlyList<string> ConflictsWith)
{
    /// <summary>The family: the first "::"-separated part of the id (rfc5280, webpki, pathlen, ...).</summary>
    public string Family => Id.Split("::")[0];
}

/// <summary>Which <see cref="ChainRuleSet"/> the harness validates each case with.</summary>
internal enum LimboRuleSelection
{
    /// <summary>
    /// <c>webpki::*</c> cases with <see cref="ChainRuleSet.WebPki"/>, every other case with <see cref="ChainRuleSet.Strict"/>
    /// (x509-limbo's RFC 5280 cases expect the §4 rules for conforming CAs, which the default §6.1 rule set leaves out).
    /// </summary>
    ByFamily,

    /// <summary>Every case with <see cref="ChainRuleSet.Rfc5280"/> (the §6.1 algorithm, the validator's default).</summary>
    Rfc5280,

    /// <summary>Every case with <see cref="ChainRuleSet.WebPki"/>.</summary>
    WebPki,

    /// <summary>Every case with <see cref="ChainRuleSet.Strict"/>.</summary>
    Strict,
}

/// <summary>The harness's verdict on one case.</summary>
internal sealed record LimboOutcome(LimboCase Case, string ActualResult, string Context)
{
    public bool Passed => ActualResult == Case.ExpectedResult;

    public bool Skipped => ActualResult == "SKIPPED";

    /// <summary>A chain that must be rejected was accepted: the failure that matters most.</summary>
    public bool WrongAccept => Case.ExpectedResult == "FAILURE" && ActualResult == "SUCCESS";
}

/// <summary>
/// Runs x509-limbo cases through <see cref="ChainValidator"/>: the one place that maps a case's fields
/// (validation kind, expected peer name, extended key usage, maximum depth, validation time, features) to a validation.
/// </summary>
/// <remarks>
/// The suite holds cases that contradict each other on purpose (<c>conflicts_with</c>): RFC 5280 and the CA/B Forum
/// Baseline Requirements disagree, so no single configuration passes both sides. Like x509-limbo's own per-implementation
/// harnesses, this one chooses the rules per ecosystem: by default <c>webpki::*</c> cases run with
/// <see cref="ChainRuleSet.WebPki"/> and every other family with <see cref="ChainRuleSet.Strict"/>
/// (<see cref="LimboRuleSelection.ByFamily"/>); the other selections run the whole suite with one rule set.
/// </remarks>
internal static class LimboHarness
{
    public const string HarnessName = "iotcerts";

    /// <summary>Features whose cases are skipped, with the reason written into the result's context.</summary>
    public static readonly IReadOnlyDictionary<string, string> SkippedFeatures = new Dictionary<string, string>
    {
        ["pedantic-rfc5280"] = "pedantic RFC 5280 rule (authorityKeyIdentifier on a cross-signed trust anchor) is not enforced on trust anchors",
    };

    /// <summary>The CA/B Forum EKU cases: decided by <see cref="ChainRuleSet.WebPki"/>, skipped when a case runs with RFC 5280 rules.</summary>
    public const string WebPkiEkuFeature = "pedantic-webpki-eku";

    private const string WebPkiEkuSkipReason = "EKU follows RFC 5280 with the usual anyExtendedKeyUsage handling under the Rfc5280 rules; the CA/B Forum profile is ChainRuleSet.WebPki";

    /// <summary>The rule set a case runs with under <paramref name="selection"/>.</summary>
    public static ChainRuleSet RulesFor(LimboCase c, LimboRuleSelection selection) => selection switch
    {
        LimboRuleSelection.Rfc5280 => ChainRuleSet.Rfc5280,
        LimboRuleSelection.WebPki => ChainRuleSet.WebPki,
        LimboRuleSelection.Strict => ChainRuleSet.Strict,
        _ => c.Family == "webpki" ? ChainRuleSet.WebPki : ChainRuleSet.Strict,
    };

    public static IReadOnlyList<LimboCase> LoadSuite(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 16 });
        var cases = new List<LimboCase>();
        foreach (var element in document.RootElement.GetProperty("testcases").EnumerateArray())
        {
            cases.Add(ReadCase(element));
        }

        return cases;
    }

    private static LimboCase ReadCase(JsonElement e)
    {
        (string, string)? peer = null;
        if (e.TryGetProperty("expected_peer_name", out var peerElement) && peerElement.ValueKind == JsonValueKind.Object)
        {
            peer = (peerElement.GetProperty("kind").GetString()!, peerElement.GetProperty("value").GetString()!);
        }

        return new LimboCase(
            e.GetProperty("id").GetString()!,
            e.GetProperty("expected_result").GetString()!,
            e.GetProperty("validation_kind").GetString()!,
            Strings(e, "features"),
            Strings(e, "trusted_certs"),
            Strings(e, "untrusted_intermediates"),
            e.GetProperty("peer_certificate").GetString()!,
            e.TryGetProperty("validation_time", out var time) && time.ValueKind == JsonValueKind.String ? time.GetString() : null,
            Strings(e, "extended_key_usage"),
            Strings(e, "key_usage"),
            Strings(e, "signature_algorithms"),
            peer,
            e.TryGetProperty("max_chain_depth", out var depth) && depth.ValueKind == JsonValueKind.Number ? depth.GetInt32() : null,
            Strings(e, "crls"),
            Strings(e, "conflicts_with"));
    }

    private static List<string> Strings(JsonElement e, string name)
    {
        var list = new List<string>();
        if (e.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                list.Add(item.GetString() ?? string.Empty);
            }
        }

        return list;
    }

    /// <summary>Evaluates one case with the rule set <paramref name="selection"/> gives it; never throws for a bad certificate (that is a FAILURE with the reason).</summary>
    public static LimboOutcome Evaluate(LimboCase c, LimboRuleSelection selection = LimboRuleSelection.ByFamily)
    {
        var rules = RulesFor(c, selection);
        foreach (var feature in c.Features)
        {
            if (SkippedFeatures.TryGetValue(feature, out var reason))
            {
                return new LimboOutcome(c, "SKIPPED", $"feature {feature}: {reason}");
            }

            if (feature == WebPkiEkuFeature && rules != ChainRuleSet.WebPki)
            {
                return new LimboOutcome(c, "SKIPPED", $"feature {feature}: {WebPkiEkuSkipReason}");
            }
        }

        if (c.SignatureAlgorithms.Count > 0)
        {
            return new LimboOutcome(c, "SKIPPED", "constraining signature algorithms per case is not supported");
        }

        Certificate leaf;
        List<Certificate> trusted, untrusted;
        List<CertificateRevocationList> crls;
        try
        {
            leaf = ParsePem(c.PeerCertificate);
            trusted = c.TrustedCerts.Select(ParsePem).ToList();
            untrusted = c.UntrustedIntermediates.Select(ParsePem).ToList();
            crls = c.Crls.SelectMany(pem => MaterialLoader.Load(System.Text.Encoding.ASCII.GetBytes(pem)).Crls).ToList();
        }
        catch (MaterialException ex)
        {
            return new LimboOutcome(c, "FAILURE", $"certificate rejected while parsing: {ex.Message}");
        }

        var policy = new ChainPolicy { Rules = rules, MaxDepth = c.MaxChainDepth is { } depth ? Math.Min(depth, 64) : ChainPolicy.Default.MaxDepth };
        var context = new ValidationContext
        {
            ValidationTime = c.ValidationTime is null ? null : DateTimeOffset.Parse(c.ValidationTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            Purpose = PurposeOf(c),
            ExpectedPeerName = c.ValidationKind == "SERVER" ? PeerNameOf(c.ExpectedPeerName) : null,
        };

        // Cases with CRLs check revocation offline with exactly those CRLs (deny when the status is unknown).
        var checker = crls.Count > 0 ? new CrlRevocationChecker(RevocationPolicy.Offline, crls) : null;
        var result = new ChainValidator(trusted, policy, checker).Validate(leaf, untrusted, context);
        if (result.IsValid && c.KeyUsage.Count > 0 && !LeafAllowsKeyUsage(leaf, c.KeyUsage))
        {
            return new LimboOutcome(c, "FAILURE", "the end entity's keyUsage lacks a required usage: " + string.Join(",", c.KeyUsage));
        }

        return result.IsValid
            ? new LimboOutcome(c, "SUCCESS", $"valid chain of {result.Chain.Count}")
            : new LimboOutcome(c, "FAILURE", string.Join("; ", result.Errors.Take(3).Select(e => $"{e.Code}[{e.CertificateIndex}]: {e.Message}")));
    }

    // The case's EKU list names the purpose; without one, the validation kind does (a server or a client certificate).
    private static CertificatePurpose PurposeOf(LimboCase c)
    {
        if (c.ExtendedKeyUsage.Contains("serverAuth"))
        {
            return CertificatePurpose.ServerAuth;
        }

        if (c.ExtendedKeyUsage.Contains("clientAuth"))
        {
            return CertificatePurpose.ClientAuth;
        }

        return c.ValidationKind == "CLIENT" ? CertificatePurpose.ClientAuth : CertificatePurpose.ServerAuth;
    }

    private static PeerName? PeerNameOf((string Kind, string Value)? name) => name switch
    {
        null => null,
        ("DNS", var value) => PeerName.Dns(value),
        ("IP", var value) => PeerName.Ip(IPAddress.Parse(value)),
        ("RFC822", var value) => PeerName.Email(value),
        _ => null,
    };

    private static bool LeafAllowsKeyUsage(Certificate leaf, IReadOnlyList<string> usages)
    {
        if (leaf.KeyUsage is not { } ku)
        {
            return true;
        }

        return usages.All(u => u switch
        {
            "digitalSignature" => ku.HasFlag(KeyUsage.DigitalSignature),
            "keyEncipherment" => ku.HasFlag(KeyUsage.KeyEncipherment),
            "keyAgreement" => ku.HasFlag(KeyUsage.KeyAgreement),
            _ => true,
        });
    }

    internal static Certificate ParsePem(string pem)
    {
        if (!System.Security.Cryptography.PemEncoding.TryFind(pem, out var fields))
        {
            throw new MaterialException(MaterialErrorCode.UnknownFormat, "the test case holds no PEM certificate");
        }

        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        return Certificate.Parse(der);
    }

    /// <summary>Runs the cases selected by the include/exclude globs (on ids; '*' matches any text) with the rules <paramref name="selection"/> gives them.</summary>
    public static List<LimboOutcome> Run(IEnumerable<LimboCase> cases, IReadOnlyList<string> include, IReadOnlyList<string> exclude, LimboRuleSelection selection = LimboRuleSelection.ByFamily)
    {
        var outcomes = new List<LimboOutcome>();
        foreach (var c in cases)
        {
            if ((include.Count == 0 || include.Any(g => Glob(g, c.Id))) && !exclude.Any(g => Glob(g, c.Id)))
            {
                outcomes.Add(Evaluate(c, selection));
            }
        }

        return outcomes;
    }

    public static bool Glob(string pattern, string text)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(text, regex);
    }

    /// <summary>Writes the upstream result format: {"version":1,"harness":…,"results":[{id, actual_result, context}]}.</summary>
    public static void WriteResults(Stream output, IEnumerable<LimboOutcome> outcomes)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteNumber("version", 1);
        writer.WriteString("harness", HarnessName);
        writer.WriteStartArray("results");
        foreach (var o in outcomes)
        {
            writer.WriteStartObject();
            writer.WriteString("id", o.Case.Id);
            writer.WriteString("actual_result", o.ActualResult);
            writer.WriteString("context", o.Context);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The per-family table and the closing line "N passed, N failed, N skipped".</summary>
    public static string Summary(IReadOnlyList<LimboOutcome> outcomes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("family          passed  failed  skipped  wrong-accepts");
        foreach (var family in outcomes.GroupBy(o => o.Case.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{family.Key,-15} {family.Count(o => o.Passed),6}  {family.Count(o => !o.Passed && !o.Skipped),6}  {family.Count(o => o.Skipped),7}  {family.Count(o => o.WrongAccept),13}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"{outcomes.Count(o => o.Passed)} passed, {outcomes.Count(o => !o.Passed && !o.Skipped)} failed, {outcomes.Count(o => o.Skipped)} skipped");
        return sb.ToString();
    }
}
