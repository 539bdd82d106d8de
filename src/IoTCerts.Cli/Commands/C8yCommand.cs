using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Platform.Cumulocity;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts c8y</c>: Cumulocity IoT certificate administration (R-20..R-26) — trusted certificates, proof of
/// possession, bulk registration, the tenant CA, and the device side (enrollment, access token over mTLS).
/// </summary>
internal static class C8yCommand
{
    internal static Command Create()
    {
        var command = new Command("c8y", "Cumulocity IoT: upload and prove CA certificates, register devices, enroll and get device tokens. Credentials from flags or C8Y_BASEURL, C8Y_TENANT, C8Y_USER, C8Y_PASSWORD, C8Y_TOKEN.");
        command.Add(LoginCheck());
        command.Add(UploadCa());
        command.Add(List());
        command.Add(Delete());
        command.Add(Pop());
        command.Add(C8yDeviceCommands.BulkRegister());
        command.Add(C8yDeviceCommands.Token());
        command.Add(C8yDeviceCommands.Enroll());
        command.Add(C8yDeviceCommands.CertificateAuthority());
        command.Add(C8yCrlCommands.Crl());
        command.Add(C8yCrlCommands.VerifyChain());
        return command;
    }

    private static Command LoginCheck()
    {
        var connection = new C8yConnection();
        var json = CommonOptions.Json();
        var command = new Command("login-check", "Check the URL and credentials: reads /tenant/currentTenant.") { json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var options = connection.Options(parse, resolveTenant: false);
            var given = connection.GivenTenant(parse);
            if (given is not null && options.UserName is not null && !options.UserName.Contains('/', StringComparison.Ordinal))
            {
                options.UserName = given + "/" + options.UserName;
            }

            var tenant = await connection.Client(parse, options).GetTenantIdAsync(cancellationToken).ConfigureAwait(false);
            if (given is not null && given != tenant)
            {
                throw new CliException("tenant-mismatch", $"the credentials belong to tenant {tenant}, not {given}");
            }

            var user = options.UserName ?? "(bearer token)";
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("ok", true);
                    w.WriteString("baseUrl", options.BaseUri!.ToString());
                    w.WriteString("tenant", tenant);
                    w.WriteString("user", user);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"ok: {user} can sign in to tenant {tenant} at {options.BaseUri}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command UploadCa()
    {
        var connection = new C8yConnection();
        var file = new Argument<string>("file") { Description = "The CA certificate (PEM or DER; the first certificate of the file)." };
        var name = new Option<string>("--name") { Description = "Display name (default: the certificate's CN)." };
        var auto = new Option<bool>("--auto-registration") { Description = "Register devices automatically on their first connection (R-25)." };
        var disabled = new Option<bool>("--disabled") { Description = "Upload with status DISABLED." };
        var popKey = new Option<string>("--pop-key") { Description = "The CA private key: also prove possession (R-23) right after the upload." };
        var keyPassword = new Option<string>("--key-password-file") { Description = "File holding the passphrase of --pop-key." };
        var json = CommonOptions.Json();
        var command = new Command("upload-ca", "Upload a CA certificate to the tenant's trusted certificates; an existing one (409) is not an error.") { file, name, auto, disabled, popKey, keyPassword, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            using var certificate = LoadFirstCertificate(parse.GetValue(file)!);

            // The platform's own upload rules (R-20), checked locally so a refusal comes with our words, before any request.
            var report = IoTCerts.Core.PlatformProfile.Get("cumulocity").CheckCaUpload([IoTCerts.Core.Certificate.FromX509Certificate2(certificate)]);
            if (!report.IsCompliant)
            {
                throw new CliException("not-accepted", "the platform would refuse this CA certificate: " + string.Join("; ", report.Violations.Select(v => v.Message)));
            }

            using var key = parse.GetValue(popKey) is { } keyPath ? C8yConnection.LoadKey(keyPath, IssuanceCli.FromFile(parse, keyPassword)) : null;
            var client = connection.Client(parse);
            var upload = await client.CreateTrustedCertificateAsync(
                NewTrustedCertificate.From(certificate, parse.GetValue(name), parse.GetValue(auto), parse.GetValue(disabled) ? TrustedCertificateStatus.Disabled : TrustedCertificateStatus.Enabled),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            TrustedCertificate? final = upload.Certificate;
            if (key is not null)
            {
                final = await client.ProveProofOfPossessionAsync(certificate, key, cancellationToken).ConfigureAwait(false);
            }

            var outcome = upload.Outcome == UploadOutcome.Created ? "created" : "already-exists";
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("outcome", outcome);
                    w.WriteString("fingerprint", upload.Fingerprint);
                    WriteCertificateFields(w, final);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"{outcome}: {upload.Fingerprint} {certificate.Subject}").ConfigureAwait(false);
                if (key is not null)
                {
                    await invocation.Out.WriteLineAsync($"proof of possession: {(final?.ProofOfPossessionValid == true ? "valid" : "not valid")}").ConfigureAwait(false);
                }
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var connection = new C8yConnection();
        var caOnly = new Option<bool>("--ca-only") { Description = "Only the tenant CA of the certificate-authority feature." };
        var json = CommonOptions.Json();
        var command = new Command("list", "List the tenant's trusted certificates (every page).") { caOnly, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var certificates = new List<TrustedCertificate>();
            await foreach (var certificate in connection.Client(parse).GetTrustedCertificatesAsync(parse.GetValue(caOnly), cancellationToken).ConfigureAwait(false))
            {
                certificates.Add(certificate);
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("count", certificates.Count);
                    w.WriteStartArray("certificates");
                    foreach (var certificate in certificates)
                    {
                        w.WriteStartObject();
                        w.WriteString("fingerprint", certificate.Fingerprint);
                        WriteCertificateFields(w, certificate);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                foreach (var c in certificates)
                {
                    var pop = c.ProofOfPossessionValid == true ? "pop" : "-";
                    var auto = c.AutoRegistrationEnabled == true ? "auto" : "-";
                    await invocation.Out.WriteLineAsync($"{c.Fingerprint}  {StatusText(c.Status) ?? "?",-8}  {auto,-4}  {pop,-3}  {c.NotAfter:yyyy-MM-dd}  {c.Name}  ({c.Subject})").ConfigureAwait(false);
                }

                await invocation.Out.WriteLineAsync($"{certificates.Count} trusted certificate(s)").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Delete()
    {
        var connection = new C8yConnection();
        var fingerprint = new Argument<string>("fingerprint") { Description = "SHA-1 fingerprint (hex; colons allowed)." };
        var json = CommonOptions.Json();
        var command = new Command("delete", "Delete a trusted certificate (devices using it lose their MQTT sessions).") { fingerprint, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var normalized = TrustedCertificate.NormalizeFingerprint(parse.GetValue(fingerprint)!);
            await connection.Client(parse).DeleteTrustedCertificateAsync(normalized, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("deleted", normalized);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"deleted: {normalized}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Pop()
    {
        var connection = new C8yConnection();
        var fingerprint = new Argument<string>("fingerprint") { Description = "SHA-1 fingerprint of the uploaded CA." };
        var key = new Option<string>("--key") { Description = "The CA private key.", Required = true };
        var keyPassword = new Option<string>("--key-password-file") { Description = "File holding the key passphrase." };
        var json = CommonOptions.Json();
        var command = new Command("pop", "Prove possession of an uploaded CA's key: get the verification code, sign it (SHA-256), upload.") { fingerprint, key, keyPassword, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            using var caKey = C8yConnection.LoadKey(parse.GetValue(key)!, IssuanceCli.FromFile(parse, keyPassword));
            var final = await connection.Client(parse).ProveProofOfPossessionAsync(parse.GetValue(fingerprint)!, caKey, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("fingerprint", final.Fingerprint ?? TrustedCertificate.NormalizeFingerprint(parse.GetValue(fingerprint)!));
                    w.WriteBoolean("proofOfPossessionValid", final.ProofOfPossessionValid == true);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"proof of possession: {(final.ProofOfPossessionValid == true ? "valid" : "not valid")}").ConfigureAwait(false);
            }

            return final.ProofOfPossessionValid == true ? CliApp.Ok : CliApp.BadInput;
        }));
        return command;
    }

    internal static void WriteCertificateFields(Utf8JsonWriter w, TrustedCertificate? certificate)
    {
        if (certificate is null)
        {
            return;
        }

        w.WriteString("name", certificate.Name);
        w.WriteString("status", StatusText(certificate.Status));
        w.WriteBoolean("autoRegistrationEnabled", certificate.AutoRegistrationEnabled == true);
        w.WriteBoolean("proofOfPossessionValid", certificate.ProofOfPossessionValid == true);
        w.WriteBoolean("tenantCertificateAuthority", certificate.TenantCertificateAuthority == true);
        w.WriteString("subject", certificate.Subject);
        w.WriteString("issuer", certificate.Issuer);
        if (certificate.NotAfter is { } notAfter)
        {
            w.WriteString("notAfter", notAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    internal static string? StatusText(TrustedCertificateStatus? status) => status switch
    {
        TrustedCertificateStatus.Enabled => "ENABLED",
        TrustedCertificateStatus.Disabled => "DISABLED",
        _ => null,
    };

    internal static X509Certificate2 LoadFirstCertificate(string path)
    {
        var certificates = IssuanceCli.LoadCertificates(path);
        return certificates.Count > 0 ? certificates[0] : throw new CliException("no-certificate", $"'{path}' holds no certificate");
    }
}
