using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Limbo;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts limbo</c>: runs the x509-limbo conformance suite through the chain validator.</summary>
internal static class LimboCommand
{
    internal static Command Create()
    {
        var suite = new Option<string>("--suite") { Description = "The x509-limbo suite (limbo.json).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the results in the upstream format (results.json).", Required = true };
        var include = new Option<string[]>("--include") { Description = "Only cases whose id matches this glob (repeatable; '*' matches any text)." };
        var exclude = new Option<string[]>("--exclude") { Description = "Leave out cases whose id matches this glob (repeatable)." };
        var rules = new Option<string>("--rules")
        {
            Description = "Which rules each case runs with: by-family (webpki::* cases with the Web PKI rules, the rest with the strict RFC 5280 CA-profile rules), rfc5280 (the §6.1 algorithm), strict or webpki.",
            DefaultValueFactory = _ => "by-family",
        };
        rules.AcceptOnlyFromAmong("by-family", "rfc5280", "strict", "webpki");
        // A conformance harness, not a user task: it keeps every flag (outside checks run the suite through it) but
        // stays out of `iotcerts --help`.
        var command = new Command("limbo", "Run the x509-limbo path-validation suite and write upstream-format results.")
        {
            suite, output, include, exclude, rules,
        };
        command.Hidden = true;
        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var suitePath = parse.GetValue(suite)!;
            if (!File.Exists(suitePath))
            {
                throw new CliException("file-not-found", $"the suite file {suitePath} does not exist");
            }

            IReadOnlyList<LimboCase> cases;
            try
            {
                cases = LimboHarness.LoadSuite(suitePath);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new CliException("bad-suite", $"{suitePath} is not an x509-limbo suite: {ex.Message}");
            }

            var selection = parse.GetValue(rules) switch
            {
                "rfc5280" => LimboRuleSelection.Rfc5280,
                "webpki" => LimboRuleSelection.WebPki,
                "strict" => LimboRuleSelection.Strict,
                _ => LimboRuleSelection.ByFamily,
            };
            var outcomes = LimboHarness.Run(cases, parse.GetValue(include) ?? [], parse.GetValue(exclude) ?? [], selection);
            using (var stream = File.Create(parse.GetValue(output)!))
            {
                LimboHarness.WriteResults(stream, outcomes);
            }

            invocation.Out.WriteLine(LimboHarness.Summary(outcomes));
            return CliApp.Ok;
        });
        return command;
    }
}
