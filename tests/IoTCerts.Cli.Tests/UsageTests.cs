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
}
