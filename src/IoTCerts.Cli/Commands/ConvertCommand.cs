using System.CommandLine;
using System.Text;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts convert &lt;in&gt; --to pem|der|p12|jks --out &lt;file&gt; [--password] [--key &lt;file&gt;]</c> (R-06):
/// re-encodes whatever the input holds. Output files are written atomically, 0600 when they hold a key, and an
/// existing file is never replaced without <c>--force</c>.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("in") { Description = "The input file (any format inspect reads)." };
        var to = new Option<string>("--to") { Description = "Output encoding: pem, der (exactly one object), p12 or jks (a keystore with the key, or a truststore without).", Required = true };
        to.AcceptOnlyFromAmong("pem", "der", "p12", "jks");
        var output = new Option<string>("--out") { Description = "The file to write.", Required = true };
        var key = new Option<string?>("--key") { Description = "A private key file to add (it must belong to a certificate of the input)." };
        var password = CommonOptions.Password("Passphrase of the input (and of --key); also protects the output unless --out-password is given.");
        var passwordFile = CommonOptions.PasswordFile();
        var outPassword = new Option<string?>("--out-password") { Description = "Passphrase for the output, when it differs from the input's." };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists." };
        var json = CommonOptions.Json();

        var command = new Command("convert", "Convert certificates, keys, CSRs and CRLs between PEM, DER, PKCS#12 and Java JKS.")
        {
            input, to, output, key, password, passwordFile, outPassword, force, json,
        };

        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var secret = Secrets.Resolve(parse.GetValue(password), parse.GetValue(passwordFile));
            var outSecret = parse.GetValue(outPassword) ?? secret;
            var outPath = parse.GetValue(output)!;
            if (File.Exists(outPath) && !parse.GetValue(force))
            {
                throw new CliException("output-exists", $"the output file '{outPath}' already exists; pass --force to replace it");
            }

            var material = MaterialLoader.LoadFile(parse.GetValue(input)!, new LoadOptions { Password = secret });
            var keys = material.PrivateKeys.ToList();
            if (parse.GetValue(key) is { } keyPath)
            {
                var keyMaterial = MaterialLoader.LoadFile(keyPath, new LoadOptions { Password = secret });
                if (keyMaterial.PrivateKeys.Count != 1)
                {
                    throw new CliException("key-file", $"'{keyPath}' must hold exactly one private key; it holds {keyMaterial.PrivateKeys.Count}");
                }

                var extraKey = keyMaterial.PrivateKeys[0];
                if (material.Certificates.Count > 0 && !material.Certificates.Any(c => KeyMatch.Matches(extraKey, c)))
                {
                    throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch, $"certificate and key do not match: no certificate in the input belongs to the key in '{keyPath}'");
                }

                keys.Add(extraKey);
            }

            var bytes = Encode(parse.GetValue(to)!, material, keys, outSecret);
            MaterialWriter.WriteFile(outPath, bytes, holdsPrivateKey: keys.Count > 0);
            if (parse.GetValue(json))
            {
                var format = parse.GetValue(to)!;
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("out", outPath);
                    writer.WriteString("format", format);
                    writer.WriteNumber("certificates", material.Certificates.Count);
                    writer.WriteNumber("privateKeys", keys.Count);
                    writer.WriteNumber("certificateRequests", material.CertificationRequests.Count);
                    writer.WriteNumber("crls", material.Crls.Count);

                    // A PKCS#12 file is always sealed; PEM and DER keys are encrypted PKCS#8 exactly when a password is set.
                    writer.WriteBoolean("passwordProtected", format is "p12" or "jks" || (keys.Count > 0 && outSecret is not null));
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"wrote {outPath} ({Describe(material, keys)})");
            return CliApp.Ok;
        });

        return command;
    }

    private static byte[] Encode(string to, LoadedMaterial material, List<PrivateKey> keys, string? password)
    {
        var objects = material.Certificates.Count + keys.Count + material.CertificationRequests.Count + material.Crls.Count;
        switch (to)
        {
            case "pem":
                var pem = new StringBuilder(MaterialWriter.CertificatesToPem(material.Certificates));
                foreach (var privateKey in keys)
                {
                    pem.Append(MaterialWriter.PrivateKeyToPem(privateKey, password));
                }

                foreach (var request in material.CertificationRequests)
                {
                    pem.Append(MaterialWriter.CertificationRequestToPem(request));
                }

                foreach (var crl in material.Crls)
                {
                    pem.Append(MaterialWriter.CrlToPem(crl));
                }

                return Encoding.ASCII.GetBytes(pem.ToString());

            case "der":
                if (objects != 1)
                {
                    throw new CliException("der-needs-one-object", $"DER holds exactly one object, but the input holds {objects}; use --to pem or --to p12");
                }

                // With one object in all, a key here came from the input itself (an extra --key makes two).
                return MaterialWriter.Encode(material, MaterialOutputFormat.Der, new MaterialWriteOptions { Password = password });

            default:
                var kind = to == "jks" ? "JKS" : "PKCS#12";
                if (string.IsNullOrEmpty(password))
                {
                    throw new CliException("missing-password", $"a {kind} file must be protected: give --password, --password-file, --out-password or IOTCERTS_PASSWORD");
                }

                if (keys.Count > 1)
                {
                    throw new CliException("too-many-keys", $"a {kind} keystore written here holds one key entry, but the input holds {keys.Count} keys");
                }

                if (material.Certificates.Count == 0)
                {
                    throw new CliException("no-certificate", $"a {kind} file needs at least one certificate; the input holds none");
                }

                if (to == "jks")
                {
                    // keytool's default: the key entry's password is the store password.
                    var jks = Issuance.KeystoreFormats.Get("jks");
                    return keys.Count == 1
                        ? jks.CreateKeystore(keys[0], OrderedForKey(keys[0], material.Certificates), MaterialWriter.DefaultFriendlyName, password, password)
                        : jks.CreateTruststore(material.Certificates, password);
                }

                var options = new MaterialWriteOptions { Password = password };
                return keys.Count == 1
                    ? MaterialWriter.ToPkcs12(keys[0], material.Certificates, options)
                    : MaterialWriter.ToPkcs12Truststore(material.Certificates, options);
        }
    }

    // A JKS key entry holds the chain leaf first: the key's certificate, then the rest in the input's order.
    private static List<Certificate> OrderedForKey(PrivateKey key, IReadOnlyList<Certificate> certificates)
    {
        var leaf = certificates.FirstOrDefault(c => KeyMatch.Matches(key, c))
            ?? throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch, "certificate and key do not match: no certificate in the input belongs to the key");
        return [leaf, .. certificates.Where(c => !ReferenceEquals(c, leaf))];
    }

    private static string Describe(LoadedMaterial material, List<PrivateKey> keys)
    {
        var parts = new List<string>();
        if (material.Certificates.Count > 0)
        {
            parts.Add($"{material.Certificates.Count} certificate(s)");
        }

        if (keys.Count > 0)
        {
            parts.Add($"{keys.Count} private key(s)");
        }

        if (material.CertificationRequests.Count > 0)
        {
            parts.Add($"{material.CertificationRequests.Count} CSR(s)");
        }

        if (material.Crls.Count > 0)
        {
            parts.Add($"{material.Crls.Count} CRL(s)");
        }

        return string.Join(", ", parts);
    }
}
