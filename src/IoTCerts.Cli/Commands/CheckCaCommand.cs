using System.CommandLine;
using System.Globalization;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts check-ca --profile &lt;name&gt; &lt;file&gt; [--at] [--no-fetch] [--json]</c>: the platform's upload-time checks of a
/// CA certificate file (R-20, R-30, R-41, R-50); <c>iotcerts check-cert --profile defender-iot &lt;file&gt;</c>: the same
/// engine for platforms that check a server certificate instead (Defender for IoT's appliance certificate, R-50).
/// Exit 0 compliant, 1 a rule is broken, 2 bad input.
/// </summary>
internal static class CheckCaCommand
{
    // Profiles whose upload-time rules are about a server's own certificate, not a CA (R-50: the Defender appliance).
    private static readonly string[] ServerCertificateProfiles = ["defender-iot"];

    internal static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The CA certificate file to be uploaded (PEM or DER)." };
        var profile = ProfileOptions.Profile(required: true);
        var command = new Command("check-ca", "Check a CA certificate against a platform's upload rules (Defender for IoT's server certificate: use check-cert).") { file, profile };
        return Build(command, file, profile, serverCertificate: false);
    }

    internal static Command CreateCheckCert()
    {
        var file = new Argument<string>("file") { Description = "The server certificate file the platform's appliance presents (PEM or DER)." };
        var profile = new Option<string>("--profile")
        {
            Description = "The platform whose server-certificate rules apply: " + string.Join(", ", ServerCertificateProfiles) + ".",
            Required = true,
        };
        var command = new Command("check-cert", "Check a server certificate against a platform's rules (Defender for IoT appliance certificates: SHA256withRSA, RSA 2048/4096, CRL Distribution Point, full subject).") { file, profile };
        return Build(command, file, profile, serverCertificate: true);
    }

    private static Command Build(Command command, Argument<string> file, Option<string> profile, bool serverCertificate)
    {
        var at = new Option<string>("--at") { Description = "Check dates at this instant (ISO 8601) instead of now." };
        var noFetch = new Option<bool>("--no-fetch") { Description = "Do not download the CRLs named by the certificate's CRL distribution points; rules about their reachability are then reported as not checked." };
        var json = CommonOptions.Json();
        command.Add(at);
        command.Add(noFetch);
        command.Add(json);
        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var parse = invocation.Parse;
            var platform = ProfileOptions.Resolve(parse.GetValue(profile)!);
            if (serverCertificate && !ServerCertificateProfiles.Contains(platform.Name, StringComparer.Ordinal))
            {
                throw new CliException("unknown-profile", $"check-cert applies server-certificate rules, which only {string.Join(", ", ServerCertificateProfiles)} has; for a CA file use 'iotcerts check-ca --profile {platform.Name}'");
            }

            var certificates = CertificateFiles.Read(parse.GetValue(file)!);
            var options = new ProfileCheckOptions { At = ProfileOptions.ParseTime(parse.GetValue(at)) };
            ProfileReport report;
            if (platform.ChecksCrlReachability && !parse.GetValue(noFetch))
            {
                using var client = new HttpClient(CrlFetcher.CreateHandler());
                report = await platform.CheckCaUploadAsync(certificates, new CrlFetcher(client), options, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                report = platform.CheckCaUpload(certificates, options);
            }

            ProfileOutput.Write(invocation.Out, report, parse.GetValue(json), serverCertificate ? "server-certificate" : null);
            if (!serverCertificate && !parse.GetValue(json) && ServerCertificateProfiles.Contains(platform.Name, StringComparer.Ordinal))
            {
                invocation.Out.WriteLine($"  note: {platform.Name} checks the appliance's server certificate; 'iotcerts check-cert --profile {platform.Name}' names it so");
            }

            return report.IsCompliant ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }
}

/// <summary>The --profile option shared by check-ca, identity and verify.</summary>
internal static class ProfileOptions
{
    public static Option<string> Profile(bool required) => new("--profile")
    {
        Description = "The platform profile: " + string.Join(", ", PlatformProfile.All.Select(p => p.Name)) + ".",
        Required = required,
    };

    public static PlatformProfile Resolve(string name) => PlatformProfile.TryGet(name, out var profile)
        ? profile
        : throw new CliException("unknown-profile", $"unknown profile '{name}'; the profiles are {string.Join(", ", PlatformProfile.All.Select(p => p.Name))}");

    public static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new CliException("bad-time", $"--at {text} is not an ISO 8601 instant such as 2026-01-31T12:00:00Z");
    }
}

/// <summary>Text and JSON for a <see cref="ProfileReport"/>.</summary>
internal static class ProfileOutput
{
    public static string StageName(ProfileStage stage) => stage == ProfileStage.CaUpload ? "ca-upload" : "device-connection";

    public static void Write(TextWriter output, ProfileReport report, bool json, string? stageName = null)
    {
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                WriteBody(writer, report, stageName);
                writer.WriteEndObject();
            });
            return;
        }

        output.WriteLine(report.IsCompliant
            ? $"compliant: {report.Profile.Name} {stageName ?? StageName(report.Stage)} rules pass ({report.CheckedRules.Count} checked)"
            : $"NOT COMPLIANT with {report.Profile.Name} ({report.Violations.Count} broken rule{(report.Violations.Count == 1 ? string.Empty : "s")})");
        WriteText(output, report);
    }

    public static void WriteText(TextWriter output, ProfileReport report)
    {
        foreach (var violation in report.Violations)
        {
            output.WriteLine($"  rule {violation.Code}{(violation.CertificateIndex >= 0 ? $" at [{violation.CertificateIndex}]" : string.Empty)}: {violation.Message}");
        }

        foreach (var skipped in report.NotChecked)
        {
            output.WriteLine($"  not checked {skipped.Rule.Code}: {skipped.Reason}");
        }
    }

    public static void WriteBody(System.Text.Json.Utf8JsonWriter writer, ProfileReport report, string? stageName = null)
    {
        writer.WriteString("profile", report.Profile.Name);
        writer.WriteString("stage", stageName ?? StageName(report.Stage));
        writer.WriteBoolean("compliant", report.IsCompliant);
        writer.WriteStartArray("certificates");
        for (var i = 0; i < report.Certificates.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", i);
            writer.WriteString("subject", report.Certificates[i].Subject.Rfc4514Name);
            writer.WriteString("sha256", report.Certificates[i].Sha256Thumbprint.ToLowerInvariant());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("violations");
        foreach (var violation in report.Violations)
        {
            writer.WriteStartObject();
            writer.WriteString("code", violation.Code);
            writer.WriteString("rule", violation.Rule.Requirement);
            writer.WriteString("reference", violation.Rule.Reference);
            writer.WriteNumber("certificateIndex", violation.CertificateIndex);
            writer.WriteString("message", violation.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("checked");
        foreach (var rule in report.CheckedRules)
        {
            writer.WriteStringValue(rule.Code);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("notChecked");
        foreach (var skipped in report.NotChecked)
        {
            writer.WriteStartObject();
            writer.WriteString("code", skipped.Rule.Code);
            writer.WriteString("reason", skipped.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
