namespace IoTCerts.Cli.Infrastructure;

/// <summary>
/// Reads passphrases from a file or an environment variable, so they need not appear on the command line
/// (where other users can read them in the process list).
/// </summary>
internal static class Secrets
{
    /// <summary>Environment variable read when no passphrase option is given.</summary>
    public const string PasswordVariable = "IOTCERTS_PASSWORD";

    public static string? Resolve(string? password, string? passwordFile, bool useEnvironment = true)
    {
        if (password is not null && passwordFile is not null)
        {
            throw new CliException("usage", "give either --password or --password-file, not both");
        }

        if (passwordFile is not null)
        {
            if (!File.Exists(passwordFile))
            {
                throw new CliException("file-not-found", $"the password file '{passwordFile}' does not exist");
            }

            // A password file holds one line; a trailing newline is not part of the passphrase.
            var text = File.ReadAllText(passwordFile);
            return text.TrimEnd('\r', '\n');
        }

        if (password is not null)
        {
            return password;
        }

        return useEnvironment ? Environment.GetEnvironmentVariable(PasswordVariable) : null;
    }
}
