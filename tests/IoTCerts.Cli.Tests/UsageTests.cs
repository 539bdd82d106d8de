using IoTCerts.Cli.Infrastructure;

namespace IoTCerts.Cli.Tests;

public sealed class UsageTests
{
    [Fact]
    public void UnknownCommandIsAUsageErrorWithExitCode2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = CliApp.Run(["no-such-command"], stdout, stderr);

        Assert.Equal(2, code);
        Assert.Contains("usage", stderr.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnUnexpectedExceptionIsOneInternalErrorLineWithExitCode3()
    {
        // A command body that fails in a way no command expects stands for a bug: the last-resort handler must
        // print one line (no stack trace) and exit 3, not let the runtime print "Unhandled exception" and exit 134.
        var command = new System.CommandLine.Command("explode");
        command.SetGuardedAction(_ => throw new InvalidOperationException("boom\nsecond line"));
        var root = new System.CommandLine.RootCommand { command };
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = root.Parse(["explode"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });

        Assert.Equal(CliApp.InternalError, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("iotcerts: error [internal-error]: InvalidOperationException: boom second line", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", stderr.ToString(), StringComparison.Ordinal);
    }
}
