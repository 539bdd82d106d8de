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
        var output = new Option<string?>("--out") { Description = "The file to write (everything the input holds, plus --key)." };
        var certOut = new Option<string?>("--cert-out") { Description = "With --to pem or der: write the certificates (and CSRs and CRLs) to this file, apart from the key (Azure IoT Edge wants them split)." };
        var keyOut = new Option<string?>("--key-out") { Description = "With --to pem or der: write the private key to this file, apart from the certificates (0600)." };
        var key = new Option<string?>("--key") { Description = "A private key file to add (it must belong to a certificate of the input)." };
        var password = CommonOptions.Password("Passphrase of the input (and of --key); also protects the output unless --out-password or --no-encrypt is given.");
        var passwordFile = CommonOptions.PasswordFile();
        var outPassword = new Option<string?>("--out-password") { Description = "Passphrase for the output, when it differs from the input's (not empty: use --no-encrypt for an unencrypted key)." };
        var noEncrypt = new Option<bool>("--no-encrypt") { Description = "With --to pem or der: write the private key unencrypted (PKCS#8, like openssl's -nodes), for services that read keys without a passphrase." };
        var force = new Option<bool>("--force") { Description = "Replace the output files if they exist." };
        var json = CommonOptions.Json();

        var command = new Command("convert", "Convert certificates, keys, CSRs and CRLs between PEM, DER, PKCS#12 and Java JKS.")
        {
            input, to, output, certOut, keyOut, key, password, passwordFile, outPassword, noEncrypt, force, json,
        };

        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var format = parse.GetValue(to)!;
            var secret = Secrets.Resolve(parse.GetValue(password), parse.GetValue(passwordFile));
            var targets = Targets(parse.GetValue(output), parse.GetValue(certOut), parse.GetValue(keyOut), format);
            var outSecret = OutputSecret(parse.GetValue(outPassword), secret, parse.GetValue(noEncrypt), format);
            foreach (var path in targets.Paths)
            {
                if (File.Exists(path) && !parse.GetValue(force))
                {
                    throw new CliException("output-exists", $"the output file '{path}' already exists; pass --force to replace it");
                }
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

            var written = new List<(string Path, string What)>();
            if (targets.Out is { } outPath)
            {
                MaterialWriter.WriteFile(outPath, Encode(format, material, keys, outSecret), holdsPrivateKey: keys.Count > 0);
                written.Add((outPath, Describe(material, keys)));
            }
            else
            {
                WriteSplit(targets, format, material, keys, outSecret, written);
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("out", written[0].Path);
                    if (targets.Out is null)
                    {
                        if (targets.CertOut is { } c)
                        {
                            writer.WritePath("certOut", c);
                        }

                        if (targets.KeyOut is { } k)
                        {
                            writer.WritePath("keyOut", k);
                        }
                    }

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

            foreach (var (path, what) in written)
            {
                invocation.Out.WriteLine($"wrote {path} ({what})");
            }

            if (keys.Count > 0 && format != "p12" && outSecret is null)
            {
                invocation.Out.WriteLine("the private key is not encrypted (readable by the file's owner only)");
            }

            return CliApp.Ok;
        });

        return command;
    }

    private sealed record OutputTargets(string? Out, string? CertOut, string? KeyOut)
    {
        public IEnumerable<string> Paths => new[] { Out, CertOut, KeyOut }.OfType<string>();
    }

    private static OutputTargets Targets(string? output, string? certOut, string? keyOut, string format)
    {
        if (output is not null && (certOut is not null || keyOut is not null))
        {
            throw new CliException("usage", "give either --out, or --cert-out and/or --key-out to split certificates and key, not both");
        }

        if (output is null && certOut is null && keyOut is null)
        {
            throw new CliException("usage", "give --out <file>, or --cert-out <file> and --key-out <file> to split certificates and key");
        }

        if (output is null && format == "p12")
        {
            throw new CliException("usage", "--cert-out and --key-out split PEM or DER output; a PKCS#12 file holds both: use --out");
        }

        if (certOut is not null && keyOut is not null && Path.GetFullPath(certOut) == Path.GetFullPath(keyOut))
        {
            throw new CliException("usage", "--cert-out and --key-out name the same file; use --out for one file");
        }

        return new(output, certOut, keyOut);
    }

    // The output passphrase: --out-password, else the input's; none with --no-encrypt. An empty passphrase protects
    // nothing and reads like one that does, so it is refused rather than used.
    private static string? OutputSecret(string? outPassword, string? inputSecret, bool noEncrypt, string format)
    {
        if (noEncrypt)
        {
            if (format == "p12")
            {
                throw new CliException("usage", "--no-encrypt applies to PEM and DER keys; a PKCS#12 file is always protected");
            }

            if (outPassword is not null)
            {
                throw new CliException("usage", "--no-encrypt and --out-password contradict each other: give one");
            }

            return null;
        }

        if (outPassword is { Length: 0 })
        {
            throw new CliException("empty-password", "--out-password is empty: an empty passphrase protects nothing; use --no-encrypt to write the key unencrypted, or give a passphrase");
        }

        return outPassword ?? (inputSecret is { Length: 0 } && format != "p12" ? throw new CliException("empty-password",
            "the input's passphrase is empty and would protect the output key with an empty passphrase; use --no-encrypt for an unencrypted key, or --out-password") : inputSecret);
    }

    private static void WriteSplit(OutputTargets targets, string format, LoadedMaterial material, List<PrivateKey> keys, string? password, List<(string Path, string What)> written)
    {
        if (targets.KeyOut is { } keyPath)
        {
            if (keys.Count != 1)
            {
                throw new CliException("key-out-needs-one-key", $"--key-out writes one private key, but the input holds {keys.Count}{(keys.Count == 0 ? "; give it with --key" : string.Empty)}");
            }

            var keyBytes = format == "der" ? KeyToDer(keys[0], password) : Encoding.ASCII.GetBytes(MaterialWriter.PrivateKeyToPem(keys[0], password));
            MaterialWriter.WriteFile(keyPath, keyBytes, holdsPrivateKey: true);
            written.Add((keyPath, "1 private key"));
        }
        else if (keys.Count > 0)
        {
            throw new CliException("usage", "the input holds a private key: give --key-out for it (or --out for one file)");
        }

        if (targets.CertOut is { } certPath)
        {
            var withoutKeys = Encode(format, material, [], password);
            MaterialWriter.WriteFile(certPath, withoutKeys, holdsPrivateKey: false);
            written.Add((certPath, Describe(material, [])));
        }
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

                return keys.Count == 1 ? KeyToDer(keys[0], password)
                    : (material.Certificates.Count == 1 ? material.Certificates[0].RawData
                        : material.CertificationRequests.Count == 1 ? material.CertificationRequests[0].RawData
                        : material.Crls[0].RawData).ToArray();

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

    // PKCS#8 DER: the PEM MaterialWriter writes (encrypted PKCS#8 when a passphrase is set), without its armour.
    private static byte[] KeyToDer(PrivateKey key, string? password)
    {
        var pem = MaterialWriter.PrivateKeyToPem(key, password);
        var fields = System.Security.Cryptography.PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
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
