using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Platform.Cumulocity;

namespace IoTCerts.Cli.Commands;

/// <summary>The device-facing <c>iotcerts c8y</c> subcommands: bulk registration, tenant CA, enrollment, access token.</summary>
internal static class C8yDeviceCommands
{
    /// <summary>A CSV file larger than this is refused before upload (the platform's own limits are lower).</summary>
    private const long MaxCsvBytes = 16 * 1024 * 1024;

    internal static Command BulkRegister()
    {
        var connection = new C8yConnection();
        var csvFile = new Argument<string?>("csv") { Description = "A bulk registration CSV to upload as it is.", Arity = ArgumentArity.ZeroOrOne };
        var devices = new Option<string[]>("--device") { Description = "A device id (certificate CN) to register with AUTH_TYPE=CERTIFICATES (repeatable)." };
        var type = new Option<string>("--type") { Description = "TYPE for every --device." };
        var path = new Option<string>("--path") { Description = "PATH (group) for every --device; needs --type (NAME is the device id)." };
        var generateOtp = new Option<bool>("--generate-otp") { Description = "Give every --device a random ENROLLMENT_OTP (printed) for the certificate-authority feature." };
        var otpLength = new Option<int>("--otp-length") { Description = "Length of generated one-time passwords, 8..32 (default 16).", DefaultValueFactory = _ => 16 };
        var separator = new Option<string>("--separator") { Description = "CSV separator for --device: ';' (default), ',' or 'tab'." };
        var json = CommonOptions.Json();
        var command = new Command("bulk-register", "Register certificate devices in bulk (R-25): upload a CSV, or build one from --device.") { csvFile, devices, type, path, generateOtp, otpLength, separator, json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var ids = parse.GetValue(devices) ?? [];
            var file = parse.GetValue(csvFile);
            if ((file is null) == (ids.Length == 0))
            {
                throw new CliException("usage", "give either a CSV file or one or more --device");
            }

            var generated = new List<(string Id, string Otp)>();
            string csv;
            if (file is not null)
            {
                if (!File.Exists(file))
                {
                    throw new CliException("file-not-found", $"'{file}' does not exist");
                }

                if (new FileInfo(file).Length > MaxCsvBytes)
                {
                    throw new CliException("too-large", $"'{file}' is larger than {MaxCsvBytes / (1024 * 1024)} MiB");
                }

                csv = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var builder = new BulkRegistrationCsv(parse.GetValue(separator) switch
                {
                    null or ";" => ';',
                    "," => ',',
                    "tab" or "\t" => '\t',
                    var other => throw new CliException("usage", $"--separator '{other}' is not ';', ',' or 'tab'"),
                });
                foreach (var id in ids)
                {
                    string? otp = null;
                    if (parse.GetValue(generateOtp))
                    {
                        otp = OneTimePassword.Generate(parse.GetValue(otpLength));
                        generated.Add((id, otp));
                    }

                    var groupPath = parse.GetValue(path);
                    builder.Add(new DeviceRegistration
                    {
                        Id = id,
                        EnrollmentOneTimePassword = otp,
                        Type = parse.GetValue(type),
                        Name = groupPath is null ? null : id,
                        Path = groupPath,
                    });
                }

                csv = builder.Build();
            }

            var result = await connection.Client(parse).RegisterDevicesAsync(csv, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteNumber("numberOfAll", result.NumberOfAll);
                    w.WriteNumber("numberOfCreated", result.NumberOfCreated);
                    w.WriteNumber("numberOfFailed", result.NumberOfFailed);
                    w.WriteNumber("numberOfSuccessful", result.NumberOfSuccessful);
                    w.WriteStartArray("devices");
                    foreach (var (id, otp) in generated)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", id);
                        w.WriteString("enrollmentOtp", otp);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteObjects("failed", result.FailedCreation, (o, failure) =>
                    {
                        o.WriteString("deviceId", failure.DeviceId);
                        o.WriteString("status", failure.Status);
                        o.WriteString("reason", failure.FailureReason);
                        o.WriteString("line", failure.Line);
                    });
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"registered {result.NumberOfSuccessful} of {result.NumberOfAll} device(s), {result.NumberOfFailed} failed").ConfigureAwait(false);
                foreach (var (id, otp) in generated)
                {
                    await invocation.Out.WriteLineAsync($"{id}\tENROLLMENT_OTP={otp}").ConfigureAwait(false);
                }

                foreach (var failure in result.FailedCreation)
                {
                    await invocation.Out.WriteLineAsync($"failed: {failure.DeviceId}: {failure.FailureReason}").ConfigureAwait(false);
                }
            }

            if (result.NumberOfFailed > 0)
            {
                await invocation.Error.WriteLineAsync($"iotcerts: error [registration-failed]: the platform refused {result.NumberOfFailed} of {result.NumberOfAll} device(s)").ConfigureAwait(false);
                return CliApp.BadInput;
            }

            return CliApp.Ok;
        }));
        return command;
    }

    internal static Command CertificateAuthority()
    {
        var command = new Command("ca", "The tenant CA of the certificate-authority feature (1095 days; issues device certificates over EST).");
        command.Add(CaAction("create", "Create the tenant CA; an existing one (409) is reported, not an error."));
        command.Add(CaAction("renew", "Renew the tenant CA (devices must re-enroll afterwards)."));
        return command;
    }

    private static Command CaAction(string name, string description)
    {
        var connection = new C8yConnection();
        var json = CommonOptions.Json();
        var command = new Command(name, description) { json };
        connection.AddTo(command);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var client = connection.Client(parse);
            string outcome;
            TrustedCertificate? certificate;
            if (name == "create")
            {
                var created = await client.CreateCertificateAuthorityAsync(cancellationToken).ConfigureAwait(false);
                outcome = created.Outcome == UploadOutcome.Created ? "created" : "already-exists";
                certificate = created.Certificate;
            }
            else
            {
                certificate = await client.RenewCertificateAuthorityAsync(cancellationToken).ConfigureAwait(false);
                outcome = "renewed";
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("outcome", outcome);
                    w.WriteString("fingerprint", certificate?.Fingerprint);
                    C8yCommand.WriteCertificateFields(w, certificate);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync(certificate is null ? $"{outcome}: the tenant already has a CA" : $"{outcome}: {certificate.Fingerprint} {certificate.Subject} valid until {certificate.NotAfter:yyyy-MM-dd}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    internal static Command Enroll()
    {
        var connection = new C8yConnection();
        var externalId = new Option<string>("--external-id") { Description = "The device's external id (becomes the certificate CN).", Required = true };
        var otp = new Option<string>("--otp") { Description = "The ENROLLMENT_OTP given at registration (or --otp-file)." };
        var otpFile = new Option<string>("--otp-file") { Description = "File holding the one-time password." };
        var keyIn = new Option<string>("--key") { Description = "Use this existing private key instead of generating one." };
        var keyPassword = new Option<string>("--key-password-file") { Description = "File holding the passphrase of --key." };
        var keyOut = new Option<string>("--key-out") { Description = "Where to write the generated key (PKCS#8, mode 0600)." };
        var keyType = new Option<string>("--key-type") { Description = "Generated key type: ec-p256 (default), ec-p384, rsa2048, rsa3072, rsa4096." };
        var certOut = new Option<string>("--cert-out") { Description = "Where to write the issued certificate (PEM).", Required = true };
        var poll = new Option<int>("--poll-interval") { Description = "Seconds between attempts while the device is not registered yet (default 30).", DefaultValueFactory = _ => 30 };
        var maxWait = new Option<int>("--max-wait") { Description = "Seconds to keep polling before giving up (default 600).", DefaultValueFactory = _ => 600 };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("enroll", "Enroll a registered device with the tenant CA over EST (externalId + one-time password).") { externalId, otp, otpFile, keyIn, keyPassword, keyOut, keyType, certOut, poll, maxWait, force, json };
        connection.AddTo(command, credentials: false);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var id = parse.GetValue(externalId)!;
            var password = Secrets.Resolve(parse.GetValue(otp), parse.GetValue(otpFile), useEnvironment: false)
                ?? throw new CliException("missing-otp", "give --otp or --otp-file");
            if ((parse.GetValue(keyIn) is null) == (parse.GetValue(keyOut) is null))
            {
                throw new CliException("usage", "give either --key (an existing key) or --key-out (generate one)");
            }

            var certPath = parse.GetValue(certOut)!;
            IssuanceCli.EnsureWritable(certPath, parse.GetValue(force));
            using var key = parse.GetValue(keyIn) is { } existing
                ? SigningKey.FromKey(C8yConnection.LoadKey(existing, IssuanceCli.FromFile(parse, keyPassword)))
                : SigningKey.Generate(KeyAlgorithms.Parse(parse.GetValue(keyType) ?? "ec-p256"));
            if (parse.GetValue(keyOut) is { } keyPath)
            {
                IssuanceCli.EnsureWritable(keyPath, parse.GetValue(force));
            }

            var csr = CertificationRequests.Create(key, new CertificationRequestOptions { Subject = new X500DistinguishedName("CN=" + id) });
            var options = new CumulocityDeviceClientOptions
            {
                BaseUri = connection.BaseUri(parse),
                EnrollmentPollInterval = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(poll))),
                EnrollmentMaxWait = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(maxWait))),
            };
            options.TrustAnchors.AddRange(connection.TrustAnchors(parse));
            var client = new CumulocityDeviceClient(new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan }, options);
            var issued = await client.EnrollAsync(id, password, csr, cancellationToken).ConfigureAwait(false);
            var certificate = issued[0];

            // Write the key only once the certificate exists: a failed enrollment leaves nothing half-made.
            if (parse.GetValue(keyOut) is { } keyFile)
            {
                OutputFiles.WritePrivateKey(keyFile, key, null, parse.GetValue(force));
            }

            OutputFiles.WriteCertificates(certPath, issued.Cast<X509Certificate2>(), parse.GetValue(force));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("externalId", id);
                    w.WriteString("certificate", certPath);
                    w.WriteString("key", parse.GetValue(keyOut) ?? parse.GetValue(keyIn));
                    w.WriteString("subject", Formats.Name(certificate.SubjectName));
                    w.WriteString("issuer", certificate.Issuer);
                    w.WriteString("serialNumber", Formats.Serial(certificate.SerialNumber));
                    w.WriteString("notAfter", certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"enrolled {id}: {Formats.Name(certificate.SubjectName)} issued by {Formats.Name(certificate.IssuerName)}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; written to {certPath}").ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    internal static Command Token()
    {
        var connection = new C8yConnection();
        var cert = new Option<string>("--cert") { Description = "Device certificate (PEM; further certificates in the file are sent as its chain).", Required = true };
        var key = new Option<string>("--key") { Description = "The device's private key.", Required = true };
        var keyPassword = new Option<string>("--key-password-file") { Description = "File holding the key passphrase." };
        var chain = new Option<string>("--chain") { Description = "Intermediate certificates, sent in the TLS handshake and as X-Ssl-Cert-Chain." };
        var port = new Option<int>("--port") { Description = "Port of the mTLS endpoint (default 8443).", DefaultValueFactory = _ => 8443 };
        var noChainHeader = new Option<bool>("--no-chain-header") { Description = "Do not send X-Ssl-Cert-Chain." };
        var json = CommonOptions.Json();
        var command = new Command("token", "Get a device access token (JWT) over REST with mTLS (R-26); prints the token.") { cert, key, keyPassword, chain, port, noChainHeader, json };
        connection.AddTo(command, credentials: false);
        command.SetGuardedAction((invocation, cancellationToken) => C8yConnection.Guard(async () =>
        {
            var parse = invocation.Parse;
            var certificates = IssuanceCli.LoadCertificates(parse.GetValue(cert)!);
            using var privateKey = C8yConnection.LoadKey(parse.GetValue(key)!, IssuanceCli.FromFile(parse, keyPassword));
            var spki = privateKey.ExportSubjectPublicKeyInfo();
            var leaf = certificates.FirstOrDefault(c => c.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki))
                ?? throw new CliException("key-mismatch", "certificate and key do not match");
            using var withKey = leaf.GetKeyAlgorithm() == "1.2.840.10045.2.1"
                ? leaf.CopyWithPrivateKey((System.Security.Cryptography.ECDsa)privateKey)
                : leaf.CopyWithPrivateKey((System.Security.Cryptography.RSA)privateKey);

            // TLS stacks want a persisted key handle; a PKCS#12 round trip gives one on every platform.
            using var device = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
            var options = new CumulocityDeviceClientOptions
            {
                BaseUri = connection.BaseUri(parse),
                DeviceTokenPort = parse.GetValue(port),
                ClientCertificate = device,
                SendCertificateChainHeader = !parse.GetValue(noChainHeader),
            };
            options.ClientCertificateChain.AddRange(certificates.Where(c => !ReferenceEquals(c, leaf)).ToArray());
            if (parse.GetValue(chain) is { } chainFile)
            {
                options.ClientCertificateChain.AddRange(IssuanceCli.LoadCertificates(chainFile).ToArray());
            }

            options.TrustAnchors.AddRange(connection.TrustAnchors(parse));
            var client = new CumulocityDeviceClient(new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan }, options);
            var token = await client.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("accessToken", token.Token);
                    WriteTime(w, "issuedAt", token.IssuedAt);
                    WriteTime(w, "expiresAt", token.ExpiresAt);
                    WriteTime(w, "refreshAfter", token.RefreshAfter);
                    w.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync(token.Token).ConfigureAwait(false);
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static void WriteTime(System.Text.Json.Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            w.WriteString(name, value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
