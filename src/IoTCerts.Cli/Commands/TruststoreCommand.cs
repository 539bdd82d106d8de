using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Core;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts truststore</c>: a PKCS#12 of trusted certificates only, listed by keytool as trustedCertEntry .</summary>
internal static class TruststoreCommand
{
    internal static Command Create()
    {
        var certs = new Argument<string[]>("certs") { Description = "Certificate files (PEM bundles, DER, PKCS#7).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Where to write the truststore (mode 0644).", Required = true };
        var password = new Option<string>("--password") { Description = $"Truststore password (prefer --password-file or ${Secrets.PasswordVariable})." };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the truststore password." };
        var format = new Option<string>("--format") { Description = "p12 (default) or jks (a Java truststore).", DefaultValueFactory = _ => "p12" };
        format.AcceptOnlyFromAmong("p12", "jks");
        var legacy = new Option<bool>("--legacy") { Description = "3DES/SHA-1 protection for old Java tools (default AES-256/PBKDF2-SHA256)." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("truststore", "Write a PKCS#12 (or --format jks) truststore of trusted certificates (no keys) that Java keytool lists as trustedCertEntry.") { certs, output, password, passwordFile, format, legacy, force, json };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var secret = Secrets.Resolve(p.GetValue(password), p.GetValue(passwordFile))
                ?? throw new CliException("missing-password", $"a truststore needs a password: give --password-file, --password or set {Secrets.PasswordVariable}");
            var outPath = p.GetValue(output)!;
            IssuanceCli.EnsureWritable(outPath, p.GetValue(force));
            var all = p.GetValue(certs)!.SelectMany(path => IssuanceCli.LoadCertificates(path)).ToList();
            var jks = p.GetValue(format) == "jks";
            var bytes = jks
                ? KeystoreFormats.Get("jks").CreateTruststore([.. all.Select(c => Certificate.Parse(c.RawData))], secret)
                : Pkcs12Files.CreateTruststore(all, secret, new Pkcs12Options
                {
                    Encryption = p.GetValue(legacy) ? Pkcs12Encryption.LegacyTripleDesSha1 : Pkcs12Encryption.Aes256Sha256,
                });
            OutputFiles.Write(outPath, bytes, OutputFiles.PublicMode, p.GetValue(force));
            if (p.GetValue(json))
            {
                // The aliases are made unique while the store is built: read them back from what was written.
                var written = MaterialLoader.Load(bytes, new LoadOptions { Password = secret });
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("out", outPath);
                    writer.WriteString("format", jks ? "jks" : "p12");
                    writer.WriteString("encryption", jks ? "jks" : Pkcs12Command.EncryptionName(p.GetValue(legacy)));
                    writer.WriteNumber("certificateCount", written.Certificates.Count);
                    writer.WriteStartArray("entries");
                    for (var i = 0; i < written.Certificates.Count; i++)
                    {
                        writer.WriteStartObject();
                        writer.WriteNullableString("alias", written.CertificateOrigins[i].FriendlyName);
                        writer.WritePropertyName("certificate");
                        CertificateSummary.WriteValue(writer, written.Certificates[i]);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"wrote truststore {outPath} with {all.Count} trusted certificate(s)");
            return CliApp.Ok;
        }));
        return command;
    }
}
