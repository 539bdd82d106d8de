using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Issuance;
using IoTCerts.Issuance.PostgreSql;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>--database</c>: the CA records on PostgreSQL. The CA directory keeps the key, the CA certificate and a
/// <c>database.conf</c> naming the database (connection string without password, schema), so every command given
/// <c>--ca &lt;dir&gt;</c> finds it; an explicit <c>--database</c> overrides it. The password comes from
/// <c>--database-password-file</c> or <c>PGPASSWORD</c>, never from the command line.
/// </summary>
internal sealed class DatabaseCli
{
    public const string ReferenceFile = "database.conf";

    public Option<string> Database { get; } = new("--database")
    {
        Description = "Keep the CA records on PostgreSQL: an Npgsql connection string without password (\"Host=db;Database=ca;Username=iotcerts\"). Remembered in the CA directory.",
    };

    public Option<string> Schema { get; } = new("--database-schema") { Description = "The PostgreSQL schema of this CA (default iotcerts)." };

    public Option<string> PasswordFile { get; } = new("--database-password-file") { Description = "File holding the database password; otherwise PGPASSWORD is read. Never given on the command line." };

    public void AddTo(Command command)
    {
        command.Add(Database);
        command.Add(Schema);
        command.Add(PasswordFile);
    }

    /// <summary>The database the options name, or null for none.</summary>
    public PostgreSqlCaDatabase? Explicit(ParseResult parse, string directory) =>
        parse.GetValue(Database) is { } connection ? Open(directory, connection, parse.GetValue(Schema), parse.GetValue(PasswordFile)) : null;

    /// <summary>The CA database for a CA directory: explicit <c>--database</c>, else the directory's reference, else the directory itself.</summary>
    public ICaDatabase For(ParseResult? parse, string directory) =>
        (parse is null ? null : Explicit(parse, directory)) ?? Referenced(directory, parse?.GetValue(PasswordFile)) ?? (ICaDatabase)new DirectoryCaDatabase(directory);

    public static PostgreSqlCaDatabase? Referenced(string directory, string? passwordFile)
    {
        var path = Path.Combine(directory, ReferenceFile);
        if (!File.Exists(path))
        {
            return null;
        }

        string? connection = null;
        string? schema = null;
        foreach (var line in File.ReadAllLines(path))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || eq < 0)
            {
                continue;
            }

            var value = line[(eq + 1)..].Trim();
            switch (line[..eq].Trim())
            {
                case "connection": connection = value; break;
                case "schema": schema = value; break;
            }
        }

        return connection is null
            ? throw new CliException("ca-store-corrupt", $"'{path}' names no connection")
            : Open(directory, connection, schema, passwordFile);
    }

    /// <summary>Remembers the database in the CA directory (no password: it never reaches a file of ours).</summary>
    public static void Remember(string directory, PostgreSqlCaDatabase database, string connection)
    {
        Directory.CreateDirectory(directory);
        var text = $"# IoTCerts: this CA's records are on PostgreSQL; the key stays in this directory.\nconnection = {connection}\nschema = {database.Schema}\n";
        IoTCerts.Core.AtomicFile.TryWriteText(Path.Combine(directory, ReferenceFile), text, IoTCerts.Core.AtomicFile.SecretMode, overwrite: true);
    }

    private static PostgreSqlCaDatabase Open(string directory, string connection, string? schema, string? passwordFile)
    {
        Npgsql.NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new Npgsql.NpgsqlConnectionStringBuilder(connection);
        }
        catch (ArgumentException ex)
        {
            throw new CliException("invalid-option", $"--database is not an Npgsql connection string: {ex.Message}");
        }

        if (!string.IsNullOrEmpty(parsed.Password))
        {
            throw new CliException("secret-on-command-line", "--database must not contain a password: give --database-password-file or set PGPASSWORD");
        }

        var keyFile = Path.Combine(directory, "caKey.pem");
        return new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions
        {
            ConnectionString = connection,
            Schema = schema ?? "iotcerts",
            KeyFile = keyFile,
            PasswordFile = passwordFile,
        });
    }
}
