using System.Diagnostics;
using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>
/// <c>iotcerts</c> as an operator runs it (<c>dotnet iotcerts.dll est serve …</c>, <c>renew --loop</c>) in its own process, stopped
/// with a signal. Its stdout and stderr are collected for assertions and failure messages.
/// </summary>
internal sealed class EstServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private EstServeProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The server's base URL, e.g. <c>https://127.0.0.1:40123</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    public int Id => _process.Id;

    /// <summary>Sets the URL (for servers other than <c>est serve</c>, whose banner differs).</summary>
    public EstServeProcess WithUrl(string url)
    {
        Url = url;
        return this;
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>iotcerts est serve --port 0</c> with <paramref name="arguments"/> and waits until it listens.</summary>
    public static async Task<EstServeProcess> StartAsync(params string[] arguments)
    {
        var server = await StartCliAsync(["est", "serve", "--port", "0", .. arguments], output => output.Contains("/.well-known/est/", StringComparison.Ordinal));
        var output = server.Output;
        var address = output[output.IndexOf("https://", StringComparison.Ordinal)..];
        server.Url = address[..address.IndexOf("/.well-known", StringComparison.Ordinal)];
        return server;
    }

    /// <summary>Starts <c>dotnet iotcerts.dll</c> with <paramref name="arguments"/> and waits until its stdout satisfies <paramref name="ready"/>.</summary>
    public static async Task<EstServeProcess> StartCliAsync(string[] arguments, Func<string, bool> ready)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "iotcerts.dll");
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [cli, .. arguments])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        var server = new EstServeProcess(process);
        process.OutputDataReceived += (_, e) => Append(server._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(server._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
        {
            if (ready(server.Output))
            {
                return server;
            }

            await Task.Delay(50);
        }

        var failure = $"iotcerts {string.Join(' ', arguments)} did not get ready: {server.Output} {server.Error}";
        await server.DisposeAsync();
        throw new InvalidOperationException(failure);
    }

    /// <summary>Sends a POSIX signal (TERM, INT) the way systemd, Docker or a terminal would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to end; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(bound.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }
    }
}
