using IoTCerts.Cli.Limbo;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Limbo;

/// <summary>
/// Runs the whole x509-limbo suite through the harness (the code behind <c>iotcerts limbo</c>) and compares every
/// result with the committed expectations: each divergence and each skip is listed there with a one-line reason.
/// </summary>
public sealed class LimboConformanceTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<LimboOutcome>> Outcomes = new(() => LimboHarness.Run(LimboHarness.LoadSuite(SuitePath), [], []));

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

    private static Dictionary<string, (string Actual, string Reason)> Expectations()
    {
        var path = Path.Combine(RepoRoot, "tests", "IoTCerts.Cli.Tests", "Limbo", "limbo-expectations.tsv");
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

    [Fact]
    public void Whole_suite_matches_the_committed_expectations()
    {
        var outcomes = Outcomes.Value;
        output.WriteLine(LimboHarness.Summary(outcomes));
        Assert.Equal(208, outcomes.Count);

        var expectations = Expectations();
        var problems = new List<string>();
        foreach (var o in outcomes)
        {
            var listed = expectations.TryGetValue(o.Case.Id, out var e);
            if (o.Passed && listed)
            {
                problems.Add($"{o.Case.Id} now passes: remove it from limbo-expectations.tsv");
            }
            else if (!o.Passed && !listed)
            {
                problems.Add($"{o.Case.Id}: expected {o.Case.ExpectedResult}, got {o.ActualResult} ({o.Context}) and it is not in limbo-expectations.tsv");
            }
            else if (!o.Passed && e.Actual != o.ActualResult)
            {
                problems.Add($"{o.Case.Id}: expectations say {e.Actual}, got {o.ActualResult} ({o.Context})");
            }
        }

        var unknown = expectations.Keys.Except(outcomes.Select(o => o.Case.Id)).ToList();
        problems.AddRange(unknown.Select(id => $"{id} is in limbo-expectations.tsv but not in the suite"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void No_wrong_accept_except_a_declared_conflict()
    {
        // A chain that must be rejected is accepted only where the suite itself declares the case in conflict
        // with another one that we pass (x509-limbo's conflicts_with).
        var byId = Outcomes.Value.ToDictionary(o => o.Case.Id);
        foreach (var o in Outcomes.Value.Where(o => o.WrongAccept))
        {
            Assert.True(o.Case.ConflictsWith.Count > 0 && o.Case.ConflictsWith.All(id => byId[id].Passed), $"wrong accept: {o.Case.Id} ({o.Context})");
        }
    }

    [Theory]
    [InlineData("rfc5280")]
    [InlineData("pathlen")]
    [InlineData("pathological")]
    [InlineData("cve")]
    [InlineData("invalid")]
    [InlineData("online")]
    public void Every_case_of_the_family_passes_or_is_skipped_with_a_reason(string family)
    {
        var cases = Outcomes.Value.Where(o => o.Case.Family == family).ToList();
        Assert.NotEmpty(cases);
        Assert.All(cases, o => Assert.True(o.Passed || (o.Skipped && o.Context.Length > 0), $"{o.Case.Id}: {o.ActualResult} ({o.Context})"));
    }

    [Fact]
    public void Webpki_passes_at_least_ninety_percent_of_the_cases_it_runs()
    {
        var ran = Outcomes.Value.Where(o => o.Case.Family == "webpki" && !o.Skipped).ToList();
        var passed = ran.Count(o => o.Passed);
        output.WriteLine($"webpki: {passed}/{ran.Count} of the cases run, {Outcomes.Value.Count(o => o.Case.Family == "webpki")} in the family");
        Assert.True(passed >= 0.9 * ran.Count, $"{passed}/{ran.Count}");
    }
}
