using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Cli;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Issue 18: long-running commands stop cleanly on SIGTERM/SIGINT, as systemd, Docker and Kubernetes stop them. The
/// server runs as its own process (<c>dotnet iotcerts.dll est serve</c>) and gets a real signal.
/// </summary>
public sealed class GracefulShutdownTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);
    private readonly TempDirectory _temp = new();
    private X509Certificate2 _bootstrap = null!;

    public Task InitializeAsync()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var init = CliApp.Run(["ca", "init", "--dir", _temp.File("ca"), "--subject", "CN=Shutdown CA", "--key", "ec-p256", "--no-password"], stdout, stderr);
        Assert.True(init == 0, stderr.ToString());
        var bootstrapRoot = TestPki.CreateRoot("Shutdown Bootstrap CA");
        TestPki.WritePem(_temp.File("bootstrap-ca.pem"), bootstrapRoot);
        _bootstrap = TestPki.CreateLeaf(bootstrapRoot, "CN=bootstrap shutdown", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        TestPki.WritePair(_bootstrap, _temp.File("bootstrap.pem"), _temp.File("bootstrap.key"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SIGTERM_during_an_enrollment_lets_it_complete_then_exits_0_within_5_s_with_the_journal_compacted()
    {
        await using var server = await EstServeProcess.StartAsync("--ca", _temp.File("ca"), "--bootstrap-ca", _temp.File("bootstrap-ca.pem"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = Encoding.ASCII.GetBytes(Convert.ToBase64String(EnrollmentRequest.Create(key, new X500DistinguishedName("CN=shutdown-device"))));
        var uri = new Uri(server.Url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ClientCertificates = [_bootstrap] });

        // The request is in flight: headers and half of the body sent when the signal comes, the rest after it.
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/pkcs10\r\nContent-Length: {body.Length}\r\n\r\n"));
        await tls.WriteAsync(body.AsMemory(0, body.Length / 2));
        await tls.FlushAsync();
        await Task.Delay(300);
        var signalled = Stopwatch.StartNew();
        server.Signal("TERM");
        await Task.Delay(300);
        await tls.WriteAsync(body.AsMemory(body.Length / 2));
        await tls.FlushAsync();
        var answer = await ReadAnswerAsync(tls);
        var exited = await server.WaitForExitAsync(Deadline - signalled.Elapsed);

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.True(exited, $"still running {signalled.Elapsed} after SIGTERM: {server.Output} {server.Error}");
        Assert.True(server.ExitCode == 0, $"exit {server.ExitCode}: {server.Error}");

        // The journal replays to the same index: the enrollment is recorded, and the close compacted it into index.txt.
        var records = new DirectoryCaDatabase(_temp.File("ca")).ReadRecords();
        var issued = Assert.Single(records, r => r.CommonName == "shutdown-device");
        Assert.Contains("\t" + issued.SerialNumber + "\t", File.ReadAllText(_temp.File("ca/index.txt")), StringComparison.Ordinal);
        Assert.Equal(records.Select(r => r.SerialNumber), new DirectoryCaDatabase(_temp.File("ca")).ReadRecords().Select(r => r.SerialNumber));
    }

    [Fact]
    public async Task SIGINT_stops_an_idle_server_with_exit_0_within_5_s()
    {
        await using var server = await EstServeProcess.StartAsync("--ca", _temp.File("ca"), "--bootstrap-ca", _temp.File("bootstrap-ca.pem"));
        var signalled = Stopwatch.StartNew();

        server.Signal("INT");

        Assert.True(await server.WaitForExitAsync(Deadline), $"still running {signalled.Elapsed} after SIGINT: {server.Error}");
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task SIGTERM_ends_renew_loop_with_exit_0_within_5_s()
    {
        await using var server = await EstServeProcess.StartAsync("--ca", _temp.File("ca"), "--bootstrap-ca", _temp.File("bootstrap-ca.pem"));
        File.WriteAllText(_temp.File("renew.json"), $$"""
            {
              "credentials": [
                {
                  "name": "identity",
                  "server": "{{server.Url}}",
                  "trust": ["ca/caCert.pem"],
                  "certificate": "live/device.pem",
                  "key": "live/device.key",
                  "bootstrapCertificate": "bootstrap.pem",
                  "bootstrapKey": "bootstrap.key",
                  "subject": "CN=loop-device",
                  "threshold": "80%",
                  "retry": "10min",
                },
              ],
            }
            """);
        await using var loop = await EstServeProcess.StartCliAsync(["renew", "--config", _temp.File("renew.json"), "--loop"], output => output.Contains("identity: new certificate", StringComparison.Ordinal));
        var signalled = Stopwatch.StartNew();

        loop.Signal("TERM");

        Assert.True(await loop.WaitForExitAsync(Deadline), $"renew --loop still running {signalled.Elapsed} after SIGTERM: {loop.Output} {loop.Error}");
        Assert.True(loop.ExitCode == 0, $"exit {loop.ExitCode}: {loop.Error}");
        Assert.NotNull(CredentialStore.LoadPair(_temp.File("live/device.pem"), _temp.File("live/device.key")));
    }

    private static async Task<string> ReadAnswerAsync(SslStream tls)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read;
        while ((read = await tls.ReadAsync(buffer, bound.Token)) > 0)
        {
            received.Write(buffer, 0, read);
            var text = Encoding.ASCII.GetString(received.ToArray());
            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headerEnd > 0 && text.Contains("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                var lengthLine = text[..headerEnd].Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (received.Length >= headerEnd + 4 + length)
                {
                    return text;
                }
            }
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
