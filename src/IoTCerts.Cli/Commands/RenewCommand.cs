using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Est;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts renew --config file</c>: runs the EST renewal engine once (cron) or as a loop (R-72, R-73).</summary>
internal static class RenewCommand
{
    internal static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "Renewal configuration (JSON, paths relative to the file): {\"credentials\": [{\"name\", \"server\", \"trust\" (a path or a list), \"certificate\", \"key\", \"bootstrapCertificate\", \"bootstrapKey\", \"subject\", \"threshold\": \"80%\", \"retry\": \"4%\", \"rotateKey\": true, ...}]}; every field is described by the JSON schema renew.schema.json (src/IoTCerts.Cli/Schemas in the repository).",
            Required = true,
        };
        var loop = new Option<bool>("--loop") { Description = "Keep running and renew each credential on schedule (otherwise look once and exit)." };
        var now = new Option<bool>("--now") { Description = "Renew every credential now, whatever its schedule says (same write, verify, promote steps); not with --loop." };
        var json = CommonOptions.Json();
        json.Description = "Print one JSON object {credentials:[…]}; with --loop one such object per pass, each on one line.";
        var command = new Command("renew", "Renew certificates over EST when due: writes the new pair next to the live one, verifies it, then promotes it atomically. Exit 0 when every credential is fine, 1 when one failed (the old pair is kept).")
        {
            config, loop, now, json,
        };
        command.SetGuardedAction(async (invocation, cancellationToken) => await EstCommand.Guard(async () =>
        {
            var path = invocation.Parse.GetValue(config)!;
            var renewNow = invocation.Parse.GetValue(now);
            if (renewNow && invocation.Parse.GetValue(loop))
            {
                throw new CliException("usage", "--now renews once and exits; run it, then 'iotcerts renew --config … --loop' to keep the schedule");
            }

            var credentials = Load(path);
            var engine = new CertificateRenewalEngine(credentials);

            // SIGTERM/SIGINT end a loop cleanly (exit 0) between or during passes: a renewal promotes the new pair only
            // after it is written and verified, so stopping mid-pass leaves the working pair in place.
            using var shutdown = ShutdownSignal.Listen();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token);
            cancellationToken = stopping.Token;
            if (invocation.Parse.GetValue(json))
            {
                return await RunJsonAsync(engine, invocation.Out, invocation.Parse.GetValue(loop), renewNow, cancellationToken).ConfigureAwait(false);
            }

            engine.CredentialChanged += (_, e) => invocation.Out.WriteLine($"{e.Credential.Name}: new certificate {Formats.Serial(e.Certificate.SerialNumber)} valid until {e.Certificate.NotAfter.ToUniversalTime():u}{(e.KeyRotated ? " (new key)" : string.Empty)}");
            if (invocation.Parse.GetValue(loop))
            {
                try
                {
                    await engine.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (shutdown.IsRequested)
                {
                }

                return CliApp.Ok;
            }

            var failed = false;
            var pass = renewNow ? engine.RenewNowAsync(cancellationToken) : engine.RunOnceAsync(cancellationToken);
            foreach (var outcome in await pass.ConfigureAwait(false))
            {
                var text = outcome.Status switch
                {
                    RenewalStatus.NotDue => $"{outcome.Credential.Name}: not due; renewal at {outcome.ScheduledRenewal ?? outcome.NextAttempt:u}",
                    RenewalStatus.Renewed => $"{outcome.Credential.Name}: renewed; next renewal at {outcome.ScheduledRenewal ?? outcome.NextAttempt:u}",
                    _ => $"{outcome.Credential.Name}: {outcome.Status.ToString().ToLowerInvariant()}: {outcome.Detail}; retry at {outcome.NextAttempt:u}",
                };
                failed |= outcome.Status is RenewalStatus.Failed or RenewalStatus.Rejected or RenewalStatus.Pending;
                await (outcome.Status is RenewalStatus.NotDue or RenewalStatus.Renewed ? invocation.Out : invocation.Error).WriteLineAsync(text).ConfigureAwait(false);
            }

            return failed ? CliApp.Invalid : CliApp.Ok;
        }).ConfigureAwait(false));
        return command;
    }

    /// <summary>
    /// Once: one indented object. With --loop: the engine's own loop, each pass printed as one JSON line.
    /// </summary>
    private static async Task<int> RunJsonAsync(CertificateRenewalEngine engine, TextWriter output, bool loop, bool renewNow, CancellationToken cancellationToken)
    {
        if (!loop)
        {
            var outcomes = await (renewNow ? engine.RenewNowAsync(cancellationToken) : engine.RunOnceAsync(cancellationToken)).ConfigureAwait(false);
            JsonOutput.Write(output, writer => WritePass(writer, outcomes));
            return outcomes.Any(Failed) ? CliApp.Invalid : CliApp.Ok;
        }

        try
        {
            await engine.RunAsync(outcomes => JsonOutput.WriteLine(output, writer => WritePass(writer, outcomes)), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return CliApp.Ok;
    }

    private static bool Failed(RenewalOutcome outcome) => outcome.Status is RenewalStatus.Failed or RenewalStatus.Rejected or RenewalStatus.Pending;

    private static void WritePass(Utf8JsonWriter json, IReadOnlyList<RenewalOutcome> outcomes)
    {
        json.WriteStartObject();
        json.WriteStartArray("credentials");
        foreach (var outcome in outcomes)
        {
            json.WriteStartObject();
            json.WriteString("name", outcome.Credential.Name);
            json.WriteString("outcome", outcome.Status switch
            {
                RenewalStatus.NotDue => "not-due",
                var other => other.ToString().ToLowerInvariant(),
            });
            if (outcome.Certificate is { } certificate)
            {
                CertificateSummary.Write(json, "certificate", certificate);
                json.WriteString("notAfter", Formats.Time(certificate.NotAfter));
            }
            else
            {
                json.WriteNull("certificate");
                json.WriteNull("notAfter");
            }

            json.WriteNullableString("scheduledRenewal", outcome.ScheduledRenewal is { } due ? Formats.Time(due) : null);
            json.WriteString("nextCheck", Formats.Time(outcome.NextAttempt));
            json.WriteNullableString("error", Failed(outcome) ? outcome.Detail ?? outcome.Status.ToString() : null);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    internal static List<RenewalCredential> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException("file-not-found", $"the configuration file '{path}' does not exist");
        }

        RenewConfiguration? configuration;
        try
        {
            configuration = JsonSerializer.Deserialize(File.ReadAllText(path), RenewConfigurationJson.Default.RenewConfiguration);
        }
        catch (JsonException ex)
        {
            throw new CliException("invalid-config", $"'{path}' is not a valid renewal configuration: {ex.Message}");
        }

        if (configuration?.Credentials is not { Count: > 0 } entries)
        {
            throw new CliException("invalid-config", $"'{path}' lists no credentials");
        }

        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? Resolve(string? file) => file is null ? null : Path.GetFullPath(file, baseDirectory);
        var credentials = new List<RenewalCredential>();
        foreach (var entry in entries)
        {
            var name = entry.Name ?? throw new CliException("invalid-config", "every credential needs a \"name\"");
            string Required(string? value, string field) => value ?? throw new CliException("invalid-config", $"credential '{name}' needs \"{field}\"");
            var options = new EstClientOptions
            {
                Server = Uri.TryCreate(Required(entry.Server, "server"), UriKind.Absolute, out var server) ? server : throw new CliException("invalid-config", $"credential '{name}': \"server\" must be an absolute https URL"),
                Label = entry.Label,
                UseSystemTrustStore = entry.UseSystemTrust,
                UserName = entry.User,
            };
            foreach (var trust in entry.Trust ?? [])
            {
                options.TrustAnchors.AddRange(IssuanceCli.LoadCertificates(Resolve(trust)!).ToArray());
            }

            if (entry.User is not null)
            {
                options.Password = Secrets.Resolve(null, Resolve(Required(entry.PasswordFile, "passwordFile")), useEnvironment: false);
            }

            credentials.Add(new RenewalCredential
            {
                Name = name,
                CertificatePath = Resolve(Required(entry.Certificate, "certificate"))!,
                KeyPath = Resolve(Required(entry.Key, "key"))!,
                BootstrapCertificatePath = Resolve(entry.BootstrapCertificate),
                BootstrapKeyPath = Resolve(entry.BootstrapKey),
                Subject = entry.Subject is null ? null : DistinguishedNames.Parse(entry.Subject),
                Schedule = Schedule(name, entry.Threshold ?? "80%", entry.Retry ?? "4%"),
                RotateKey = entry.RotateKey ?? true,
                CaCertificatesPath = Resolve(entry.CaCertificatesOut),
                CaCheckInterval = CaCheckInterval(name, entry.CaCheck),
                Est = options,
            });
        }

        return credentials;
    }

    private static RenewalSchedule Schedule(string name, string threshold, string retry)
    {
        try
        {
            return RenewalSchedule.Parse(threshold, retry);
        }
        catch (RenewalConfigurationException ex) when (ex.Setting == "threshold")
        {
            // "0%" is how people ask for "renew now": point at the flag that does it.
            throw new CliException("invalid-config", $"credential '{name}': {ex.Message}; to renew now whatever the schedule, run 'iotcerts renew --config <file> --now'");
        }
    }

    // R-74: "caCheck" is how often /cacerts is asked whether the issuing CA changed: an absolute time ("1d", "12h") or "off".
    private static TimeSpan? CaCheckInterval(string name, string? text)
    {
        if (text is null)
        {
            return TimeSpan.FromDays(1);
        }

        if (text == "off")
        {
            return null;
        }

        try
        {
            return LifetimeSpan.Parse(text, "caCheck").Absolute ?? throw new CliException("invalid-config", $"credential '{name}': \"caCheck\" must be a time such as \"1d\" or \"12h\", or \"off\" (not a percentage)");
        }
        catch (RenewalConfigurationException ex)
        {
            throw new CliException("invalid-config", $"credential '{name}': {ex.Message}");
        }
    }
}

/// <summary>The JSON renewal configuration: <c>{ "credentials": [ { ... } ] }</c>; paths are relative to the file.</summary>
internal sealed class RenewConfiguration
{
    /// <summary>The schema the file names for editors (renew.schema.json); not read.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    public List<RenewCredentialConfiguration>? Credentials { get; set; }
}

/// <summary>One credential of the renewal configuration.</summary>
internal sealed class RenewCredentialConfiguration
{
    public string? Name { get; set; }

    public string? Server { get; set; }

    public string? Label { get; set; }

    [JsonConverter(typeof(OneOrManyPathsConverter))]
    public List<string>? Trust { get; set; }

    public bool UseSystemTrust { get; set; }

    public string? Certificate { get; set; }

    public string? Key { get; set; }

    public string? BootstrapCertificate { get; set; }

    public string? BootstrapKey { get; set; }

    public string? User { get; set; }

    public string? PasswordFile { get; set; }

    public string? Subject { get; set; }

    public string? Threshold { get; set; }

    public string? Retry { get; set; }

    public bool? RotateKey { get; set; }

    public string? CaCertificatesOut { get; set; }

    public string? CaCheck { get; set; }
}

/// <summary>A path or a list of paths: <c>"trust": "root.pem"</c> and <c>"trust": ["root.pem", "issuing.pem"]</c> mean the same thing.</summary>
internal sealed class OneOrManyPathsConverter : JsonConverter<List<string>>
{
    public override List<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("\"trust\" must be a path or a list of paths");
        }

        var paths = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            paths.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("\"trust\" must be a path or a list of paths"));
        }

        return paths;
    }

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var path in value)
        {
            writer.WriteStringValue(path);
        }

        writer.WriteEndArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(RenewConfiguration))]
internal sealed partial class RenewConfigurationJson : JsonSerializerContext;
