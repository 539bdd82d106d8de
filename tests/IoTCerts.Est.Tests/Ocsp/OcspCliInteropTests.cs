using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IoTCerts.Cli;

namespace IoTCerts.Est.Tests.Ocsp;

/// <summary>
/// OCSP with real peers (issue #19): <c>openssl ocsp</c> against <c>iotcerts ocsp serve</c> (good, then revoked with the
/// reason after <c>iotcerts revoke</c>, CA-signed and with a delegated responder), and <c>iotcerts verify --ocsp</c> /
/// <c>ocsp query</c> against openssl's own responder, run in a private network namespace because it listens on every
/// interface.
/// </summary>
public sealed class OcspCliInteropTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Task.Run(() => CliApp.Run(args, stdout, stderr)).WaitAsync(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        Assert.True(code != CliApp.InternalError, $"iotcerts {string.Join(' ', args)} hit the internal-error handler\n{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<EstServeProcess> ServeAsync(params string[] arguments)
    {
        var server = await EstServeProcess.StartCliAsync(["ocsp", "serve", "--port", "0", .. arguments], output => output.Contains("listening on", StringComparison.Ordinal));
        var output = server.Output;
        var start = output.IndexOf("http://", StringComparison.Ordinal);
        return server.WithUrl(output[start..].Trim());
    }

    private ShellResult OpenSslOcsp(string url, string certificate) =>
        ShellTool.Run(_temp.Path, "openssl", "ocsp", "-issuer", "ca/caCert.pem", "-cert", certificate, "-url", url, "-CAfile", "ca/caCert.pem");

    [Fact]
    public async Task Openssl_ocsp_reports_good_then_revoked_with_the_reason_after_iotcerts_revoke()
    {
        Assert.Equal(0, Run("ca", "init", "--dir", _temp.File("ca"), "--subject", "CN=OCSP CLI Root", "--key", "ec-p256", "--no-password").ExitCode);
        Assert.Equal(0, Run("issue", "--ca", _temp.File("ca"), "--subject", "CN=ocsp-device", "--key-out", _temp.File("device.key"), "--out", _temp.File("device.pem")).ExitCode);
        await using var server = await ServeAsync("--ca", _temp.File("ca"));

        var good = OpenSslOcsp(server.Url, "device.pem");
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("Response verify OK", good.Error, StringComparison.Ordinal);
        Assert.Contains("device.pem: good", good.Out, StringComparison.Ordinal);

        var serial = ShellTool.OpenSsl(_temp.Path, "x509", "-in", "device.pem", "-noout", "-serial").Trim().Split('=')[1];
        Assert.Equal(0, Run("revoke", "--ca", _temp.File("ca"), "--serial", serial, "--reason", "keyCompromise").ExitCode);

        // The responder re-reads the CA index at most every second (another process revoked).
        ShellResult revoked = good;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(15) && !revoked.Out.Contains("revoked", StringComparison.Ordinal))
        {
            await Task.Delay(300);
            revoked = OpenSslOcsp(server.Url, "device.pem");
        }

        Assert.Contains("Response verify OK", revoked.Error, StringComparison.Ordinal);
        Assert.Contains("device.pem: revoked", revoked.Out, StringComparison.Ordinal);
        Assert.Contains("Reason: keyCompromise", revoked.Out, StringComparison.Ordinal);

        // iotcerts' own client agrees: exit 1, status and reason in JSON.
        var query = Run("ocsp", "query", "--cert", _temp.File("device.pem"), "--issuer", _temp.File("ca/caCert.pem"), "--url", server.Url, "--json");
        Assert.Equal(1, query.ExitCode);
        using var json = JsonDocument.Parse(query.Out);
        Assert.Equal("revoked", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("keyCompromise", json.RootElement.GetProperty("reason").GetString());

        server.Signal("TERM");
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(15)), "ocsp serve did not stop on SIGTERM");
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task Openssl_ocsp_verifies_answers_signed_by_a_delegated_responder_certificate()
    {
        Assert.Equal(0, Run("ca", "init", "--dir", _temp.File("ca"), "--subject", "CN=OCSP Delegating Root", "--key", "ec-p256", "--no-password").ExitCode);
        Assert.Equal(0, Run("issue", "--ca", _temp.File("ca"), "--subject", "CN=ocsp-device", "--key-out", _temp.File("device.key"), "--out", _temp.File("device.pem")).ExitCode);
        ShellTool.OpenSsl(_temp.Path, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "responder.key", "-out", "responder.csr", "-subj", "/CN=OCSP Responder");
        File.WriteAllText(_temp.File("responder.ext"), "extendedKeyUsage=OCSPSigning\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n");
        ShellTool.OpenSsl(_temp.Path, "x509", "-req", "-in", "responder.csr", "-CA", "ca/caCert.pem", "-CAkey", "ca/caKey.pem", "-CAcreateserial", "-out", "responder.pem", "-days", "30", "-extfile", "responder.ext");

        // A responder certificate without OCSPSigning is refused with a code (exit 2).
        var refused = Run("ocsp", "serve", "--ca", _temp.File("ca"), "--responder-cert", _temp.File("device.pem"), "--responder-key", _temp.File("device.key"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("id-kp-OCSPSigning", refused.Error, StringComparison.Ordinal);

        await using var server = await ServeAsync("--ca", _temp.File("ca"), "--responder-cert", _temp.File("responder.pem"), "--responder-key", _temp.File("responder.key"));
        var good = OpenSslOcsp(server.Url, "device.pem");
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("Response verify OK", good.Error, StringComparison.Ordinal);
        Assert.Contains("device.pem: good", good.Out, StringComparison.Ordinal);
        Assert.Equal(0, Run("ocsp", "query", "--cert", _temp.File("device.pem"), "--issuer", _temp.File("ca/caCert.pem"), "--url", server.Url).ExitCode);
    }

    [Fact]
    public void Verify_ocsp_reports_revoked_against_openssl_responder_in_a_private_network_namespace()
    {
        var unshare = ShellTool.Run(_temp.Path, "unshare", "-n", "true");
        Assert.True(unshare.ExitCode == 0, "this test runs openssl's responder (it binds every interface) in a private network namespace: unshare -n must work\n" + unshare);

        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=OpenSSL OCSP CA", "-days", "10",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        File.WriteAllText(_temp.File("rsp.ext"), "extendedKeyUsage=OCSPSigning\nbasicConstraints=CA:FALSE\n");
        File.WriteAllText(_temp.File("leaf.ext"), "basicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:8888/\n");
        Issue("rsp", "rsp.ext");
        Issue("revoked", "leaf.ext");
        Issue("good", "leaf.ext");
        var expiry = DateTime.UtcNow.AddDays(5).ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        var revokedAt = DateTime.UtcNow.AddHours(-1).ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        File.WriteAllText(_temp.File("index.txt"),
            $"R\t{expiry}\t{revokedAt},keyCompromise\t{Serial("revoked.pem")}\tunknown\t/CN=revoked\n" +
            $"V\t{expiry}\t\t{Serial("good.pem")}\tunknown\t/CN=good\n");
        var cli = Path.Combine(AppContext.BaseDirectory, "iotcerts.dll");
        var script = string.Join("\n",
            "set -u",
            "ip link set lo up",
            "openssl ocsp -index index.txt -port 8888 -rsigner rsp.pem -rkey rsp.key -CA ca.pem -nmin 5 -ignore_err >responder.log 2>&1 &",
            "RSP=$!",
            "trap 'kill $RSP 2>/dev/null' EXIT",
            "for i in $(seq 100); do (echo >/dev/tcp/127.0.0.1/8888) 2>/dev/null && break; sleep 0.1; done",
            $"dotnet '{cli}' verify --chain revoked.pem --trust ca.pem --ocsp; echo \"verify-revoked-exit=$?\"",
            $"dotnet '{cli}' verify --chain good.pem --trust ca.pem --ocsp-url http://127.0.0.1:8888/; echo \"verify-good-exit=$?\"",
            $"dotnet '{cli}' ocsp query --cert revoked.pem --issuer ca.pem --method post --json; echo \"query-exit=$?\"");
        var result = ShellTool.Run(_temp.Path, "unshare", "-n", "bash", "-c", script);

        Assert.Contains("verify-revoked-exit=1", result.Out, StringComparison.Ordinal);
        Assert.Contains("error Revoked at [0]", result.Out, StringComparison.Ordinal);
        Assert.Contains("OCSP: revoked on", result.Out, StringComparison.Ordinal);
        Assert.Contains("(keyCompromise)", result.Out, StringComparison.Ordinal);
        Assert.Contains("valid: the chain is trusted", result.Out, StringComparison.Ordinal);
        Assert.Contains("verify-good-exit=0", result.Out, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"revoked\"", result.Out, StringComparison.Ordinal);
        Assert.Contains("query-exit=1", result.Out, StringComparison.Ordinal);

        void OpenSsl(params string[] arguments) => ShellTool.OpenSsl(_temp.Path, arguments);

        void Issue(string name, string extensions)
        {
            OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
            OpenSsl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem", "-days", "5", "-extfile", extensions);
        }

        string Serial(string file) => ShellTool.OpenSsl(_temp.Path, "x509", "-in", file, "-noout", "-serial").Trim().Split('=')[1];
    }
}
