using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary>Options and rules shared by the issuance commands (ca, issue, revoke, crl, csr, pkcs12, truststore).</summary>
internal static class IssuanceCli
{
    /// <summary>Environment variable holding the CA key passphrase (or token PIN).</summary>
    public const string CaPasswordVariable = "IOTCERTS_CA_PASSWORD";

    public static Option<string> CaPasswordFile() => new("--password-file")
    {
        Description = $"File holding the CA key passphrase (or token PIN); otherwise ${CaPasswordVariable} is read. Never given on the command line.",
    };

    public static Option<bool> Force() => new("--force") { Description = "Replace existing output files or CA directories." };

    public static Option<int?> Days(string what) => new("--days") { Description = $"Validity in days (default: {what})." };

    /// <summary>Runs a command body, turning <see cref="IssuanceException"/> into the CLI's one-sentence error (exit 2).</summary>
    public static T Run<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (IssuanceException ex)
        {
            throw new CliException(ex.CodeString, ex.Message);
        }
    }

    /// <summary>The CA passphrase from --password-file or the environment; null when neither is set.</summary>
    public static string? CaPassword(ParseResult parse, Option<string> passwordFile) =>
        Secrets.Resolve(null, parse.GetValue(passwordFile), useEnvironment: false) ?? Environment.GetEnvironmentVariable(CaPasswordVariable);

    /// <summary>A secret read from a file option only (key passphrases, challenge passwords).</summary>
    public static string? FromFile(ParseResult parse, Option<string> file) => Secrets.Resolve(null, parse.GetValue(file), useEnvironment: false);

    public static TimeSpan? DaysToSpan(int? days) => days switch
    {
        null => null,
        > 0 and <= 36500 => TimeSpan.FromDays(days.Value),
        _ => throw new CliException("invalid-option", $"--days {days} is out of range: use 1 to 36500"),
    };

    public static void EnsureWritable(string path, bool force)
    {
        if (!force && File.Exists(path))
        {
            throw new CliException("already-exists", $"'{path}' already exists and is not overwritten (use --force to replace it)");
        }
    }

    /// <summary>Every certificate in a file of any format the Core loader reads (PEM bundle, DER, PKCS#7, PKCS#12).</summary>
    public static List<System.Security.Cryptography.X509Certificates.X509Certificate2> LoadCertificates(string path, string? password = null)
    {
        var material = IoTCerts.Core.MaterialLoader.LoadFile(path, new IoTCerts.Core.LoadOptions { Password = password });
        if (material.Certificates.Count == 0)
        {
            throw new CliException("nothing-found", $"'{path}' holds no certificate");
        }

        return [.. material.Certificates.Select(c => c.ToX509Certificate2())];
    }

    /// <summary>Opens the CA of a directory: on the PostgreSQL database its <c>database.conf</c> names, else the directory itself.</summary>
    public static CertificateAuthority OpenCa(string directory, string? password) =>
        CertificateAuthority.Open(DatabaseCli.Referenced(directory, null) ?? (ICaDatabase)new DirectoryCaDatabase(directory), password);

    /// <summary>Opens the CA of a directory, on the database <c>--database</c> names when given (see <see cref="DatabaseCli"/>).</summary>
    public static CertificateAuthority OpenCa(ParseResult parse, DatabaseCli database, string directory, string? password) =>
        CertificateAuthority.Open(database.For(parse, directory), password);
}
