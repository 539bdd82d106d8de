using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>The agent as an operator runs it: `dotnet DeviceAgent.dll --contentRoot folder`, stopped with SIGTERM.</summary>
public sealed class ProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AgentScenario _scenario = null!;

    public async Task InitializeAsync() => _scenario = await AgentScenario.CreateAsync();

    public async Task DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public async Task A_bad_configuration_exits_with_code_2_and_names_the_key_and_the_file()
    {
        JsonObject settings = _scenario.Settings("generic", 8883, "CN=process-device");
        settings["DeviceAgent"]!["Mqtt"]!["TrustFile"] = "no-such-root.pem";
        _scenario.WriteSettings(settings);

        (int exitCode, string stdout, string stderr) = await RunAsync(process => Task.CompletedTask);

        Assert.Equal(2, exitCode);
        Assert.Contains("device-agent: invalid configuration", stderr, StringComparison.Ordinal);
        Assert.Contains($"  - DeviceAgent:Mqtt:TrustFile: the file '{Path.Combine(_scenario.ContentRoot, "no-such-root.pem")}' does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_while_the_est_server_is_unreachable_stops_the_agent_cleanly_with_code_0()
    {
        // Nothing listens on the EST port: the agent keeps retrying the enrollment and waits for an identity.
        _scenario.WriteSettings(_scenario.Settings("generic", AgentBroker.FreePort(), "CN=process-device"));
        var stopped = Stopwatch.StartNew();

        (int exitCode, string stdout, string stderr) = await RunAsync(async process =>
        {
            await WaitForAsync(process, "No usable device identity yet", TimeSpan.FromSeconds(30));
            stopped.Restart();
            Assert.Equal(0, Kill(process.Id, 15));
        });
        stopped.Stop();

        output.WriteLine($"stopped {stopped.ElapsedMilliseconds} ms after SIGTERM");
        Assert.Equal(0, exitCode);
        Assert.InRange(stopped.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Contains("Device agent stopped after 0 measurement(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("Application is shutting down", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", stdout + stderr, StringComparison.Ordinal);
    }

    private readonly StringBuilder _stdout = new();

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Func<Process, Task> whileRunning)
    {
        string agent = AgentAssembly();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("dotnet", [agent, "--contentRoot", _scenario.ContentRoot])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["Logging__Console__FormatterName"] = "simple", ["DOTNET_ENVIRONMENT"] = "Production" },
            },
        };
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await whileRunning(process);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(bound.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        process.WaitForExit();
        string stdout;
        lock (_stdout)
        {
            stdout = _stdout.ToString();
        }

        output.WriteLine(stdout);
        output.WriteLine(stderr.ToString());
        return (process.ExitCode, stdout, stderr.ToString());
    }

    private async Task WaitForAsync(Process process, string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout && !process.HasExited)
        {
            lock (_stdout)
            {
                if (_stdout.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the agent did not log '{text}' within {timeout}");
    }

    /// <summary>
    /// The agent in its own output folder (samples/DeviceAgent/bin/&lt;configuration&gt;/net10.0): the copy next to the tests
    /// lacks the Microsoft.Extensions assemblies, which the tests take from the ASP.NET Core framework instead.
    /// </summary>
    private static string AgentAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        DirectoryInfo? root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "IoTCerts.sln")))
        {
            root = root.Parent;
        }

        string agent = Path.Combine(root?.FullName ?? throw new InvalidOperationException("IoTCerts.sln not found above the test binaries"), "samples", "DeviceAgent", "bin", configuration, framework, "DeviceAgent.dll");
        return File.Exists(agent) ? agent : throw new FileNotFoundException("build samples/DeviceAgent first", agent);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
