using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts pkcs12</c>: a keystore holding a device key and its chain (R-04, R-64).</summary>
internal static class Pkcs12Command
{
    internal static Command Create()
    {
        var key = new Option<string>("--key") { Description = "The private key file (any format; encrypted keys need --key-password-file).", Required = true };
        var keyPasswordFile = new Option<string>("--key-password-file") { Description = "File holding the passphrase of --key." };
        var chain = new Option<string>("--chain") { Description = "The certificate chain file, leaf first (or an unordered bag: it is ordered).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the keystore (mode 0600).", Required = true };
        var password = new Option<string>("--password") { Description = $"Keystore password (prefer --password-file or ${Secrets.PasswordVariable})." };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the keystore password." };
        var name = new Option<string>("--name") { Description = "Alias (friendlyName) of the key entry; devicekeyentry by default." };
        var format = new Option<string>("--format") { Description = "p12 (default) or jks (a Java keystore; the key entry's password is the keystore password, as keytool makes it).", DefaultValueFactory = _ => "p12" };
        format.AcceptOnlyFromAmong("p12", "jks");
        var legacy = new Option<bool>("--legacy") { Description = "3DES/SHA-1 protection for old Java tools (default AES-256/PBKDF2-SHA256)." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("pkcs12", "Write a PKCS#12 (or --format jks) keystore: the key and its chain, one PrivateKeyEntry for Java keytool.") { key, keyPasswordFile, chain, output, password, passwordFile, name, format, legacy, force, json };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var secret = Secrets.Resolve(p.GetValue(password), p.GetValue(passwordFile))
                ?? throw new CliException("missing-password", $"a keystore needs a password: give --password-file, --password or set {Secrets.PasswordVariable}");
            var outPath = p.GetValue(output)!;
            IssuanceCli.EnsureWritable(outPath, p.GetValue(force));
            using var signingKey = SigningKey.LoadFile(p.GetValue(key)!, IssuanceCli.FromFile(p, keyPasswordFile));
            var certificates = IssuanceCli.LoadCertificates(p.GetValue(chain)!);
            var leaf = certificates.FirstOrDefault(c => signingKey.Matches(c.PublicKey))
                ?? throw new CliException("key-certificate-mismatch", "certificate and key do not match: no certificate in --chain belongs to --key");
            var ordered = CertificateChains.Order(certificates, leaf);
            var jks = p.GetValue(format) == "jks";
            var bytes = jks
                ? KeystoreFormats.Get("jks").CreateKeystore(PrivateKey.FromAsymmetricAlgorithm(signingKey.Key), [.. ordered.Select(c => Certificate.Parse(c.RawData))], p.GetValue(name) ?? "devicekeyentry", secret, secret)
                : Pkcs12Files.CreateKeystore(signingKey, ordered, secret, new Pkcs12Options
                {
                    FriendlyName = p.GetValue(name) ?? "devicekeyentry",
                    Encryption = p.GetValue(legacy) ? Pkcs12Encryption.LegacyTripleDesSha1 : Pkcs12Encryption.Aes256Sha256,
                });
            OutputFiles.Write(outPath, bytes, OutputFiles.SecretMode, p.GetValue(force));
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("out", outPath);
                    writer.WriteString("alias", p.GetValue(name) ?? "devicekeyentry");
                    writer.WriteString("format", jks ? "jks" : "p12");
                    writer.WriteString("encryption", jks ? "jks" : EncryptionName(p.GetValue(legacy)));
                    writer.WriteString("keyType", CertificateSummary.KeyType(leaf));
                    writer.WriteNumber("certificateCount", ordered.Count);
                    CertificateSummary.WriteArray(writer, "certificates", ordered);
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"wrote keystore {outPath}: key entry '{p.GetValue(name) ?? "devicekeyentry"}' with {ordered.Count} certificate(s)");
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>The <c>--json</c> name of the protection: <c>aes256</c> (AES-256-CBC, PBKDF2-SHA256) or <c>legacy-3des</c> (--legacy).</summary>
    internal static string EncryptionName(bool legacy) => legacy ? "legacy-3des" : "aes256";
}
