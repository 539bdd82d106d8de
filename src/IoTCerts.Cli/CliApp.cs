using System.CommandLine;

namespace IoTCerts.Cli;

/// <summary>The <c>iotcerts</c> command tree. Exit codes: 0 ok, 1 invalid (verify), 2 bad input or usage.</summary>
internal static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for "the input was read and is invalid" (verify, check-ca).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code for bad input or usage.</summary>
    public const int BadInput = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
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
            Commands.IdentityCommand.Create(),
            Commands.PopCommand.Create(),
            Commands.ChainCommand.Create(),
            Commands.LimboCommand.Create(),
            Commands.CaCommand.Create(),
            Commands.IssueCommand.Create(),
            Commands.RevokeCommand.Create(),
            Commands.CrlCommand.Create(),
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
