using System.CommandLine;
using System.Text;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Core;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts csr</c>: create (or verify) a PKCS#10 request for a device or messaging server .</summary>
internal static class CsrCommand
{
    internal static Command Create()
    {
        var subject = new Option<string>("--subject") { Description = "Subject, RFC 4514 (\"CN=device-1,O=Acme\") or /O=Acme/CN=device-1." };
        var san = new Option<string[]>("--san") { Description = "Subject alternative name: DNS:host, IP:addr, email:addr, URI:uri (repeatable)." };
        var profile = new Option<string>("--profile") { Description = "Request the extensions of a profile: device or server (server needs --san)." };
        var keyOut = new Option<string>("--key-out") { Description = "Generate a key and write it here (PKCS#8, mode 0600)." };
        var keyIn = new Option<string>("--key-in") { Description = "Use an existing private key file instead of generating one." };
        var keyUri = new Option<string>("--key-uri") { Description = "Sign with a key in a PKCS#11 token (pkcs11:token=…;object=…); PIN from --key-password-file or the URI." };
        var keyType = new Option<string>("--key-type") { Description = "Type of the generated key: ec-p256 (default), ec-p384, rsa2048, rsa3072, rsa4096." };
        var keyPasswordFile = new Option<string>("--key-password-file") { Description = "File holding the key passphrase (encrypts a generated key, decrypts --key-in, or the token PIN)." };
        var challengeFile = new Option<string>("--challenge-password-file") { Description = "File holding a challengePassword attribute for the request." };
        var output = new Option<string>("--out") { Description = "Where to write the CSR (PEM)." };
        var verify = new Option<string>("--verify") { Description = "Only verify the self-signature of this CSR file (exit 0 valid, 1 invalid)." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("csr", "Create a certificate signing request for a device or messaging server, or verify one.")
        {
            subject, san, profile, keyOut, keyIn, keyUri, keyType, keyPasswordFile, challengeFile, output, verify, force, json,
        };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            if (p.GetValue(verify) is { } toVerify)
            {
                if (!File.Exists(toVerify))
                {
                    throw new CliException("file-not-found", $"the CSR file '{toVerify}' does not exist");
                }

                var ok = CertificationRequests.Verify(File.ReadAllBytes(toVerify));
                if (p.GetValue(json))
                {
                    JsonOutput.Write(invocation.Out, writer => WriteVerified(writer, toVerify, ok));
                    return ok ? CliApp.Ok : CliApp.Invalid;
                }

                invocation.Out.WriteLine(ok ? $"{toVerify}: signature OK" : $"{toVerify}: signature INVALID (or not a CSR)");
                return ok ? CliApp.Ok : CliApp.Invalid;
            }

            var subjectText = p.GetValue(subject) ?? throw new CliException("usage", "--subject is required to create a CSR");
            var outPath = p.GetValue(output) ?? throw new CliException("usage", "--out is required to create a CSR");
            var sources = new[] { p.GetValue(keyOut), p.GetValue(keyIn), p.GetValue(keyUri) }.Count(s => s is not null);
            if (sources != 1)
            {
                throw new CliException("usage", "give exactly one of --key-out (generate), --key-in (existing file) or --key-uri (PKCS#11 token)");
            }

            var overwrite = p.GetValue(force);
            IssuanceCli.EnsureWritable(outPath, overwrite);
            if (p.GetValue(keyOut) is { } kp)
            {
                IssuanceCli.EnsureWritable(kp, overwrite);
            }

            var keyPassword = IssuanceCli.FromFile(p, keyPasswordFile);
            using var key = p.GetValue(keyUri) is { } uri ? SigningKey.OpenPkcs11(uri, keyPassword)
                : p.GetValue(keyIn) is { } existing ? SigningKey.LoadFile(existing, keyPassword)
                : SigningKey.Generate(KeyAlgorithms.Parse(p.GetValue(keyType) ?? "ec-p256"));
            var pem = CertificationRequests.CreatePem(key, new CertificationRequestOptions
            {
                Subject = DistinguishedNames.Parse(subjectText),
                SubjectAlternativeNames = p.GetValue(san) ?? [],
                Profile = p.GetValue(profile) is { } name ? CertificateProfile.FromName(name) : null,
                ChallengePassword = IssuanceCli.FromFile(p, challengeFile),
            });
            if (p.GetValue(keyOut) is { } keyPath)
            {
                OutputFiles.WritePrivateKey(keyPath, key, keyPassword, overwrite);
            }

            OutputFiles.WriteText(outPath, pem, OutputFiles.PublicMode, overwrite);
            if (p.GetValue(json))
            {
                var request = MaterialLoader.Load(Encoding.ASCII.GetBytes(pem)).CertificationRequests[0];
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("out", outPath);
                    WriteRequestFacts(writer, request);
                    writer.WriteNullableString("profile", p.GetValue(profile) is null ? null : CertificateProfile.FromName(p.GetValue(profile)!).Name);
                    writer.WritePath("key", p.GetValue(keyOut) ?? p.GetValue(keyIn));
                    writer.WriteBoolean("keyGenerated", p.GetValue(keyOut) is not null);
                    writer.WriteNullableString("keyUri", p.GetValue(keyUri) is { } tokenUri ? Pkcs11Key.WithoutPin(tokenUri) : null);
                    writer.WriteBoolean("keyEncrypted", p.GetValue(keyOut) is not null && keyPassword is not null);
                    writer.WriteBoolean("hasChallengePassword", request.ChallengePassword is not null);
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"wrote CSR for '{subjectText}' to {outPath}");
            return CliApp.Ok;
        }));
        return command;
    }

    private static void WriteRequestFacts(Utf8JsonWriter json, CertificationRequest request)
    {
        json.WriteString("subject", request.Subject.Rfc4514Name);
        json.WriteStrings("subjectAltNames", request.SubjectAlternativeNames?.Select(n => n.ToString()) ?? []);
        json.WriteString("keyType", CertificateSummary.KeyType(request.PublicKey));
        json.WriteString("signatureAlgorithm", request.SignatureAlgorithm.FriendlyName);
    }

    /// <summary>The <c>csr --verify --json</c> verdict; a file that is not a CSR is invalid with null facts.</summary>
    private static void WriteVerified(Utf8JsonWriter json, string path, bool valid)
    {
        json.WriteStartObject();
        json.WriteBoolean("valid", valid);
        json.WritePath("file", path);
        if (MaterialLoader.TryLoadFile(path, null, out var material, out _) && material.CertificationRequests.Count > 0)
        {
            WriteRequestFacts(json, material.CertificationRequests[0]);
        }
        else
        {
            json.WriteNull("subject");
            json.WriteStartArray("subjectAltNames");
            json.WriteEndArray();
            json.WriteNull("keyType");
            json.WriteNull("signatureAlgorithm");
        }

        json.WriteEndObject();
    }
}
