using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts issue</c>: sign a CSR or a key generated on the spot with a CA .</summary>
internal static class IssueCommand
{
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
        var output = new Option<string>("--out") { Description = "Where to write the certificate (PEM, mode 0644).", Required = true };
        var chainOut = new Option<string>("--chain-out") { Description = "Also write the device chain (certificate, then each CA up to the root, R-10)." };
        var passwordFile = IssuanceCli.CaPasswordFile();
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("issue", "Issue a certificate from a CSR or for a key generated on the spot; the CA records it in its index.")
        {
            caDir, csr, subject, keyOut, keyType, keyPasswordFile, profile, san, days, output, chainOut, passwordFile, force, json,
        };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var csrPath = p.GetValue(csr);
            var subjectText = p.GetValue(subject);
            var keyPath = p.GetValue(keyOut);
            if ((csrPath is null) == (subjectText is null))
            {
                throw new CliException("usage", "give either --csr <file> or --subject <name> with --key-out <file>");
            }

            if (subjectText is not null && keyPath is null)
            {
                throw new CliException("usage", "--subject needs --key-out <file> for the generated private key");
            }

            var outPath = p.GetValue(output)!;
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
            using var ca = IssuanceCli.OpenCa(p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile));
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
                    AtomicFile.WritePrivateKey(keyPath!, generated, keyPassword, overwrite);
                }

                AtomicFile.WriteCertificates(outPath, [issued.Certificate], overwrite);
                if (p.GetValue(chainOut) is { } chain)
                {
                    AtomicFile.WriteCertificates(chain, issued.Chain, overwrite);
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

                invocation.Out.WriteLine($"issued {chosen.Name} certificate '{issued.Certificate.Subject}' serial {issued.SerialNumber}, valid until {issued.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
                return CliApp.Ok;
            }
            finally
            {
                generated?.Dispose();
            }
        }));
        return command;
    }
}
