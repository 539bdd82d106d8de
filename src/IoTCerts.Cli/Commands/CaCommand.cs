using System.CommandLine;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts ca init|intermediate|import</c>: create and import certificate authorities .</summary>
internal static class CaCommand
{
    internal static Command Create()
    {
        var command = new Command("ca", "Create certificate authorities: a self-signed root (or quickstart Edge CA), intermediates, or import an openssl ca directory.");
        command.Add(CreateInit());
        command.Add(CreateIntermediate());
        command.Add(CreateImport());
        command.Add(CreateMigrate());
        return command;
    }

    private static Command CreateInit()
    {
        var dir = new Option<string>("--dir") { Description = "The new CA directory.", Required = true };
        var subject = new Option<string>("--subject") { Description = "CA subject, RFC 4514 (\"CN=Fleet Root,O=Acme\") or /O=Acme/CN=Fleet Root.", Required = true };
        var key = new Option<string>("--key") { Description = "Key type: rsa4096 (default), rsa3072, rsa2048, ec-p384, ec-p256." };
        var keyUri = new Option<string>("--key-uri") { Description = "Use a key in a PKCS#11 token (pkcs11:token=…;object=…); the PIN comes like a passphrase." };
        var profile = new Option<string>("--profile") { Description = "root-ca (default) or edge-ca (quickstart Edge CA: pathlen 0, 90 days)." };
        var days = IssuanceCli.Days("root 7300, edge-ca 90");
        var pathlen = new Option<int?>("--pathlen") { Description = "basicConstraints pathLenConstraint (none by default)." };
        var common = new CaSettingsOptions();
        var passwordFile = IssuanceCli.CaPasswordFile();
        var noPassword = new Option<bool>("--no-password") { Description = "Store the CA key unencrypted (mode 0600). For tests only." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("init", "Create a self-signed root CA in a new directory (with --database: its records on PostgreSQL, its key in the directory).") { dir, subject, key, keyUri, profile, days, pathlen, passwordFile, noPassword, force, json };
        common.AddTo(command);
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var password = KeyPassword(p, passwordFile, noPassword, p.GetValue(keyUri) is not null);
            var profileName = p.GetValue(profile) ?? "root-ca";
            var chosen = profileName == "edge-ca" ? CertificateProfile.EdgeCa() : CertificateProfile.FromName(profileName, p.GetValue(pathlen));
            using var signingKey = p.GetValue(keyUri) is { } uri ? SigningKey.OpenPkcs11(uri, password) : null;
            using var ca = CertificateAuthority.CreateRoot(NewCaDatabase(p, database, p.GetValue(dir)!), new CaOptions
            {
                Subject = p.GetValue(subject)!,
                KeyAlgorithm = KeyAlgorithms.Parse(p.GetValue(key) ?? "rsa4096"),
                Key = signingKey,
                KeyPassphrase = signingKey is null ? password : null,
                Profile = chosen,
                Validity = IssuanceCli.DaysToSpan(p.GetValue(days)),
                Settings = common.Read(p),
                Overwrite = p.GetValue(force),
            });
            RememberDatabase(p, database, p.GetValue(dir)!, ca);
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer => WriteCreated(writer, ca, chosen, signingKey is null && password is not null, null));
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"created {chosen.Name} '{Formats.Name(ca.Certificate.SubjectName)}' in {p.GetValue(dir)} (serial {Formats.Serial(ca.Certificate.SerialNumber)}, valid until {ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})");
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command CreateIntermediate()
    {
        var caDir = new Option<string>("--ca") { Description = "The issuing CA directory.", Required = true };
        var dir = new Option<string>("--dir") { Description = "The new intermediate CA directory.", Required = true };
        var subject = new Option<string>("--subject") { Description = "Intermediate CA subject (RFC 4514 or /K=V form).", Required = true };
        var key = new Option<string>("--key") { Description = "Key type: rsa4096 (default), rsa3072, rsa2048, ec-p384, ec-p256." };
        var pathlen = new Option<int?>("--pathlen") { Description = "basicConstraints pathLenConstraint (none by default)." };
        var profile = new Option<string>("--profile") { Description = "intermediate-ca (default) or edge-ca (R-41: pathlen 0)." };
        var days = IssuanceCli.Days("intermediate 3650, edge-ca 90");
        var common = new CaSettingsOptions();
        var passwordFile = IssuanceCli.CaPasswordFile();
        var newPasswordFile = new Option<string>("--new-password-file") { Description = "File holding the passphrase for the new CA key (default: the issuing CA's passphrase)." };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("intermediate", "Create an intermediate CA signed by an existing CA, in a new directory (with --database: its records on PostgreSQL).") { caDir, dir, subject, key, pathlen, profile, days, passwordFile, newPasswordFile, force, json };
        common.AddTo(command);
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var password = IssuanceCli.CaPassword(p, passwordFile);
            var newPassword = IssuanceCli.FromFile(p, newPasswordFile) ?? password;
            var profileName = p.GetValue(profile) ?? "intermediate-ca";
            var chosen = profileName == "edge-ca" ? CertificateProfile.EdgeCa() : CertificateProfile.FromName(profileName, p.GetValue(pathlen));
            using var parent = IssuanceCli.OpenCa(p.GetValue(caDir)!, password);
            using var ca = parent.CreateIntermediate(NewCaDatabase(p, database, p.GetValue(dir)!), new CaOptions
            {
                Subject = p.GetValue(subject)!,
                KeyAlgorithm = KeyAlgorithms.Parse(p.GetValue(key) ?? "rsa4096"),
                KeyPassphrase = newPassword,
                Profile = chosen,
                Validity = IssuanceCli.DaysToSpan(p.GetValue(days)),
                Settings = common.Read(p),
                Overwrite = p.GetValue(force),
            });
            RememberDatabase(p, database, p.GetValue(dir)!, ca);
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer => WriteCreated(writer, ca, chosen, newPassword is not null, parent));
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"created {chosen.Name} '{Formats.Name(ca.Certificate.SubjectName)}' in {p.GetValue(dir)} (serial {Formats.Serial(ca.Certificate.SerialNumber)}, signed by '{Formats.Name(parent.Certificate.SubjectName)}')");
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command CreateImport()
    {
        var from = new Option<string>("--openssl-dir") { Description = "An openssl ca directory (caCert.pem, caKey.pem, index.txt or database.txt, serial, crlnumber).", Required = true };
        var dir = new Option<string>("--dir") { Description = "The new IoTCerts CA directory.", Required = true };
        var keyPasswordFile = new Option<string>("--key-password-file") { Description = "File holding the passphrase of the OpenSSL caKey.pem, if it is encrypted." };
        var passwordFile = IssuanceCli.CaPasswordFile();
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("import", "Import an openssl ca directory made with the documented recipe; serials continue where OpenSSL stopped.") { from, dir, keyPasswordFile, passwordFile, force, json };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var password = IssuanceCli.CaPassword(p, passwordFile)
                ?? throw new CliException("missing-password", $"the imported CA key needs a passphrase: give --password-file or set {IssuanceCli.CaPasswordVariable}");
            var source = p.GetValue(from)!;
            using var key = SigningKey.LoadFile(Path.Combine(source, "caKey.pem"), IssuanceCli.FromFile(p, keyPasswordFile));
            var database = new DirectoryCaDatabase(p.GetValue(dir)!);
            database.ImportOpenSsl(source, key, password, p.GetValue(force));
            var records = database.ReadRecords();
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer => WriteImported(writer, database, source, records));
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"imported {records.Count} index entries from {source} into {database.Directory}");
            return CliApp.Ok;
        }));
        return command;
    }

    // iotcerts ca migrate: a directory CA's records move to PostgreSQL; the directory keeps the key and then names the database.
    private static Command CreateMigrate()
    {
        var from = new Option<string>("--from") { Description = "The CA directory to move (made by 'iotcerts ca init' or 'ca import', possibly also used by 'openssl ca').", Required = true };
        var force = IssuanceCli.Force();
        var json = CommonOptions.Json();
        var command = new Command("migrate", "Move a directory CA's records (every certificate, serial, revocation, renewal link, the serial and CRL counters) to PostgreSQL; the key stays in the directory, which then names the database.") { from, force, json };
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var directory = p.GetValue(from)!;
            if (File.Exists(Path.Combine(directory, DatabaseCli.ReferenceFile)))
            {
                throw new CliException("already-exists", $"'{directory}' already keeps its records on PostgreSQL ({DatabaseCli.ReferenceFile})");
            }

            using var target = database.Explicit(p, directory) ?? throw new CliException("usage", "ca migrate needs --database");
            var moved = target.MigrateFrom(new DirectoryCaDatabase(directory), p.GetValue(force));
            DatabaseCli.Remember(directory, target, p.GetValue(database.Database)!);
            var (nextSerial, nextCrl) = target.ReadCounters();
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("dir", directory);
                    writer.WriteString("database", target.Name);
                    writer.WriteNumber("records", moved);
                    writer.WriteNumber("nextSerial", nextSerial);
                    writer.WriteNumber("nextCrlNumber", nextCrl);
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"migrated {moved} records from {directory} to {target.Name} (next sequential serial {nextSerial:X2}, next crlNumber {nextCrl}); {directory} now names the database");
            return CliApp.Ok;
        }));
        return command;
    }

    // With --database the records go to PostgreSQL and the key (and CA certificate, for convenience) to the directory.
    private static ICaDatabase NewCaDatabase(ParseResult parse, DatabaseCli database, string directory)
    {
        if (parse.GetValue(database.Database) is null)
        {
            return new DirectoryCaDatabase(directory);
        }

        if (!parse.GetValue<bool>("--force") && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new CliException("already-exists", $"the directory '{directory}' already exists and is not empty (use --force to replace it)");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return database.Explicit(parse, directory)!;
    }

    private static void RememberDatabase(ParseResult parse, DatabaseCli database, string directory, CertificateAuthority ca)
    {
        if (ca.Database is IoTCerts.Issuance.PostgreSql.PostgreSqlCaDatabase postgreSql)
        {
            DatabaseCli.Remember(directory, postgreSql, parse.GetValue(database.Database)!);
            var pem = System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", ca.Certificate.RawData) + "\n";
            IoTCerts.Core.AtomicFile.TryWriteText(Path.Combine(directory, "caCert.pem"), pem, IoTCerts.Core.AtomicFile.PublicMode, overwrite: true);
        }
    }

    /// <summary>The <c>ca init|intermediate --json</c> object; the key is named by its file or token URI (PIN removed), never printed.</summary>
    private static void WriteCreated(Utf8JsonWriter json, CertificateAuthority ca, CertificateProfile profile, bool keyEncrypted, CertificateAuthority? parent)
    {
        var directory = ca.Database.Name;
        json.WriteStartObject();
        json.WritePath("dir", directory);
        json.WriteString("profile", profile.Name);
        CertificateSummary.Write(json, "certificate", ca.Certificate);
        json.WritePath("certificatePath", Path.Combine(directory, "caCert.pem"));
        json.WritePath("chainPath", parent is null ? null : Path.Combine(directory, "chain.pem"));
        json.WriteString("keyType", CertificateSummary.KeyType(ca.Certificate));
        json.WritePath("key", ca.Settings.KeyUri is null ? Path.Combine(directory, "caKey.pem") : null);
        json.WriteNullableString("keyUri", ca.Settings.KeyUri is { } uri ? IoTCerts.Core.Pkcs11Key.WithoutPin(uri) : null);
        json.WriteBoolean("keyEncrypted", ca.Settings.KeyUri is null && keyEncrypted);
        json.WriteString("serialMode", SerialMode(ca.Settings.SerialNumbers));
        if (parent is not null)
        {
            CertificateSummary.Write(json, "signedBy", parent.Certificate);
        }

        json.WriteEndObject();
    }

    private static void WriteImported(Utf8JsonWriter json, DirectoryCaDatabase database, string source, IReadOnlyList<CertificateRecord> records)
    {
        var certificatePath = Path.Combine(database.Directory, "caCert.pem");
        json.WriteStartObject();
        json.WritePath("dir", database.Directory);
        json.WritePath("source", source);
        CertificateSummary.Write(json, "certificate", IssuanceCli.LoadCertificates(certificatePath)[0]);
        json.WritePath("certificatePath", certificatePath);
        json.WritePath("key", Path.Combine(database.Directory, "caKey.pem"));
        json.WriteBoolean("keyEncrypted", true);

        // An imported openssl ca directory keeps numbering its serials where OpenSSL stopped.
        json.WriteString("serialMode", SerialMode(SerialNumberMode.Sequential));
        json.WriteStartObject("imported");
        json.WriteNumber("records", records.Count);
        json.WriteNumber("valid", records.Count(r => r.Status == CertificateStatus.Valid));
        json.WriteNumber("revoked", records.Count(r => r.Status == CertificateStatus.Revoked));
        json.WriteNumber("expired", records.Count(r => r.Status == CertificateStatus.Expired));
        json.WriteNumber("certificates", records.Count(r => File.Exists(database.CertificatePath(r.SerialNumber))));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string SerialMode(SerialNumberMode mode) => mode == SerialNumberMode.Sequential ? "sequential" : "random";

    private static string? KeyPassword(ParseResult p, Option<string> passwordFile, Option<bool> noPassword, bool tokenKey)
    {
        var password = IssuanceCli.CaPassword(p, passwordFile);
        if (password is null && !p.GetValue(noPassword) && !tokenKey)
        {
            throw new CliException("missing-password", $"the CA key needs a passphrase: give --password-file or set {IssuanceCli.CaPasswordVariable} (or --no-password for a test CA)");
        }

        return p.GetValue(noPassword) && !tokenKey ? null : password;
    }

    /// <summary>The options a CA stores for the certificates it will issue.</summary>
    private sealed class CaSettingsOptions
    {
        private readonly Option<string> crlUrl = new("--crl-url") { Description = "CRL distribution point URL put into issued certificates." };
        private readonly Option<string> aiaUrl = new("--aia-url") { Description = "authorityInfoAccess caIssuers URL put into issued certificates." };
        private readonly Option<string> ocspUrl = new("--ocsp-url") { Description = "authorityInfoAccess OCSP URL put into issued certificates." };
        private readonly Option<bool> sequential = new("--sequential-serials") { Description = "Number serials 01, 02, … as openssl ca does (default: 128 random bits)." };

        public void AddTo(Command command)
        {
            command.Add(crlUrl);
            command.Add(aiaUrl);
            command.Add(ocspUrl);
            command.Add(sequential);
        }

        public CaSettings Read(ParseResult p) => new()
        {
            CrlDistributionPoint = Url(p.GetValue(crlUrl), "--crl-url"),
            CaIssuersUrl = Url(p.GetValue(aiaUrl), "--aia-url"),
            OcspUrl = Url(p.GetValue(ocspUrl), "--ocsp-url"),
            SerialNumbers = p.GetValue(sequential) ? SerialNumberMode.Sequential : SerialNumberMode.Random,
        };

        private static Uri? Url(string? value, string option) => value is null
            ? null
            : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ldap"
                ? uri
                : throw new CliException("invalid-option", $"{option} '{value}' is not an absolute http, https or ldap URL");
    }
}
