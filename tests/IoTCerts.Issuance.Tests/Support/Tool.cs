using System.Diagnostics;

namespace IoTCerts.Issuance.Tests;

/// <summary>Runs a real external tool (openssl, keytool, java, softhsm2-util, pkcs11-tool, dotnet) and captures its output.</summary>
internal static class Tool
{
    public static ToolResult Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null, string? stdin = null, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{fileName} did not start");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in {timeoutMs} ms");
        }

        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static ToolResult OpenSsl(string workingDirectory, params string[] arguments) => Run("openssl", arguments, workingDirectory);

    /// <summary>Runs openssl and fails the test with its stderr when it does not exit 0.</summary>
    public static string OpenSslOk(string workingDirectory, params string[] arguments)
    {
        var result = OpenSsl(workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, $"openssl {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Out}\n{result.Error}");
        return result.Out;
    }
}

internal sealed record ToolResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";

    public ToolResult EnsureOk()
    {
        Assert.True(ExitCode == 0, ToString());
        return this;
    }
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("iotcerts-issuance-").FullName;

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}

/// <summary>Paths of the repository (the directory holding IoTCerts.sln).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "IoTCerts.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("IoTCerts.sln not found above the test directory");
    }
}
