using IoTCerts.Cli;

namespace IoTCerts.Issuance.Tests;

/// <summary>Runs the iotcerts CLI in-process with captured output, exactly as Program.Main does.</summary>
internal static class Cli
{
    public static ToolResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        var result = new ToolResult(code, stdout.ToString(), stderr.ToString());
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{result}");
        return result;
    }

    public static string Ok(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 0, $"iotcerts {string.Join(' ', args)}\n{result}");
        return result.Out;
    }
}
