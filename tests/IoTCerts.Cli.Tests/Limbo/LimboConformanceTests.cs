using IoTCerts.Cli.Limbo;
using IoTCerts.Core;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Limbo;

/// <summary>
/// Runs the whole x509-limbo suite through the harness (the code behind <c>iotcerts limbo</c>) in two configurations and
/// compares every result with the committed expectations, where each divergence and each skip is listed with a one-line
/// reason: by family (the harness default: <c>webpki::*</c> with <see cref="ChainRuleSet.WebPki"/>, the rest with
/// <see cref="ChainRuleSet.Rfc5280"/>; limbo-expectations.tsv) and RFC 5280 only (limbo-expectations-rfc5280.tsv).
/// </summary>
public sealed class LimboConformanceTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<LimboCase>> Suite = new(() => LimboHarness.LoadSuite(SuitePath));

    private static readonly Lazy<IReadOnlyList<LimboOutcome>> Outcomes = new(() => LimboHarness.Run(Suite.Value, [], [], LimboRuleSelection.ByFamily));

    private static readonly Lazy<IReadOnlyList<LimboOutcome>> RfcOnlyOutcomes = new(() => LimboHarness.Run(Suite.Value, [], [], LimboRuleSelection.Rfc5280));

    private static readonly Lazy<IReadOnlyList<LimboOutcome>> StrictOutcomes = new(() => LimboHarness.Run(Suite.Value, [], [], LimboRuleSelection.Strict));

    internal static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IoTCerts.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("IoTCerts.sln not found above " + AppContext.BaseDirectory);
        }
    }

    internal static string SuitePath => Path.Combine(RepoRoot, "..", "shared", "conformance", "limbo", "limbo.json");

    private static IReadOnlyList<LimboOutcome> OutcomesOf(string rules) => rules switch
    {
        "by-family" => Outcomes.Value,
        "rfc5280" => RfcOnlyOutcomes.Value,
        "strict" => StrictOutcomes.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(rules), rules, "by-family, rfc5280 or strict"),
    };

    private static Dictionary<string, (string Actual, string Reason)> Expectations(string file)
    {
        var path = Path.Combine(RepoRoot, "tests", "IoTCerts.Cli.Tests", "Limbo", file);
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split('\t');
            Assert.True(parts.Length == 3 && parts[2].Trim().Length > 0, $"expectation line needs id, result and a reason: {line}");
            map.Add(parts[0], (parts[1], parts[2]));
        }

        return map;
    }

    [Theory]
    [InlineData("by-family", "limbo-expectations.tsv")]
    [InlineData("rfc5280", "limbo-expectations-rfc5280.tsv")]
    [InlineData("strict", "limbo-expectations-strict.tsv")]
    public void Whole_suite_matches_the_committed_expectations(string rules, string file)
    {
        var outcomes = OutcomesOf(rules);
        output.WriteLine($"rules: {rules}");
        output.WriteLine(LimboHarness.Summary(outcomes));
        Assert.Equal(208, outcomes.Count);

        var expectations = Expectations(file);
        var problems = new List<string>();
        foreach (var o in outcomes)
        {
            var listed = expectations.TryGetValue(o.Case.Id, out var e);
            if (o.Passed && listed)
            {
                problems.Add($"{o.Case.Id} now passes: remove it from {file}");
            }
            else if (!o.Passed && !listed)
            {
                problems.Add($"{o.Case.Id}: expected {o.Case.ExpectedResult}, got {o.ActualResult} ({o.Context}) and it is not in {file}");
            }
            else if (!o.Passed && e.Actual != o.ActualResult)
            {
                problems.Add($"{o.Case.Id}: {file} says {e.Actual}, got {o.ActualResult} ({o.Context})");
            }
        }

        var unknown = expectations.Keys.Except(outcomes.Select(o => o.Case.Id)).ToList();
        problems.AddRange(unknown.Select(id => $"{id} is in {file} but not in the suite"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void By_family_there_is_no_wrong_accept()
    {
        var wrong = Outcomes.Value.Where(o => o.WrongAccept).Select(o => $"{o.Case.Id} ({o.Context})").ToList();
        Assert.True(wrong.Count == 0, "wrong accepts: " + string.Join("\n", wrong));
    }

    [Fact]
    public void With_strict_rules_only_the_one_wrong_accept_is_the_declared_conflict_webpki_ca_as_leaf()
    {
        // RFC 5280 §4.2.1.9 lets a CA certificate end a path; the suite declares webpki::ca-as-leaf in conflict with
        // rfc5280::ca-as-leaf (x509-limbo's conflicts_with), which these rules pass.
        var byId = StrictOutcomes.Value.ToDictionary(o => o.Case.Id);
        var wrong = StrictOutcomes.Value.Where(o => o.WrongAccept).ToList();
        Assert.Equal(["webpki::ca-as-leaf"], wrong.Select(o => o.Case.Id));
        Assert.All(wrong, o => Assert.True(o.Case.ConflictsWith.Count > 0 && o.Case.ConflictsWith.All(id => byId[id].Passed), $"{o.Case.Id} ({o.Context})"));
    }

    [Fact]
    public void With_the_default_rfc5280_rules_every_extra_wrong_accept_is_a_CA_profile_case_that_strict_rejects()
    {
        // The default rule set is the §6.1 algorithm; x509-limbo's pedantic cases check the §4 rules for conforming
        // CAs (criticality, key identifiers). Each case the default accepts beyond the strict run must pass under Strict.
        var strict = StrictOutcomes.Value.ToDictionary(o => o.Case.Id);
        var extra = RfcOnlyOutcomes.Value.Where(o => o.WrongAccept && !strict[o.Case.Id].WrongAccept).ToList();
        Assert.Equal(12, extra.Count);
        Assert.All(extra, o => Assert.True(strict[o.Case.Id].Passed, o.Case.Id));
        Assert.All(extra, o => Assert.Matches("::(aki|ski|nc|pc)::|non-critical-basic-constraints", o.Case.Id));
    }

    [Fact]
    public void With_webpki_rules_everywhere_only_the_declared_rfc5280_counterparts_diverge()
    {
        // Not a configuration we ship for the suite, but it shows the Web PKI rules change nothing else: the cases that
        // fail are exactly the RFC 5280 side of the conflicts (and the leaf-CA pathlen case, which states the same
        // RFC 5280 §4.2.1.9 note as rfc5280::ca-as-leaf), plus the pedantic-rfc5280 skip.
        var outcomes = LimboHarness.Run(Suite.Value, [], [], LimboRuleSelection.WebPki);
        var diverging = outcomes.Where(o => !o.Passed).Select(o => o.Case.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "pathlen::validation-ignores-pathlen-in-leaf",
                "rfc5280::aki::cross-signed-root-missing-aki",
                "rfc5280::ca-as-leaf",
                "rfc5280::eku::ee-without-eku",
                "rfc5280::nc::permitted-dns-match-noncritical",
            ],
            diverging);
    }

    [Theory]
    [InlineData("rfc5280")]
    [InlineData("pathlen")]
    [InlineData("pathological")]
    [InlineData("cve")]
    [InlineData("invalid")]
    [InlineData("crl")]
    [InlineData("online")]
    public void Every_case_of_the_family_passes_or_is_skipped_with_a_reason(string family)
    {
        foreach (var outcomes in new[] { Outcomes.Value, StrictOutcomes.Value })
        {
            var cases = outcomes.Where(o => o.Case.Family == family).ToList();
            Assert.NotEmpty(cases);
            Assert.All(cases, o => Assert.True(o.Passed || (o.Skipped && o.Context.Length > 0), $"{o.Case.Id}: {o.ActualResult} ({o.Context})"));
        }
    }

    [Fact]
    public void Webpki_passes_at_least_ninety_percent_of_the_family()
    {
        var family = Outcomes.Value.Where(o => o.Case.Family == "webpki").ToList();
        var passed = family.Count(o => o.Passed);
        output.WriteLine($"webpki: {passed}/{family.Count} passed, {family.Count(o => o.Skipped)} skipped");
        Assert.True(passed >= 0.9 * family.Count, $"{passed}/{family.Count}");
    }
}
