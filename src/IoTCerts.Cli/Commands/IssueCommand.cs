using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts issue</c>: sign a CSR, a directory of CSRs or a key generated on the spot with a CA .</summary>
internal static class IssueCommand
{
    /// <summary>The most CSRs one <c>--csr-dir</c> run issues (one transaction); larger fleets go in several directories.</summary>
    internal const int MaxFleetRequests = 10_000;

    private static readonly string[] CsrExtensions = [".csr", ".pem", ".der", ".req"];

    internal static Command Create()
    {
        var caDir = new Option<string>("--ca") { Description = "The CA directory.", Required = true };
        var csr = new Option<string>("--csr") { Description = "A PKCS#10 CSR (PEM or DER); its signature is verified first." };
        var subject = new Option<string>("--subject") { Description = "Subject for a key generated on the spot (needs --key-out), RFC 4514 or /K=V form." };
        var keyOut = new Option<string>("--key-out") { Description = "Where to write the generated private key (PKCS#8, mode 0600)." };
        var keyType = new Option<string>("--key-type") { Description = "Type of the generated key: ec-p256 (default), ec-p384, rsa2048, rsa3072, rsa4096." };
        var keyPasswordFile = new Option<string>("--key-password-file") { Description = "File holding a passphrase to encrypt the generated key (AES-256 PKCS#8)." };
        var profile = new Option<string>("--profile") { Description = "device (default), server or edge-ca." };
        var san = new Option<string[]>("--san") { Description = "Subject alternative name: DNS:host, IP:addr, email:addr, URI:uri (repeatable).", AllowMultipleArgumentsPerToken = false };
        var days = IssuanceCli.Days("device/server 365, edge-ca 90");
        var output = new Option<string>("--out") { Description = "Where to write the certificate (PEM, mode 0644)." };
        var csrDir = new Option<string>("--csr-dir")
        {
            Description = $"Issue a certificate for every CSR file (*.csr, *.pem, *.der, *.req) in this directory in one CA transaction: every CSR is checked first (on all cores), and either all are issued or none (a bad CSR or a policy breach). Needs --out-dir; at most {MaxFleetRequests:N0} files.",
        };
        var outDir = new Option<string>("--out-dir") { Description = "With --csr-dir: where to write each certificate, as <CSR file name>.pem (created when missing)." };
        var withChain = new Option<bool>("--with-chain") { Description = "With --csr-dir: write each device's chain (its certificate, then each CA up to the root) instead of the certificate alone." };
        var chainOut = new Option<string>("--chain-out") { Description = "Also write the device chain (certificate, then each CA up to the root, R-10)." };
        var passwordFile = IssuanceCli.CaPasswordFile();
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("issue", "Issue a certificate from a CSR or for a key generated on the spot; the CA records it in its index.")
        {
            caDir, csr, subject, keyOut, keyType, keyPasswordFile, profile, san, days, output, chainOut, csrDir, outDir, withChain, passwordFile, force, json,
        };
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var csrPath = p.GetValue(csr);
            var subjectText = p.GetValue(subject);
            var keyPath = p.GetValue(keyOut);
            if (p.GetValue(csrDir) is { } fleetDirectory)
            {
                if (csrPath is not null || subjectText is not null || keyPath is not null || p.GetValue(output) is not null || p.GetValue(chainOut) is not null || (p.GetValue(san) ?? []).Length > 0)
                {
                    throw new CliException("usage", "--csr-dir takes --out-dir (and --with-chain), not --csr, --subject, --key-out, --out, --chain-out or --san");
                }

                var fleetOut = p.GetValue(outDir) ?? throw new CliException("usage", "--csr-dir needs --out-dir <directory> for the issued certificates");
                return IssueDirectory(
                    invocation.Out,
                    p.GetValue(caDir)!,
                    fleetDirectory,
                    fleetOut,
                    CertificateProfile.FromName(p.GetValue(profile) ?? "device"),
                    IssuanceCli.DaysToSpan(p.GetValue(days)),
                    p.GetValue(withChain),
                    p.GetValue(force),
                    p.GetValue(json),
                    () => IssuanceCli.OpenCa(p, database, p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile)));
            }

            if (p.GetValue(outDir) is not null || p.GetValue(withChain))
            {
                throw new CliException("usage", "--out-dir and --with-chain go with --csr-dir");
            }

            if ((csrPath is null) == (subjectText is null))
            {
                throw new CliException("usage", "give either --csr <file> or --subject <name> with --key-out <file>, or --csr-dir <directory> with --out-dir <directory>");
            }

            if (subjectText is not null && keyPath is null)
            {
                throw new CliException("usage", "--subject needs --key-out <file> for the generated private key");
            }

            var outPath = p.GetValue(output) ?? throw new CliException("usage", "--out <file> is required: where to write the certificate");
            var overwrite = p.GetValue(force);
            IssuanceCli.EnsureWritable(outPath, overwrite);
            if (keyPath is not null)
            {
                IssuanceCli.EnsureWritable(keyPath, overwrite);
            }

            if (p.GetValue(chainOut) is { } chainPath)
            {
                IssuanceCli.EnsureWritable(chainPath, overwrite);
            }

            var chosen = CertificateProfile.FromName(p.GetValue(profile) ?? "device");
            var sans = p.GetValue(san) ?? [];
            var validity = IssuanceCli.DaysToSpan(p.GetValue(days));
            using var ca = IssuanceCli.OpenCa(p, database, p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile));
            SigningKey? generated = null;
            try
            {
                IssuanceRequest request;
                if (csrPath is not null)
                {
                    if (!File.Exists(csrPath))
                    {
                        throw new CliException("file-not-found", $"the CSR file '{csrPath}' does not exist");
                    }

                    var fromCsr = IssuanceRequest.FromCertificationRequest(File.ReadAllBytes(csrPath), chosen);
                    request = new IssuanceRequest
                    {
                        Subject = fromCsr.Subject,
                        PublicKey = fromCsr.PublicKey,
                        Profile = chosen,
                        RequestedSubjectAlternativeName = fromCsr.RequestedSubjectAlternativeName,
                        SubjectAlternativeNames = sans,
                        Validity = validity,
                    };
                }
                else
                {
                    generated = SigningKey.Generate(KeyAlgorithms.Parse(p.GetValue(keyType) ?? "ec-p256"));
                    request = new IssuanceRequest
                    {
                        Subject = DistinguishedNames.Parse(subjectText!),
                        PublicKey = generated.PublicKey,
                        Profile = chosen,
                        SubjectAlternativeNames = sans,
                        Validity = validity,
                    };
                }

                var issued = ca.Issue(request);

                // The key first: a certificate without its key is useless, a key without a certificate can be re-issued.
                var keyPassword = generated is null ? null : IssuanceCli.FromFile(p, keyPasswordFile);
                if (generated is not null)
                {
                    OutputFiles.WritePrivateKey(keyPath!, generated, keyPassword, overwrite);
                }

                OutputFiles.WriteCertificates(outPath, [issued.Certificate], overwrite);
                if (p.GetValue(chainOut) is { } chain)
                {
                    OutputFiles.WriteCertificates(chain, issued.Chain, overwrite);
                }

                if (p.GetValue(json))
                {
                    JsonOutput.Write(invocation.Out, writer =>
                    {
                        var certificate = IoTCerts.Core.Certificate.FromX509Certificate2(issued.Certificate);
                        writer.WriteStartObject();
                        writer.WritePath("ca", p.GetValue(caDir));
                        writer.WriteString("profile", chosen.Name);
                        writer.WritePropertyName("certificate");
                        CertificateSummary.WriteValue(writer, certificate);
                        writer.WriteStrings("subjectAltNames", certificate.SubjectAlternativeNames?.Select(n => n.ToString()) ?? []);
                        writer.WriteString("keyType", CertificateSummary.KeyType(certificate.PublicKey));
                        writer.WritePath("out", outPath);
                        writer.WritePath("key", generated is null ? null : keyPath);
                        writer.WriteBoolean("keyEncrypted", keyPassword is not null);
                        writer.WritePath("chain", p.GetValue(chainOut));
                        writer.WriteNumber("chainLength", issued.Chain.Count);
                        writer.WriteEndObject();
                    });
                    return CliApp.Ok;
                }

                invocation.Out.WriteLine($"issued {chosen.Name} certificate '{Formats.Name(issued.Certificate.SubjectName)}' serial {Formats.Serial(issued.SerialNumber)}, valid until {issued.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
                return CliApp.Ok;
            }
            finally
            {
                generated?.Dispose();
            }
        }));
        return command;
    }

    // --csr-dir: one transaction for a directory of CSRs. Everything that can be refused is refused before the CA is
    // touched (paths, sizes, signatures), the CA's policy then refuses the whole batch or issues all of it, and only
    // then are the certificates written, each file atomically.
    private static int IssueDirectory(TextWriter output, string caDirectory, string csrDirectory, string outDirectory, CertificateProfile profile, TimeSpan? validity, bool withChain, bool force, bool json, Func<CertificateAuthority> openCa)
    {
        if (!Directory.Exists(csrDirectory))
        {
            throw new CliException("file-not-found", $"the CSR directory '{csrDirectory}' does not exist");
        }

        var files = Directory.EnumerateFiles(csrDirectory)
            .Where(f => CsrExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Take(MaxFleetRequests + 1)
            .ToList();
        if (files.Count == 0)
        {
            throw new CliException("file-not-found", $"the directory '{csrDirectory}' holds no CSR files (*.csr, *.pem, *.der, *.req)");
        }

        if (files.Count > MaxFleetRequests)
        {
            throw new CliException("too-many-requests", $"the directory '{csrDirectory}' holds more than {MaxFleetRequests:N0} CSR files: split the fleet into several directories");
        }

        var outputs = new string[files.Count];
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            outputs[i] = Path.Combine(outDirectory, Path.GetFileNameWithoutExtension(files[i]) + ".pem");
            if (!taken.TryAdd(outputs[i], files[i]))
            {
                throw new CliException("usage", $"'{taken[outputs[i]]}' and '{files[i]}' would both be written to '{outputs[i]}': rename one of them");
            }

            IssuanceCli.EnsureWritable(outputs[i], force);
        }

        var csrs = new ReadOnlyMemory<byte>[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            // Bounded before reading: a huge file is refused without loading it.
            if (new FileInfo(files[i]).Length > IssuanceRequest.MaxCertificationRequestBytes)
            {
                throw new CliException(IssuanceErrorCode.RequestSignatureInvalid.ToCode(), $"the CSR '{files[i]}' is larger than {IssuanceRequest.MaxCertificationRequestBytes / 1024} KB");
            }

            csrs[i] = File.ReadAllBytes(files[i]);
        }

        IReadOnlyList<IssuanceRequest> fromCsrs;
        try
        {
            fromCsrs = IssuanceRequest.FromCertificationRequests(csrs, profile);
        }
        catch (IssuanceException ex) when (ex is { RequestIndex: { } index, InnerException: IssuanceException own })
        {
            throw new CliException(own.CodeString, $"the CSR '{files[index]}' is refused, nothing was issued: {own.Message}");
        }

        var requests = fromCsrs.Select(r => new IssuanceRequest
        {
            Subject = r.Subject,
            PublicKey = r.PublicKey,
            Profile = profile,
            RequestedSubjectAlternativeName = r.RequestedSubjectAlternativeName,
            Validity = validity,
        }).ToList();

        // --database (or the directory's database.conf) decides where the records are, as for a single issue.
        using var ca = openCa();
        var issued = ca.IssueBatch(requests);
        Directory.CreateDirectory(outDirectory);
        for (var i = 0; i < issued.Count; i++)
        {
            OutputFiles.WriteCertificates(outputs[i], withChain ? issued[i].Chain : [issued[i].Certificate], force);
        }

        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartObject();
                writer.WritePath("ca", caDirectory);
                writer.WriteString("profile", profile.Name);
                writer.WriteNumber("count", issued.Count);
                writer.WritePath("outDir", outDirectory);
                writer.WriteBoolean("withChain", withChain);
                writer.WriteStartArray("certificates");
                for (var i = 0; i < issued.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WritePath("csr", files[i]);
                    writer.WritePath("out", outputs[i]);
                    writer.WriteString("subject", Formats.Name(issued[i].Certificate.SubjectName));
                    writer.WriteString("serial", Formats.Serial(issued[i].SerialNumber));
                    writer.WriteString("notAfter", Formats.Time(new DateTimeOffset(issued[i].Certificate.NotAfter)));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return CliApp.Ok;
        }

        output.WriteLine($"issued {issued.Count} {profile.Name} certificates from '{csrDirectory}' into '{outDirectory}' (one CA transaction)");
        return CliApp.Ok;
    }
}
