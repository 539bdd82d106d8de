using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// Checks a command's <c>--json</c> output against independent facts: the certificate summary against what the openssl
/// CLI prints for the same file, the error contract (exit 2, nothing on stdout, one stderr line) by its exact shape.
/// </summary>
internal static partial class JsonAssert
{
    /// <summary>Exit 0, nothing on stderr, and stdout is exactly one JSON object.</summary>
    public static JsonElement Success(CliResult result) => Verdict(result, 0);

    /// <summary>The given exit code, and stdout is exactly one JSON object (a verdict such as "invalid" still prints one).</summary>
    public static JsonElement Verdict(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        if (exitCode == 0)
        {
            Assert.True(result.Error.Length == 0, result.ToString());
        }

        using var document = JsonDocument.Parse(result.Out);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    /// <summary>Exit 2, empty stdout, and exactly one stderr line <c>iotcerts: error [code]: sentence</c>.</summary>
    public static void BadInput(CliResult result, string code)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(result.Out.Length == 0, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        var match = ErrorLine().Match(lines[0].TrimEnd('\r'));
        Assert.True(match.Success, result.ToString());
        Assert.Equal(code, match.Groups["code"].Value);
    }

    /// <summary>The six summary fields equal what <c>openssl x509</c> prints for the first certificate of <paramref name="pemPath"/>.</summary>
    public static void SummaryMatchesOpenSsl(JsonElement summary, string pemPath, OpenSslFixtures files)
    {
        var facts = OpenSslFacts(pemPath, files);
        Assert.Equal(facts["subject"], summary.GetProperty("subject").GetString());
        Assert.Equal(facts["issuer"], summary.GetProperty("issuer").GetString());
        Assert.Equal(facts["serial"], summary.GetProperty("serial").GetString());
        Assert.Equal(facts["notBefore"], summary.GetProperty("notBefore").GetString());
        Assert.Equal(facts["notAfter"], summary.GetProperty("notAfter").GetString());
        Assert.Equal(facts["sha256"], summary.GetProperty("sha256").GetString());
        Assert.Equal(6, summary.EnumerateObject().Count());
    }

    public static Dictionary<string, string> OpenSslFacts(string pemPath, OpenSslFixtures files)
    {
        var text = files.OpenSsl($"x509 -in {pemPath} -noout -subject -issuer -nameopt RFC2253 -serial -dates -dateopt iso_8601 -fingerprint -sha256");
        var facts = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = line.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = (line[..at], line[(at + 1)..].Trim());
            switch (name)
            {
                case "subject" or "issuer" or "serial":
                    facts[name] = value;
                    break;
                case "notBefore" or "notAfter":
                    facts[name] = value.Replace(' ', 'T');
                    break;
                case "sha256 Fingerprint":
                    facts["sha256"] = value.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
                    break;
            }
        }

        Assert.Equal(6, facts.Count);
        return facts;
    }

    public static string Keytool(params string[] args) => Tool("keytool", null, args);

    /// <summary>Runs a tool and returns stdout followed by stderr (openssl prints -info and -verify verdicts on stderr).</summary>
    public static string Tool(string program, string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? string.Empty };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("keytool did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{program} hung");
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {stderr}");
        return stdout.Result + stderr;
    }

    public static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [GeneratedRegex(@"^iotcerts: error \[(?<code>[a-z0-9/-]+)\]: \S.*$")]
    private static partial Regex ErrorLine();
}
