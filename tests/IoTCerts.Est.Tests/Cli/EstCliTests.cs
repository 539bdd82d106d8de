using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Tests;

/// <summary>
/// <c>iotcerts est serve</c> runs (in-process, stopped by cancellation like Ctrl+C) on 127.0.0.1 with a CA made by <c>iotcerts ca init</c>;
/// the client commands and <c>iotcerts renew</c> run in-process against it over TLS.
/// </summary>
public sealed class EstCliTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _serverOut = new();
    private readonly StringWriter _serverError = new();
    private Task<int>? _serving;
    private string _url = null!;

    private string CaCertificate => _temp.File(Path.Combine("ca", "caCert.pem"));

    public async Task InitializeAsync()
    {
        var init = Run("ca", "init", "--dir", _temp.File("ca"), "--subject", "CN=CLI EST Root", "--key", "ec-p256", "--no-password");
        Assert.True(init.ExitCode == 0, init.ToString());
        var bootstrapRoot = TestPki.CreateRoot("CLI Bootstrap CA");
        TestPki.WritePem(_temp.File("bootstrap-ca.pem"), bootstrapRoot);
        TestPki.WritePair(TestPki.CreateLeaf(bootstrapRoot, "CN=cli bootstrap", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)), _temp.File("bootstrap.pem"), _temp.File("bootstrap.key"));

        (_serving, _url) = await StartServeAsync(_serverOut, _serverError, _stop.Token);
    }

    // The serve command runs in-process until cancelled, exactly as Program.Main would run it until Ctrl+C.
    private async Task<(Task<int> Serving, string Url)> StartServeAsync(StringWriter output, StringWriter error, CancellationToken stop)
    {
        var parse = CliApp.BuildRoot().Parse(["est", "serve", "--ca", _temp.File("ca"), "--port", "0", "--bootstrap-ca", _temp.File("bootstrap-ca.pem")]);
        Assert.Empty(parse.Errors);
        var serving = Task.Run(() => parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, stop));
        string line = string.Empty;
        for (var i = 0; i < 600 && !line.Contains("listening on", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            Assert.False(serving.IsCompleted, $"serve ended: {output} {error}");
            line = output.ToString();
        }

        Assert.True(line.Contains("listening on https://127.0.0.1:", StringComparison.Ordinal), $"server did not start: {line} {error}");
        var address = line[line.IndexOf("https://", StringComparison.Ordinal)..].Trim();
        return (serving, address[..address.IndexOf("/.well-known", StringComparison.Ordinal)]);
    }

    private static async Task<X509Certificate2> PresentedCertificateAsync(string url)
    {
        var uri = new Uri(url);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        X509Certificate2? presented = null;
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            presented = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            return true;
        });
        await tls.AuthenticateAsClientAsync("localhost");
        return presented!;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        if (_serving is not null)
        {
            Assert.Equal(0, await _serving.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        _stop.Dispose();
        _temp.Dispose();
    }

    private static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // Off the xunit synchronization context: the CLI blocks on async commands, whose continuations must not queue behind it.
        var code = Task.Run(() => CliApp.Run(args, stdout, stderr)).WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string[] Client(params string[] args) => [.. args, "--server", _url, "--trust", CaCertificate];

    [Fact]
    public async Task ARestartedServerKeepsItsTlsCertificateAndItsCommonName()
    {
        var first = await PresentedCertificateAsync(_url);
        using var stop = new CancellationTokenSource();
        var (serving, url) = await StartServeAsync(new StringWriter(), new StringWriter(), stop.Token);
        try
        {
            var second = await PresentedCertificateAsync(url);
            Assert.Equal("CN=iotcerts est serve", first.Subject);
            Assert.Equal(first.RawData, second.RawData);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        // One valid server certificate in the CA; when it is about to expire or the names change it is renewed in place.
        var records = new DirectoryCaDatabase(_temp.File("ca")).ReadRecords();
        Assert.Single(records, r => r.CommonName == "iotcerts est serve");
        using var authority = CertificateAuthority.Open(new DirectoryCaDatabase(_temp.File("ca")), null);
        var (moved, _) = IoTCerts.Cli.Commands.EstServeCommand.CaIssuedServerCertificate(authority, _temp.File("ca"), ["DNS:localhost", "IP:127.0.0.1", "IP:127.0.0.2"]);
        Assert.Equal("CN=iotcerts est serve", moved.Subject);
        Assert.NotEqual(first.SerialNumber, moved.SerialNumber);
        var renewal = Assert.Single(new DirectoryCaDatabase(_temp.File("ca")).ReadRecords(), r => r.SerialNumber == moved.SerialNumber);
        Assert.Equal(first.SerialNumber, renewal.Renews);
    }

    [Fact]
    public void CaCertsCsrAttrsEnrollReenrollAndRekey()
    {
        var cacerts = Run(Client("est", "cacerts", "--out", _temp.File("cacerts")));
        Assert.True(cacerts.ExitCode == 0, cacerts.ToString());
        Assert.Contains("CN=CLI EST Root", cacerts.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(_temp.File(Path.Combine("cacerts", "cacerts.pem"))));

        var attributes = Run(Client("est", "csrattrs"));
        Assert.Equal(0, attributes.ExitCode);
        Assert.Contains("no CSR attributes", attributes.Out, StringComparison.Ordinal);

        var enroll = Run(Client("est", "enroll", "--cert", _temp.File("bootstrap.pem"), "--key", _temp.File("bootstrap.key"), "--subject", "CN=cli-device-1", "--san", "DNS:cli-device-1.example", "--out", _temp.File("id")));
        Assert.True(enroll.ExitCode == 0, enroll.ToString());
        var identity = CredentialStore.LoadPair(_temp.File("id/cert.pem"), _temp.File("id/key.pem"));
        Assert.NotNull(identity);
        Assert.Equal("CN=cli-device-1", identity.Certificate.Subject);

        var renew = Run(Client("est", "reenroll", "--cert", _temp.File("id/cert.pem"), "--key", _temp.File("id/key.pem"), "--out", _temp.File("renewed")));
        Assert.True(renew.ExitCode == 0, renew.ToString());
        var renewed = CredentialStore.LoadPair(_temp.File("renewed/cert.pem"), _temp.File("renewed/key.pem"))!;
        Assert.Equal(identity.Certificate.GetPublicKeyString(), renewed.Certificate.GetPublicKeyString());
        Assert.Equal(EnrollmentRequest.FindSubjectAltName(identity.Certificate)!.RawData, EnrollmentRequest.FindSubjectAltName(renewed.Certificate)!.RawData);

        var rekey = Run(Client("est", "reenroll", "--cert", _temp.File("renewed/cert.pem"), "--key", _temp.File("renewed/key.pem"), "--rekey", "--out", _temp.File("rekeyed")));
        Assert.True(rekey.ExitCode == 0, rekey.ToString());
        var rekeyed = CredentialStore.LoadPair(_temp.File("rekeyed/cert.pem"), _temp.File("rekeyed/key.pem"))!;
        Assert.NotEqual(renewed.Certificate.GetPublicKeyString(), rekeyed.Certificate.GetPublicKeyString());
    }

    [Fact]
    public void ServerKeyGenAndRefusals()
    {
        var generated = Run(Client("est", "serverkeygen", "--cert", _temp.File("bootstrap.pem"), "--key", _temp.File("bootstrap.key"), "--subject", "CN=cli-keygen", "--out", _temp.File("keygen")));
        Assert.True(generated.ExitCode == 0, generated.ToString());
        Assert.NotNull(CredentialStore.LoadPair(_temp.File("keygen/cert.pem"), _temp.File("keygen/key.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_temp.File("keygen/key.pem")));
        }

        var anonymous = Run(Client("est", "enroll", "--subject", "CN=cli-anonymous", "--out", _temp.File("anon")));
        Assert.Equal(2, anonymous.ExitCode);
        Assert.Contains("[unauthorized]", anonymous.Error, StringComparison.Ordinal);
        Assert.Contains("401", anonymous.Error, StringComparison.Ordinal);

        var untrusted = Run("est", "cacerts", "--server", _url, "--trust", _temp.File("bootstrap-ca.pem"), "--out", _temp.File("x"));
        Assert.Equal(2, untrusted.ExitCode);
        Assert.Contains("[untrusted-server]", untrusted.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RenewEnrollsWithTheBootstrapThenReportsNotDue()
    {
        File.WriteAllText(_temp.File("renew.json"), $$"""
            {
              // paths are relative to this file
              "credentials": [
                {
                  "name": "identity",
                  "server": "{{_url}}",
                  "trust": ["ca/caCert.pem"],
                  "certificate": "live/device.pem",
                  "key": "live/device.key",
                  "bootstrapCertificate": "bootstrap.pem",
                  "bootstrapKey": "bootstrap.key",
                  "subject": "CN=cli-renew-device",
                  "threshold": "80%",
                  "retry": "10min",
                  "caCertificatesOut": "live/est-ca.pem",
                  "caCheck": "12h",
                },
              ],
            }
            """);

        var first = Run("renew", "--config", _temp.File("renew.json"));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("identity: renewed", first.Out, StringComparison.Ordinal);
        Assert.Equal("CN=cli-renew-device", CredentialStore.LoadPair(_temp.File("live/device.pem"), _temp.File("live/device.key"))!.Certificate.Subject);
        Assert.True(File.Exists(_temp.File("live/est-ca.pem")));

        var second = Run("renew", "--config", _temp.File("renew.json"));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("identity: not due", second.Out, StringComparison.Ordinal);
        // The message names the scheduled renewal (80 % of the lifetime), not the next /cacerts check.
        var renewalAt = DateTimeOffset.Parse(second.Out[(second.Out.IndexOf("renewal at ", StringComparison.Ordinal) + 11)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(renewalAt > DateTimeOffset.UtcNow.AddDays(30), second.Out);

        File.WriteAllText(_temp.File("percent.json"), """{ "credentials": [ { "name": "x", "server": "https://127.0.0.1:1", "trust": ["ca/caCert.pem"], "certificate": "a", "key": "b", "caCheck": "50%" } ] }""");
        var percent = Run("renew", "--config", _temp.File("percent.json"));
        Assert.Equal(2, percent.ExitCode);
        Assert.Contains("\"caCheck\" must be a time", percent.Error, StringComparison.Ordinal);

        File.WriteAllText(_temp.File("bad.json"), """{ "credentials": [ { "name": "x", "server": "https://127.0.0.1:1", "trust": ["ca/caCert.pem"], "certificate": "a", "key": "b", "threshold": "4years" } ] }""");
        var bad = Run("renew", "--config", _temp.File("bad.json"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown unit", bad.Error, StringComparison.Ordinal);

        File.WriteAllText(_temp.File("typo.json"), """{ "credentials": [ { "name": "x", "sever": "https://127.0.0.1:1" } ] }""");
        Assert.Contains("[invalid-config]", Run("renew", "--config", _temp.File("typo.json")).Error, StringComparison.Ordinal);
    }
}
