using System.CommandLine;
using System.Globalization;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Platform.Cumulocity;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts c8y crl get|revoke</c> and <c>iotcerts c8y verify-chain</c>: the tenant CRL and the platform's own
/// chain check (cumulocity-api.md, "Trusted certificates").
/// </summary>
internal static class C8yCrlCommands
{
    /// <summary>Revocations sent per PUT: the platform takes at most 5,000 rows per CSV upload; JSON uses the same cap.</summary>
    private const int RevocationsPerRequest = 5000;

    internal static Command Crl()
    {
        var command = new Command("crl", "The tenant CRL: download it, or add revocations (irreversible).");
        command.Add(Get());
        command.Add(Revoke());
        return command;
    }

    private static Command Get()
    {
        var connection = new C8yConnection();
        var output = new Option<string>("--out") { Description = "Where to write the CRL.", Required = true };
        var format = new Option<string>("--format") { Description = "der (default) or pem." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("get", "Download the tenant CRL (GET /tenant/trusted-certificates/settings/crl) and write it as DER or PEM.") { output, format, force, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var outPath = parse.GetValue(output)!;
            var pem = (parse.GetValue(format) ?? "der").ToLowerInvariant() switch
            {
                "der" => false,
                "pem" => true,
                var other => throw new CliException("usage", $"--format must be der or pem, not '{other}'"),
            };
            IssuanceCli.EnsureWritable(outPath, parse.GetValue(force));

            var der = await connection.Client(parse).GetCrlAsync(cancellationToken).ConfigureAwait(false);

            // Parse before writing: a body that is not a CRL must not land in the file (nothing half-written).
            if (!CertificateRevocationList.TryParse(der, out var crl, out var error))
            {
                throw new CliException("invalid-crl", $"the platform answered with something that is not a CRL: {error.Message}");
            }

            var bytes = pem ? System.Text.Encoding.ASCII.GetBytes(PemWriter.Write("X509 CRL", der)) : der;
            OutputFiles.Write(outPath, bytes, OutputFiles.PublicMode, overwrite: parse.GetValue(force));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("out", outPath);
                    w.WriteString("format", pem ? "pem" : "der");
                    w.WriteString("issuer", crl.Issuer.ToString());
                    w.WriteString("thisUpdate", Iso(crl.ThisUpdate));
                    if (crl.NextUpdate is { } next)
                    {
                        w.WriteString("nextUpdate", Iso(next));
                    }
                    else
                    {
                        w.WriteNull("nextUpdate");
                    }

                    w.WriteNumber("revokedCount", crl.RevokedCount);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"tenant CRL: {crl.RevokedCount} revoked certificate(s), issued by {crl.Issuer}; written to {outPath}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command Revoke()
    {
        var connection = new C8yConnection();
        var serials = new Option<string[]>("--serial") { Description = "Serial number in hex, as openssl prints it (repeatable).", AllowMultipleArgumentsPerToken = false };
        var fromCrl = new Option<string>("--from-crl") { Description = "Add every entry of a CRL file (e.g. one published by 'iotcerts crl'), with its revocation date." };
        var date = new Option<string>("--date") { Description = "Revocation date for --serial entries (ISO-8601; default: now)." };
        var json = CommonOptions.Json();
        var command = new Command("revoke", "Add revocations to the tenant CRL (PUT /tenant/trusted-certificates/settings/crl). This cannot be undone.") { serials, fromCrl, date, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var revocations = new List<CrlRevocation>();
            DateTimeOffset? when = parse.GetValue(date) is { } text ? ParseDate(text) : null;
            foreach (var serial in parse.GetValue(serials) ?? [])
            {
                revocations.Add(new CrlRevocation { SerialNumberInHex = NormalizeSerial(serial), RevocationDate = when });
            }

            if (parse.GetValue(fromCrl) is { } crlPath)
            {
                var material = MaterialLoader.LoadFile(crlPath);
                if (material.Crls.Count == 0)
                {
                    throw new CliException("no-crl", $"'{crlPath}' holds no CRL");
                }

                foreach (var entry in material.Crls.SelectMany(c => c.RevokedCertificates))
                {
                    revocations.Add(new CrlRevocation { SerialNumberInHex = entry.SerialNumberHex, RevocationDate = entry.RevocationDate });
                }
            }

            if (revocations.Count == 0)
            {
                throw new CliException("usage", "give --serial <hex> (repeatable) or --from-crl <file>");
            }

            var client = connection.Client(parse);
            foreach (var batch in revocations.Chunk(RevocationsPerRequest))
            {
                await client.AddRevocationsAsync(batch, cancellationToken).ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("count", revocations.Count);
                    w.WriteStartArray("revoked");
                    foreach (var r in revocations)
                    {
                        w.WriteStartObject();
                        w.WriteString("serial", r.SerialNumberInHex);
                        if (r.RevocationDate is { } d)
                        {
                            w.WriteString("revocationDate", Iso(d));
                        }
                        else
                        {
                            w.WriteNull("revocationDate");
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"revoked on the platform: {revocations.Count} certificate(s) ({string.Join(", ", revocations.Take(5).Select(r => r.SerialNumberInHex))}{(revocations.Count > 5 ? ", …" : string.Empty)})").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    internal static Command VerifyChain()
    {
        var connection = new C8yConnection();
        var file = new Argument<string>("chain") { Description = "The device chain (device certificate first, or any order: it is ordered first)." };
        var tenantId = new Option<string>("--tenant-id") { Description = "The tenant that should trust the chain (default: the signed-in tenant)." };
        var headers = new Option<bool>("--headers") { Description = "Send the chain in X-Cumulocity-* headers (at most 5 certificates) instead of a multipart file (at most 10)." };
        var json = CommonOptions.Json();
        var command = new Command("verify-chain", "Ask the platform whether it trusts a device chain (POST /tenant/trusted-certificates/verify-cert-chain). Exit 1 when it does not.") { file, tenantId, headers, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var path = parse.GetValue(file)!;
            var certificates = IssuanceCli.LoadCertificates(path);
            if (certificates.Count == 0)
            {
                throw new CliException("no-certificate", $"'{path}' holds no certificate");
            }

            // The platform wants the device certificate first; a file in another order is ordered here, not refused.
            var ordered = OrderedChain.FromBag(certificates.Select(Certificate.FromX509Certificate2).ToList());
            var byThumbprint = certificates.ToDictionary(c => Convert.ToHexString(c.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)));
            var chain = ordered.Certificates.Select(c => byThumbprint[c.Sha256Thumbprint]).ToList();
            var result = await connection.Client(parse).VerifyCertificateChainAsync(chain, parse.GetValue(tenantId), parse.GetValue(headers) ? ChainSubmission.Headers : ChainSubmission.File, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("successfullyValidated", result.SuccessfullyValidated);
                    w.WriteString("tenantId", result.TenantId);
                    w.WriteString("issuer", result.Issuer);
                    w.WriteString("subject", result.Subject);
                    w.WriteNumber("certificatesSent", chain.Count);
                    w.WriteEndObject();
                });
            }
            else
            {
                var verdict = result.SuccessfullyValidated ? "trusted" : "NOT trusted";
                await invocation.Out.WriteLineAsync($"{verdict} by tenant {result.TenantId}: {result.Subject} (issuer {result.Issuer}), {chain.Count} certificate(s) sent").ConfigureAwait(false);
            }

            return result.SuccessfullyValidated ? CliApp.Ok : CliApp.Invalid;
        }));
        return command;
    }

    private static string NormalizeSerial(string serial)
    {
        var hex = serial.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        return hex.Length > 0 && hex.Length <= 64 && hex.All(char.IsAsciiHexDigit)
            ? hex.ToUpperInvariant()
            : throw new CliException("invalid-serial", $"'{serial}' is not a serial number in hex (e.g. 4F2A0C or 4f:2a:0c)");
    }

    private static DateTimeOffset ParseDate(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new CliException("usage", $"--date '{text}' is not an ISO-8601 date and time");

    private static string Iso(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
