using System.CommandLine;

namespace IoTCerts.Cli.Infrastructure;

/// <summary>Options that mean the same in every command, declared once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object (the documented, stable shape) instead of text." };

    public static Option<string?> Password(string description) => new("--password") { Description = description + " Prefer --password-file or the IOTCERTS_PASSWORD environment variable: the command line is visible to other users." };

    public static Option<string?> PasswordFile() => new("--password-file") { Description = "A file whose first line is the passphrase." };
}
