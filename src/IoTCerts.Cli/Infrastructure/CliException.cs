namespace IoTCerts.Cli.Infrastructure;

/// <summary>
/// Bad input or usage detected by a command (not by a parser): printed as one sentence on stderr, exit code 2.
/// </summary>
internal sealed class CliException(string code, string message) : Exception(message)
{
    /// <summary>A stable kebab-case code, for example <c>missing-password</c>.</summary>
    public string Code { get; } = code;
}
