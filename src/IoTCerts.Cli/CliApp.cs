using System.CommandLine;

namespace IoTCerts.Cli;

/// <summary>The <c>iotcerts</c> command tree. Exit codes: 0 ok, 1 invalid (verify), 2 bad input or usage, 3 internal error (a bug).</summary>
internal static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for "the input was read and is invalid" (verify, check-ca).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code for bad input or usage.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// Exit code for an exception no command expected: a bug in iotcerts, never a property of the input. The last-resort
    /// handler prints one line instead of the runtime's stack trace and exit 134; the test suites fail on this code.
    /// </summary>
    public const int InternalError = 3;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            // JKS keystores and Ed25519/Ed448 everywhere the CLI reads, verifies or writes (issue 19).
            BouncyCastle.IoTCertsBouncyCastle.Register();
            return RunCore(args, stdout, stderr);
        }
        catch (Exception ex)
        {
            return ReportInternalError(ex, stderr);
        }
    }

    /// <summary>Writes the one-line <c>internal-error</c> message (type and message, no stack trace) and returns <see cref="InternalError"/>.</summary>
    internal static int ReportInternalError(Exception ex, TextWriter stderr)
    {
        var message = string.Join(' ', ex.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        try
        {
            stderr.WriteLine($"iotcerts: error [internal-error]: {ex.GetType().Name}: {message} (a bug in iotcerts; please report it with the input)");
        }
        catch (Exception)
        {
            // Nothing left to report to (stderr closed); the exit code still tells.
        }

        return InternalError;
    }

    private static int RunCore(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"iotcerts: usage: {error.Message}");
            }

            stderr.WriteLine("Run 'iotcerts --help' for usage.");
            return BadInput;
        }

        // Long-running commands handle SIGTERM/SIGINT themselves (ShutdownSignal) and stop cleanly; System.CommandLine's
        // own handler would race them and end the process after its fixed timeout.
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("iotcerts: an IoT fleet's X.509 certificates, from creation to connection.");

        // One file per command (group) under Commands/, each exposing `internal static Command Create()`.
        // Keep this list in the order of `iotcerts --help`.
        Command[] commands =
        [
            Commands.InspectCommand.Create(),
            Commands.ConvertCommand.Create(),
            Commands.VerifyCommand.Create(),
            Commands.CheckCaCommand.Create(),
            Commands.CheckCaCommand.CreateCheckCert(),
            Commands.IdentityCommand.Create(),
            Commands.PopCommand.Create(),
            Commands.ChainCommand.Create(),
            Commands.LimboCommand.Create(),
            Commands.CaCommand.Create(),
            Commands.IssueCommand.Create(),
            Commands.RevokeCommand.Create(),
            Commands.CrlCommand.Create(),
            Commands.OcspCommand.Create(),
            Commands.CsrCommand.Create(),
            Commands.Pkcs12Command.Create(),
            Commands.TruststoreCommand.Create(),
            Commands.EstCommand.Create(),
            Commands.RenewCommand.Create(),
            Commands.MqttCommand.Create(),
            Commands.C8yCommand.Create(),
        ];
        foreach (var command in commands)
        {
            root.Add(command);
        }

        return root;
    }
}
