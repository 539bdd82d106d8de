using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Est;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts est</c>: an RFC 7030 EST client (R-70, R-71) and <c>est serve</c>.</summary>
internal static class EstCommand
{
    internal static Command Create()
    {
        var command = new Command("est", "Enroll over EST (RFC 7030): CA certificates, CSR attributes, enroll, re-enroll, server-side key generation; or serve EST.");
        command.Add(CaCertsCommand());
        command.Add(CsrAttrsCommand());
        command.Add(EnrollCommand("enroll", "Enroll a new key with a subject (POST /simpleenroll), authenticated by a bootstrap certificate or Basic credentials."));
        command.Add(ReenrollCommand());
        command.Add(EnrollCommand("serverkeygen", "Have the server generate the key (POST /serverkeygen); the key is written with mode 0600."));
        command.Add(EstServeCommand.Create());
        return command;
    }

    /// <summary>The connection options every client subcommand shares.</summary>
    private sealed class ClientOptions
    {
        public Option<string> Server { get; } = new("--server") { Description = "EST server base URL, e.g. https://est.example.com:8443.", Required = true };

        public Option<string> Label { get; } = new("--label") { Description = "Optional CA label (one path segment)." };

        public Option<string[]> Trust { get; } = new("--trust") { Description = "Trust anchors for the server's TLS certificate (PEM, DER, PKCS#7; repeatable)." };

        public Option<bool> SystemTrust { get; } = new("--system-trust") { Description = "Trust the operating system's store for the server (off unless given)." };

        public Option<string> Cert { get; } = new("--cert") { Description = "TLS client certificate (PEM with chain): the bootstrap or the current identity certificate." };

        public Option<string> Key { get; } = new("--key") { Description = "Private key (PEM) of --cert." };

        public Option<string> User { get; } = new("--user") { Description = "HTTP Basic user name." };

        public Option<string> PasswordFile { get; } = new("--password-file") { Description = $"File holding the HTTP Basic password (otherwise ${Secrets.PasswordVariable})." };

        public Option<int> MaxWait { get; } = new("--max-wait") { Description = "Seconds to keep resending while the server answers 202 (pending); default 300.", DefaultValueFactory = _ => 300 };

        public Option<bool> Json { get; } = CommonOptions.Json();

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Server, Label, Trust, SystemTrust, Cert, Key, User, PasswordFile, MaxWait, Json })
            {
                command.Add(option);
            }
        }

        /// <summary>What the --json object needs to name the request, or null when text output was asked for.</summary>
        public JsonRequest? JsonFor(ParseResult parse, string operation) => parse.GetValue(Json) ? new JsonRequest(parse.GetValue(Server)!, operation) : null;

        public (EstClient Client, EstClientOptions Options, IDisposable Lifetime) Build(ParseResult parse, X509Certificate2? clientCertificateOverride = null)
        {
            if (!Uri.TryCreate(parse.GetValue(Server), UriKind.Absolute, out var server))
            {
                throw new CliException("usage", "--server must be an absolute https URL");
            }

            var options = new EstClientOptions
            {
                Server = server,
                Label = parse.GetValue(Label),
                UseSystemTrustStore = parse.GetValue(SystemTrust),
                MaxPendingWait = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(MaxWait))),
            };
            foreach (var file in parse.GetValue(Trust) ?? [])
            {
                options.TrustAnchors.AddRange(IssuanceCli.LoadCertificates(file).ToArray());
            }

            if (clientCertificateOverride is not null)
            {
                options.ClientCertificate = clientCertificateOverride;
            }
            else if (parse.GetValue(Cert) is { } certPath)
            {
                var pair = LoadPair(certPath, parse.GetValue(Key) ?? throw new CliException("usage", "--cert needs --key"));
                options.ClientCertificate = pair.Certificate;
                options.ClientCertificateChain.AddRange(pair.Chain);
            }

            if (parse.GetValue(User) is { } user)
            {
                options.UserName = user;
                options.Password = Secrets.Resolve(null, parse.GetValue(PasswordFile))
                    ?? throw new CliException("missing-password", $"--user needs --password-file or ${Secrets.PasswordVariable}");
            }

            var http = new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
            return (new EstClient(http, options), options, http);
        }
    }

    internal static LoadedCredential LoadPair(string certificatePath, string keyPath)
    {
        foreach (var path in new[] { certificatePath, keyPath })
        {
            if (!File.Exists(path))
            {
                throw new CliException("file-not-found", $"'{path}' does not exist");
            }
        }

        return CredentialStore.LoadPair(certificatePath, keyPath)
            ?? throw new CliException("key-mismatch", $"'{certificatePath}' and '{keyPath}' are not a PEM certificate and its matching private key");
    }

    private static Option<string> OutDirectory() => new("--out") { Description = "Output directory.", Required = true };

    private static Command CaCertsCommand()
    {
        var client = new ClientOptions();
        var output = OutDirectory();
        var command = new Command("cacerts", "Fetch the CA certificates (GET /cacerts) into <out>/cacerts.pem.");
        client.AddTo(command);
        command.Add(output);
        command.SetGuardedAction(async (invocation, cancellationToken) => await Guard(async () =>
        {
            var (est, _, lifetime) = client.Build(invocation.Parse);
            using (lifetime)
            {
                var certificates = await est.GetCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
                var path = Path.Combine(invocation.Parse.GetValue(output)!, "cacerts.pem");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                OutputFiles.WriteCertificates(path, certificates, overwrite: true);
                if (client.JsonFor(invocation.Parse, "cacerts") is { } json)
                {
                    JsonOutput.Write(invocation.Out, writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteString("server", json.Server);
                        writer.WritePath("out", path);
                        writer.WriteNumber("certificateCount", certificates.Count);
                        CertificateSummary.WriteArray(writer, "certificates", certificates);
                        writer.WriteEndObject();
                    });
                    return CliApp.Ok;
                }

                foreach (var certificate in certificates)
                {
                    await invocation.Out.WriteLineAsync($"{Formats.Name(certificate.SubjectName)} (serial {Formats.Serial(certificate.SerialNumber)}, until {certificate.NotAfter.ToUniversalTime():u})").ConfigureAwait(false);
                }

                await invocation.Out.WriteLineAsync($"wrote {certificates.Count} CA certificate(s) to {path}").ConfigureAwait(false);
                return CliApp.Ok;
            }
        }).ConfigureAwait(false));
        return command;
    }

    private static Command CsrAttrsCommand()
    {
        var client = new ClientOptions();
        var command = new Command("csrattrs", "Show what the server wants in a request (GET /csrattrs).");
        client.AddTo(command);
        command.SetGuardedAction(async (invocation, cancellationToken) => await Guard(async () =>
        {
            var (est, _, lifetime) = client.Build(invocation.Parse);
            using (lifetime)
            {
                var attributes = await est.GetCsrAttributesAsync(cancellationToken).ConfigureAwait(false);
                if (client.JsonFor(invocation.Parse, "csrattrs") is { } json)
                {
                    JsonOutput.Write(invocation.Out, writer =>
                    {
                        writer.WriteStartObject();
                        writer.WriteString("server", json.Server);
                        writer.WriteBoolean("requestsChallengePassword", attributes.RequestsChallengePassword);
                        writer.WriteStartArray("attributes");
                        foreach (var entry in attributes.Entries)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("oid", entry.Oid);
                            writer.WriteNullableString("name", new Oid(entry.Oid).FriendlyName);

                            // RFC 7030 §4.5.2: an entry is a bare OID (e.g. the signature algorithm wanted) or an attribute with values.
                            writer.WriteBoolean("attribute", entry.IsAttribute);
                            writer.WriteNumber("values", entry.Values.Count);
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    });
                    return CliApp.Ok;
                }

                if (attributes.Entries.Count == 0)
                {
                    await invocation.Out.WriteLineAsync("no CSR attributes").ConfigureAwait(false);
                }

                foreach (var entry in attributes.Entries)
                {
                    var name = new Oid(entry.Oid).FriendlyName;
                    var text = entry.IsAttribute ? $"attribute {entry.Oid}{(name is null ? string.Empty : $" ({name})")}: {entry.Values.Count} value(s)" : $"{entry.Oid}{(name is null ? string.Empty : $" ({name})")}";
                    await invocation.Out.WriteLineAsync(text).ConfigureAwait(false);
                }

                return CliApp.Ok;
            }
        }).ConfigureAwait(false));
        return command;
    }

    private static Command EnrollCommand(string name, string description)
    {
        var client = new ClientOptions();
        var subject = new Option<string>("--subject") { Description = "Subject, RFC 4514 (\"CN=device-1,O=Acme\").", Required = true };
        var san = new Option<string[]>("--san") { Description = "Subject alternative name: DNS:host, IP:addr, URI:uri (repeatable)." };
        var keyType = new Option<string>("--key-type") { Description = "Key type: ec-p256 (default), ec-p384, rsa2048, rsa3072, rsa4096." };
        var output = OutDirectory();
        var command = new Command(name, description);
        client.AddTo(command);
        command.Add(subject);
        command.Add(san);
        command.Add(keyType);
        command.Add(output);
        command.SetGuardedAction(async (invocation, cancellationToken) => await Guard(async () =>
        {
            var p = invocation.Parse;
            var (est, _, lifetime) = client.Build(p);
            using (lifetime)
            {
                using var key = KeyAlgorithms.Parse(p.GetValue(keyType) ?? "ec-p256").Generate();
                var names = p.GetValue(san) ?? [];
                var request = EnrollmentRequest.Create(key, DistinguishedNames.Parse(p.GetValue(subject)!), names.Length > 0 ? SubjectAlternativeNames.Build(names) : null);
                if (name == "serverkeygen")
                {
                    var generated = await est.ServerKeyGenAsync(request, cancellationToken).ConfigureAwait(false);
                    if (generated.IsPending)
                    {
                        return await Pending(invocation, generated.RetryAfter, client.JsonFor(p, name)).ConfigureAwait(false);
                    }

                    return await WriteResult(invocation, p.GetValue(output)!, generated.Certificates, PemEncoding.WriteString("PRIVATE KEY", generated.PrivateKeyPkcs8) + "\n", client.JsonFor(p, name)).ConfigureAwait(false);
                }

                var result = await est.EnrollAsync(request, cancellationToken).ConfigureAwait(false);
                return result.IsPending
                    ? await Pending(invocation, result.RetryAfter, client.JsonFor(p, name)).ConfigureAwait(false)
                    : await WriteResult(invocation, p.GetValue(output)!, result.Certificates, key.ExportPkcs8PrivateKeyPem() + "\n", client.JsonFor(p, name)).ConfigureAwait(false);
            }
        }).ConfigureAwait(false));
        return command;
    }

    private static Command ReenrollCommand()
    {
        var client = new ClientOptions();
        var rekey = new Option<bool>("--rekey") { Description = "Generate a new key (otherwise the current key is re-certified)." };
        var output = OutDirectory();
        var command = new Command("reenroll", "Renew the certificate given by --cert/--key (POST /simplereenroll): it is the TLS client certificate, and its Subject and SubjectAltName are copied byte for byte.");
        client.AddTo(command);
        command.Add(rekey);
        command.Add(output);
        command.SetGuardedAction(async (invocation, cancellationToken) => await Guard(async () =>
        {
            var p = invocation.Parse;
            var current = LoadPair(p.GetValue(client.Cert) ?? throw new CliException("usage", "reenroll needs --cert and --key (the current certificate)"), p.GetValue(client.Key) ?? throw new CliException("usage", "--cert needs --key"));
            var (est, _, lifetime) = client.Build(p);
            using (lifetime)
            {
                using var key = p.GetValue(rekey) ? EnrollmentRequest.CreateKeyLike(current.Certificate) : EnrollmentRequest.PrivateKeyOf(current.Certificate);
                var result = await est.ReenrollAsync(EnrollmentRequest.CreateRenewal(current.Certificate, key), cancellationToken).ConfigureAwait(false);
                var json = client.JsonFor(p, "reenroll") is { } request ? request with { KeyRotated = p.GetValue(rekey) } : null;
                return result.IsPending
                    ? await Pending(invocation, result.RetryAfter, json).ConfigureAwait(false)
                    : await WriteResult(invocation, p.GetValue(output)!, result.Certificates, p.GetValue(rekey) ? key.ExportPkcs8PrivateKeyPem() + "\n" : current.KeyPem, json).ConfigureAwait(false);
            }
        }).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> WriteResult(CommandInvocation invocation, string directory, X509Certificate2Collection certificates, string keyPem, JsonRequest? json)
    {
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, "cert.pem");
        var keyPath = Path.Combine(directory, "key.pem");
        OutputFiles.WriteText(keyPath, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite, overwrite: true);
        var ordered = LeafFirst(certificates);
        OutputFiles.WriteCertificates(certificatePath, ordered, overwrite: true);
        var leaf = ordered[0];
        if (json is not null)
        {
            JsonOutput.Write(invocation.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("server", json.Server);
                writer.WriteString("operation", json.Operation);
                writer.WriteString("status", "issued");
                CertificateSummary.Write(writer, "certificate", leaf);
                writer.WriteString("keyType", CertificateSummary.KeyType(leaf));
                if (json.KeyRotated is { } rotated)
                {
                    writer.WriteBoolean("keyRotated", rotated);
                }

                writer.WritePath("certificatePath", certificatePath);
                writer.WritePath("keyPath", keyPath);
                writer.WriteNumber("certificateCount", ordered.Count);
                writer.WriteEndObject();
            });
            return CliApp.Ok;
        }

        await invocation.Out.WriteLineAsync($"issued {Formats.Name(leaf.SubjectName)} (serial {Formats.Serial(leaf.SerialNumber)}, until {leaf.NotAfter.ToUniversalTime():u}) by {Formats.Name(leaf.IssuerName)}").ConfigureAwait(false);
        await invocation.Out.WriteLineAsync($"wrote {certificatePath} and {keyPath}").ConfigureAwait(false);
        return CliApp.Ok;
    }

    private static async Task<int> Pending(CommandInvocation invocation, TimeSpan? retryAfter, JsonRequest? json)
    {
        // 202 is a verdict (exit 1), not bad input: with --json it is the one object on stdout; the stderr line stays.
        if (json is not null)
        {
            JsonOutput.Write(invocation.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("server", json.Server);
                writer.WriteString("operation", json.Operation);
                writer.WriteString("status", "pending");
                if (retryAfter is { } seconds)
                {
                    writer.WriteNumber("retryAfter", (long)Math.Ceiling(seconds.TotalSeconds));
                }
                else
                {
                    writer.WriteNull("retryAfter");
                }

                writer.WriteEndObject();
            });
        }

        await invocation.Error.WriteLineAsync($"iotcerts: pending: the server has not decided yet; run the same command again{(retryAfter is { } r ? $" in {r.TotalSeconds:0} s" : string.Empty)}").ConfigureAwait(false);
        return CliApp.Invalid;
    }

    /// <summary>The request a --json object describes: the server as given and the operation (enroll, reenroll, serverkeygen, …).</summary>
    private sealed record JsonRequest(string Server, string Operation)
    {
        public bool? KeyRotated { get; init; }
    }

    internal static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (EstException ex)
        {
            throw new CliException(ex.CodeString, ex.Message);
        }
        catch (IssuanceException ex)
        {
            throw new CliException(ex.CodeString, ex.Message);
        }
        catch (RenewalConfigurationException ex)
        {
            throw new CliException("invalid-schedule", ex.Message);
        }
    }

    // The issued certificate first, then the others as sent (a certs-only SET has no order, RFC 5652): Core's OrderedChain picks it.
    private static List<X509Certificate2> LeafFirst(X509Certificate2Collection certificates)
    {
        if (certificates.Count == 0)
        {
            return [];
        }

        var leaf = IoTCerts.Core.OrderedChain.FromBag(certificates.Select(c => IoTCerts.Core.Certificate.Parse(c.RawData))).Certificates[0];
        var issued = certificates.First(c => c.RawData.AsSpan().SequenceEqual(leaf.RawData.Span));
        return [issued, .. certificates.Where(c => !ReferenceEquals(c, issued))];
    }
}
