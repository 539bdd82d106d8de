namespace IoTCerts.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, exactly as Program.Main does.</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        var result = new CliResult(code, stdout.ToString(), stderr.ToString());
        // Exit 3 is a bug in iotcerts (an exception no command expected): any test that provokes it fails.
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{result}");
        return result;
    }
}

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}
