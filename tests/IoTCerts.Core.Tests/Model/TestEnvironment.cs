using System.Diagnostics;

namespace IoTCerts.Core.Tests.Model;

/// <summary>Locates the repository and shared data, and runs the real openssl CLI in a temporary directory.</summary>
internal static class TestEnvironment
{
    public static string RepoRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "IoTCerts.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("IoTCerts.sln not found above the test binaries");
        }
    }

    public static string SharedDirectory => Path.Combine(RepoRoot, "..", "shared");

    public static string LimboPath => Path.Combine(SharedDirectory, "conformance", "limbo", "limbo.json");
}

/// <summary>A temporary directory in which the openssl CLI is run.</summary>
internal sealed class OpenSslWorkspace : IDisposable
{
    public OpenSslWorkspace()
    {
        Directory = Path.Combine(Path.GetTempPath(), "iotcerts-model-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {error.Result}");
        }

        return output.Result;
    }

    public byte[] ReadDer(string name, string label = "CERTIFICATE")
    {
        var text = File.ReadAllText(PathOf(name));
        var fields = System.Security.Cryptography.PemEncoding.Find(text);
        Assert.Equal(label, text[fields.Label]);
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    public void Write(string name, string text) => File.WriteAllText(PathOf(name), text);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
