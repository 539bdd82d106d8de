using System.Diagnostics;

namespace IoTCerts.Est.Tests;

/// <summary>What an external tool (curl, openssl) printed and returned.</summary>
internal sealed record ShellResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Out}\n{Error}";
}

/// <summary>Runs curl and openssl in a working directory, with a time bound (the machine is shared and loaded).</summary>
internal static class ShellTool
{
    public static ShellResult Run(string workingDirectory, string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish");
        }

        return new ShellResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>openssl, asserting success.</summary>
    public static string OpenSsl(string workingDirectory, params string[] arguments)
    {
        var result = Run(workingDirectory, "openssl", arguments);
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', arguments)}: {result}");
        return result.Out;
    }
}
