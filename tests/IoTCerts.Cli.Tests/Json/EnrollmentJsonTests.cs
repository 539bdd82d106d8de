using System.CommandLine;
using System.Text.Json;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// <c>--json</c> of the EST client commands and <c>renew</c> against <c>iotcerts est serve --json</c> running in-process
/// (stopped by cancellation, like Ctrl+C) on a CA made by <c>iotcerts ca init</c>; the bootstrap identity is issued by
/// a second CLI-made CA. Facts are checked with the openssl CLI.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class EnrollmentJsonTests(OpenSslFixtures files) : IAsyncLifetime
{
    private readonly string _dir = files.PathOf("est-json-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _serverOut = new();
    private readonly StringWriter _serverError = new();
    private Task<int>? _serving;
    private string _url = null!;
    private JsonElement _listening;

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string CaCertificate => PathOf("ca/caCert.pem");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        Assert.Equal(0, Run("ca", "init", "--dir", PathOf("ca"), "--subject", "CN=Json EST Root", "--key", "ec-p256", "--no-password").ExitCode);
        Assert.Equal(0, Run("ca", "init", "--dir", PathOf("bootstrap-ca"), "--subject", "CN=Json Bootstrap CA", "--key", "ec-p256", "--no-password").ExitCode);
        Assert.Equal(0, Run("issue", "--ca", PathOf("bootstrap-ca"), "--subject", "CN=json bootstrap", "--key-out", PathOf("bootstrap.key"), "--out", PathOf("bootstrap.pem")).ExitCode);

        var parse = CliApp.BuildRoot().Parse(["est", "serve", "--ca", PathOf("ca"), "--port", "0", "--bootstrap-ca", PathOf("bootstrap-ca/caCert.pem"), "--json"]);
        Assert.Empty(parse.Errors);
        _serving = Task.Run(() => parse.InvokeAsync(new InvocationConfiguration { Output = _serverOut, Error = _serverError, EnableDefaultExceptionHandler = false }, _stop.Token));
        for (var i = 0; i < 600 && !_serverOut.ToString().Contains('\n', StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            Assert.False(_serving.IsCompleted, $"serve ended: {_serverOut} {_serverError}");
        }

        using var line = JsonDocument.Parse(_serverOut.ToString());
        _listening = line.RootElement.Clone();
        _url = _listening.GetProperty("server").GetString()!;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        if (_serving is not null)
        {
            Assert.Equal(0, await _serving.WaitAsync(TimeSpan.FromSeconds(30)));
        }

        _stop.Dispose();
    }

    private static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        // Off the xunit synchronization context: the CLI blocks on async commands, whose continuations must not queue behind it.
        var code = Task.Run(() => CliApp.Run(args, stdout, stderr)).WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{stderr}");
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    private string[] Client(params string[] args) => [.. args, "--server", _url, "--trust", CaCertificate, "--json"];

    [Fact]
    public void ServePrintsOneJsonLineNamingItsCa()
    {
        var output = _serverOut.ToString();
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("https://127.0.0.1:", _url, StringComparison.Ordinal);
        Assert.Equal(_url + "/.well-known/est/", _listening.GetProperty("listening").GetString());
        JsonAssert.SummaryMatchesOpenSsl(_listening.GetProperty("ca"), CaCertificate, files);
    }

    [Fact]
    public void CaCertsAndCsrAttrs()
    {
        var cacerts = JsonAssert.Success(Run(Client("est", "cacerts", "--out", PathOf("cacerts"))));

        Assert.Equal(_url, cacerts.GetProperty("server").GetString());
        var written = cacerts.GetProperty("out").GetString()!;
        Assert.Equal(Path.GetFullPath(PathOf("cacerts/cacerts.pem")), written);
        Assert.Equal(File.ReadAllText(written).Split("BEGIN CERTIFICATE").Length - 1, cacerts.GetProperty("certificateCount").GetInt32());
        JsonAssert.SummaryMatchesOpenSsl(cacerts.GetProperty("certificates")[0], CaCertificate, files);

        var attributes = JsonAssert.Success(Run(Client("est", "csrattrs")));
        Assert.Equal(_url, attributes.GetProperty("server").GetString());
        Assert.Equal(JsonValueKind.Array, attributes.GetProperty("attributes").ValueKind);
        Assert.Equal(0, attributes.GetProperty("attributes").GetArrayLength());
        Assert.False(attributes.GetProperty("requestsChallengePassword").GetBoolean());
    }

    [Fact]
    public void EnrollReenrollAndServerKeyGen()
    {
        var enrolled = JsonAssert.Success(Run(Client("est", "enroll", "--cert", PathOf("bootstrap.pem"), "--key", PathOf("bootstrap.key"), "--subject", "CN=json-est-1", "--key-type", "ec-p384", "--out", PathOf("id"))));

        Assert.Equal("enroll", enrolled.GetProperty("operation").GetString());
        Assert.Equal("issued", enrolled.GetProperty("status").GetString());
        var certificatePath = enrolled.GetProperty("certificatePath").GetString()!;
        var keyPath = enrolled.GetProperty("keyPath").GetString()!;
        Assert.Equal(Path.GetFullPath(PathOf("id/cert.pem")), certificatePath);
        Assert.Equal(Path.GetFullPath(PathOf("id/key.pem")), keyPath);
        JsonAssert.SummaryMatchesOpenSsl(enrolled.GetProperty("certificate"), certificatePath, files);
        Assert.Equal("CN=json-est-1", enrolled.GetProperty("certificate").GetProperty("subject").GetString());
        Assert.Equal("CN=Json EST Root", enrolled.GetProperty("certificate").GetProperty("issuer").GetString());
        Assert.Equal("ec-p384", enrolled.GetProperty("keyType").GetString());
        Assert.Contains("NIST CURVE: P-384", files.OpenSsl($"x509 -in {certificatePath} -noout -text"));
        Assert.Equal(files.OpenSsl($"x509 -in {certificatePath} -noout -pubkey"), files.OpenSsl($"pkey -in {keyPath} -pubout"));
        Assert.False(enrolled.TryGetProperty("keyRotated", out _));
        Assert.DoesNotContain("PRIVATE KEY", enrolled.GetRawText());

        var rekeyed = JsonAssert.Success(Run(Client("est", "reenroll", "--cert", certificatePath, "--key", keyPath, "--rekey", "--out", PathOf("rekeyed"))));
        Assert.Equal("reenroll", rekeyed.GetProperty("operation").GetString());
        Assert.True(rekeyed.GetProperty("keyRotated").GetBoolean());
        var renewedPath = rekeyed.GetProperty("certificatePath").GetString()!;
        JsonAssert.SummaryMatchesOpenSsl(rekeyed.GetProperty("certificate"), renewedPath, files);
        Assert.NotEqual(enrolled.GetProperty("certificate").GetProperty("serial").GetString(), rekeyed.GetProperty("certificate").GetProperty("serial").GetString());
        Assert.NotEqual(files.OpenSsl($"x509 -in {certificatePath} -noout -pubkey"), files.OpenSsl($"x509 -in {renewedPath} -noout -pubkey"));

        var generated = JsonAssert.Success(Run(Client("est", "serverkeygen", "--cert", PathOf("bootstrap.pem"), "--key", PathOf("bootstrap.key"), "--subject", "CN=json-keygen", "--out", PathOf("keygen"))));
        Assert.Equal("serverkeygen", generated.GetProperty("operation").GetString());
        var generatedPath = generated.GetProperty("certificatePath").GetString()!;
        JsonAssert.SummaryMatchesOpenSsl(generated.GetProperty("certificate"), generatedPath, files);
        Assert.Equal(files.OpenSsl($"x509 -in {generatedPath} -noout -pubkey"), files.OpenSsl($"pkey -in {generated.GetProperty("keyPath").GetString()} -pubout"));
    }

    [Fact]
    public void RenewPrintsOneObjectPerRunWithEachCredentialsOutcome()
    {
        File.WriteAllText(PathOf("renew.json"), $$"""
            {
              "credentials": [
                {
                  "name": "identity",
                  "server": "{{_url}}",
                  "trust": ["ca/caCert.pem"],
                  "certificate": "live/device.pem",
                  "key": "live/device.key",
                  "bootstrapCertificate": "bootstrap.pem",
                  "bootstrapKey": "bootstrap.key",
                  "subject": "CN=json-renew-device",
                  "caCheck": "off"
                }
              ]
            }
            """);

        var first = JsonAssert.Success(Run("renew", "--config", PathOf("renew.json"), "--json"));
        var entry = Assert.Single(first.GetProperty("credentials").EnumerateArray());
        Assert.Equal("identity", entry.GetProperty("name").GetString());
        Assert.Equal("renewed", entry.GetProperty("outcome").GetString());
        JsonAssert.SummaryMatchesOpenSsl(entry.GetProperty("certificate"), PathOf("live/device.pem"), files);
        Assert.Equal(JsonAssert.OpenSslFacts(PathOf("live/device.pem"), files)["notAfter"], entry.GetProperty("notAfter").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("error").ValueKind);
        var nextCheck = DateTimeOffset.Parse(entry.GetProperty("nextCheck").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(nextCheck > DateTimeOffset.UtcNow.AddDays(1), entry.GetRawText());

        var second = JsonAssert.Success(Run("renew", "--config", PathOf("renew.json"), "--json"));
        var notDue = Assert.Single(second.GetProperty("credentials").EnumerateArray());
        Assert.Equal("not-due", notDue.GetProperty("outcome").GetString());
        Assert.Equal(entry.GetProperty("certificate").GetProperty("sha256").GetString(), notDue.GetProperty("certificate").GetProperty("sha256").GetString());
        Assert.NotEqual(JsonValueKind.Null, notDue.GetProperty("scheduledRenewal").ValueKind);

        // A credential whose server is down: the pass still prints one object, the failure is a verdict (exit 1).
        File.WriteAllText(PathOf("down.json"), """
            { "credentials": [ { "name": "down", "server": "https://127.0.0.1:1", "trust": ["ca/caCert.pem"], "certificate": "down/device.pem",
                                 "key": "down/device.key", "bootstrapCertificate": "bootstrap.pem", "bootstrapKey": "bootstrap.key",
                                 "subject": "CN=json-down", "caCheck": "off" } ] }
            """);
        var down = JsonAssert.Verdict(Run("renew", "--config", PathOf("down.json"), "--json"), 1);
        var failed = Assert.Single(down.GetProperty("credentials").EnumerateArray());
        Assert.Equal("failed", failed.GetProperty("outcome").GetString());
        Assert.False(string.IsNullOrWhiteSpace(failed.GetProperty("error").GetString()));
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("certificate").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("notAfter").ValueKind);
    }

    [Fact]
    public async Task RenewLoopPrintsOneLinePerPassUntilStopped()
    {
        File.WriteAllText(PathOf("loop.json"), $$"""
            { "credentials": [ { "name": "looped", "server": "{{_url}}", "trust": ["ca/caCert.pem"], "certificate": "loop/device.pem",
                                 "key": "loop/device.key", "bootstrapCertificate": "bootstrap.pem", "bootstrapKey": "bootstrap.key",
                                 "subject": "CN=json-loop", "caCheck": "off" } ] }
            """);
        var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var parse = CliApp.BuildRoot().Parse(["renew", "--config", PathOf("loop.json"), "--loop", "--json"]);
        var running = Task.Run(() => parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter(), EnableDefaultExceptionHandler = false }, stop.Token));
        for (var i = 0; i < 600 && !output.ToString().Contains('\n', StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        stop.Cancel();
        Assert.Equal(0, await running.WaitAsync(TimeSpan.FromSeconds(30)));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var pass = JsonDocument.Parse(lines[0]);
        var entry = Assert.Single(pass.RootElement.GetProperty("credentials").EnumerateArray());
        Assert.Equal("looped", entry.GetProperty("name").GetString());
        Assert.Equal("renewed", entry.GetProperty("outcome").GetString());
        JsonAssert.SummaryMatchesOpenSsl(entry.GetProperty("certificate"), PathOf("loop/device.pem"), files);
    }

    [Fact]
    public void BadInputWithJsonIsExit2NothingOnStdoutAndOneErrorLine()
    {
        JsonAssert.BadInput(Run("est", "cacerts", "--server", "not a url", "--out", PathOf("x"), "--json"), "usage");
        JsonAssert.BadInput(Run("est", "cacerts", "--server", _url, "--trust", PathOf("bootstrap-ca/caCert.pem"), "--out", PathOf("x"), "--json"), "untrusted-server");
        JsonAssert.BadInput(Run("est", "enroll", "--server", _url, "--trust", CaCertificate, "--subject", "CN=anonymous", "--out", PathOf("anon"), "--json"), "unauthorized");
        JsonAssert.BadInput(Run("renew", "--config", PathOf("missing.json"), "--json"), "file-not-found");
    }
}
