using System.Text.Json;

namespace IoTCerts.Cli.Tests.Limbo;

/// <summary><c>iotcerts limbo</c>: the upstream result file and the summary lines.</summary>
public sealed class LimboCommandTests
{
    [Fact]
    public void Limbo_is_hidden_from_help_but_still_parses_its_flags()
    {
        var top = CliRunner.Run("--help");
        Assert.True(top.ExitCode == 0, top.ToString());
        Assert.Contains("verify", top.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("limbo", top.Out, StringComparison.OrdinalIgnoreCase);

        // Still a command: its required flags and the choices of --rules are checked (usage error, exit 2).
        var bare = CliRunner.Run("limbo", "--rules", "bogus");
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("'--suite' is required", bare.Error, StringComparison.Ordinal);
        Assert.Contains("'--out' is required", bare.Error, StringComparison.Ordinal);
        Assert.Contains("by-family", bare.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_upstream_results_and_prints_family_counts()
    {
        var output = Path.Combine(Path.GetTempPath(), $"limbo-{Guid.NewGuid():N}.json");
        try
        {
            var r = CliRunner.Run("limbo", "--suite", LimboConformanceTests.SuitePath, "--out", output, "--include", "pathlen::*", "--include", "crl::*", "--exclude", "*max-chain-depth-1*");

            Assert.True(r.ExitCode == 0, r.ToString());
            var lines = r.Out.TrimEnd().Split('\n');
            Assert.Matches(@"^\d+ passed, \d+ failed, \d+ skipped$", lines[^1]);
            Assert.Equal("18 passed, 0 failed, 0 skipped", lines[^1]);
            Assert.Contains(lines, l => l.StartsWith("pathlen ", StringComparison.Ordinal));

            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            Assert.Equal(1, doc.RootElement.GetProperty("version").GetInt32());
            Assert.Equal("iotcerts", doc.RootElement.GetProperty("harness").GetString());
            var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(18, results.Count);
            Assert.All(results, e => Assert.Contains(e.GetProperty("actual_result").GetString(), new[] { "SUCCESS", "FAILURE", "SKIPPED" }));
            Assert.All(results.Where(e => e.GetProperty("id").GetString()!.StartsWith("crl::", StringComparison.Ordinal)), e =>
            {
                Assert.NotEqual("SKIPPED", e.GetProperty("actual_result").GetString());
                Assert.False(string.IsNullOrEmpty(e.GetProperty("context").GetString()));
            });
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Theory]
    [InlineData(null, "FAILURE")]
    [InlineData("by-family", "FAILURE")]
    [InlineData("webpki", "FAILURE")]
    [InlineData("rfc5280", "SUCCESS")]
    public void Rules_option_chooses_the_rule_set_of_the_cases(string? rules, string caAsLeaf)
    {
        var output = Path.Combine(Path.GetTempPath(), $"limbo-{Guid.NewGuid():N}.json");
        try
        {
            string[] args = ["limbo", "--suite", LimboConformanceTests.SuitePath, "--out", output, "--include", "*::ca-as-leaf"];
            var r = CliRunner.Run(rules is null ? args : [.. args, "--rules", rules]);

            Assert.True(r.ExitCode == 0, r.ToString());
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("actual_result").GetString());
            Assert.Equal(caAsLeaf, results["webpki::ca-as-leaf"]);
            Assert.Equal(rules == "webpki" ? "FAILURE" : "SUCCESS", results["rfc5280::ca-as-leaf"]);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Missing_suite_exits_2()
    {
        var r = CliRunner.Run("limbo", "--suite", "/no/such/limbo.json", "--out", Path.Combine(Path.GetTempPath(), "x.json"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", r.Error);
    }
}
