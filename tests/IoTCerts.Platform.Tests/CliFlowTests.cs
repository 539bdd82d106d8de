using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IoTCerts.Cli;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;
using static IoTCerts.Platform.Tests.CliInvocation;

namespace IoTCerts.Platform.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>Tests that read or set the C8Y_* environment variables run one at a time.</summary>
[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection
{
}

[Collection("environment")]
public sealed class CliFlowTests
{
    [Fact]
    public async Task Create_ca_upload_prove_register_enroll_and_get_tokens_end_to_end()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var c8y = Connection(stub, dir);
        string[] device = ["--url", stub.BaseUri.ToString(), "--trust", dir.File("server.pem")];

        // 1. A root CA made by iotcerts (Issuance).
        Ok("ca", "init", "--dir", dir.File("ca"), "--subject", "CN=Fleet Root,O=Acme", "--key", "ec-p256", "--no-password");
        var caPem = dir.File("ca/caCert.pem");
        using var ca = X509CertificateLoader.LoadCertificateFromFile(caPem);
        var fingerprint = TrustedCertificate.FingerprintOf(ca);

        // 2. Upload with proof of possession in one go; again: already there, still exit 0.
        var upload = Ok([.. new[] { "c8y", "upload-ca", caPem, "--pop-key", dir.File("ca/caKey.pem"), "--auto-registration", "--json" }, .. c8y]).Json;
        Assert.Equal("created", upload.GetProperty("outcome").GetString());
        Assert.Equal(fingerprint, upload.GetProperty("fingerprint").GetString());
        Assert.True(upload.GetProperty("proofOfPossessionValid").GetBoolean());
        Assert.True(upload.GetProperty("autoRegistrationEnabled").GetBoolean());
        Assert.True(stub.Certificates[fingerprint].PopValid);
        var again = Ok([.. new[] { "c8y", "upload-ca", caPem, "--json" }, .. c8y]).Json;
        Assert.Equal("already-exists", again.GetProperty("outcome").GetString());

        // 3. PoP as its own step, and the listing.
        var pop = Ok([.. new[] { "c8y", "pop", fingerprint, "--key", dir.File("ca/caKey.pem"), "--json" }, .. c8y]).Json;
        Assert.True(pop.GetProperty("proofOfPossessionValid").GetBoolean());
        var list = Ok([.. new[] { "c8y", "list", "--json" }, .. c8y]).Json;
        Assert.Equal(1, list.GetProperty("count").GetInt32());
        Assert.Equal("ENABLED", list.GetProperty("certificates")[0].GetProperty("status").GetString());

        // 4. The tenant CA of the certificate-authority feature, and three devices with one-time passwords.
        Assert.Equal("created", Ok([.. new[] { "c8y", "ca", "create", "--json" }, .. c8y]).Json.GetProperty("outcome").GetString());
        Assert.Equal("already-exists", Ok([.. new[] { "c8y", "ca", "create", "--json" }, .. c8y]).Json.GetProperty("outcome").GetString());
        var registered = Ok([.. new[] { "c8y", "bulk-register", "--device", "dev-1", "--device", "dev-2", "--device", "dev-3", "--generate-otp", "--json" }, .. c8y]).Json;
        Assert.Equal(3, registered.GetProperty("numberOfCreated").GetInt32());
        var otps = registered.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("enrollmentOtp").GetString()!);
        Assert.All(otps.Values, otp => Assert.True(OneTimePassword.IsAcceptable(otp)));
        Assert.Equal(otps["dev-2"], stub.Devices["dev-2"].Otp);

        // 5. dev-3 enrolls with its OTP (key generated locally), then gets its token over mTLS.
        var enrolled = Ok([.. new[] { "c8y", "enroll", "--external-id", "dev-3", "--otp", otps["dev-3"], "--key-out", dir.File("dev3.key"), "--cert-out", dir.File("dev3.pem"), "--json" }, .. device]).Json;
        Assert.Equal("CN=dev-3", enrolled.GetProperty("subject").GetString());
        Assert.Equal(stub.TenantCa!.Subject, enrolled.GetProperty("issuer").GetString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("dev3.key")) & (UnixFileMode)0x1FF);
        }
        var token = Ok([.. new[] { "c8y", "token", "--cert", dir.File("dev3.pem"), "--key", dir.File("dev3.key"), "--port", stub.TokenPort.ToString(), "--json" }, .. device]).Json;
        Assert.Equal("dev-3", stub.IssuedTokens[token.GetProperty("accessToken").GetString()!]);
        Assert.NotEqual(JsonValueKind.Null, token.GetProperty("refreshAfter").ValueKind);

        // 6. dev-1 holds a certificate from our own uploaded CA: its token works too (plain text output = the JWT).
        Ok("issue", "--ca", dir.File("ca"), "--subject", "CN=dev-1", "--key-out", dir.File("dev1.key"), "--out", dir.File("dev1.pem"));
        var plain = Ok([.. new[] { "c8y", "token", "--cert", dir.File("dev1.pem"), "--key", dir.File("dev1.key"), "--port", stub.TokenPort.ToString() }, .. device]);
        Assert.Equal("dev-1", stub.IssuedTokens[plain.Out.Trim()]);

        // 7. Delete; the certificate is gone and tokens for dev-1 are refused.
        Assert.Equal(fingerprint, Ok([.. new[] { "c8y", "delete", fingerprint, "--json" }, .. c8y]).Json.GetProperty("deleted").GetString());
        var refused = Run([.. new[] { "c8y", "token", "--cert", dir.File("dev1.pem"), "--key", dir.File("dev1.key"), "--port", stub.TokenPort.ToString() }, .. device]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("[unauthorized]", refused.Error);

        // Every REST POST/PUT asked for JSON (the platform may send an empty body otherwise); no secret went into a URL.
        Assert.All(stub.Requests.Where(r => r.Method is "POST" or "PUT" && !r.Path.StartsWith("/.well-known/", StringComparison.Ordinal)), r => Assert.False(string.IsNullOrEmpty(r.Header("Accept")), r.Path));
        Assert.DoesNotContain(stub.Requests, r => (r.Path + r.Query).Contains(CumulocityStub.Password, StringComparison.Ordinal) || (r.Path + r.Query).Contains(otps["dev-3"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_request_exits_2_with_the_role_sentence_and_no_password()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var result = Run("c8y", "list", "--url", stub.BaseUri.ToString(), "--user", CumulocityStub.ReaderUser, "--password", CumulocityStub.Password, "--trust", WriteServerCertificate(stub, dir));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("iotcerts: error [forbidden]:", result.Error);
        Assert.Contains("ROLE_TENANT_ADMIN or ROLE_TENANT_MANAGEMENT_ADMIN", result.Error);
        Assert.DoesNotContain(CumulocityStub.Password, result.Error + result.Out);
    }

    private static string WriteServerCertificate(CumulocityStub stub, TempDirectory dir)
    {
        File.WriteAllText(dir.File("server.pem"), stub.ServerCertificate.ExportCertificatePem());
        return dir.File("server.pem");
    }

    [Fact]
    public async Task Bulk_register_with_a_refused_line_exits_2_and_lists_it()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var c8y = Connection(stub, dir);
        File.WriteAllText(dir.File("devices.csv"), "ID,CREDENTIALS,AUTH_TYPE,TYPE,NAME,PATH\r\nok-1,,CERTIFICATES,c8y_Sensor,Sensor,Group\r\nbad-1,,CERTIFICATES,,,Group\r\n");
        var result = Run([.. new[] { "c8y", "bulk-register", dir.File("devices.csv"), "--json" }, .. c8y]);
        Assert.Equal(2, result.ExitCode);
        var failed = Assert.Single(result.Json.GetProperty("failed").EnumerateArray());
        Assert.Equal("bad-1", failed.GetProperty("deviceId").GetString());
        Assert.Contains("TYPE and NAME", failed.GetProperty("reason").GetString());
        Assert.Contains("registration-failed", result.Error);
    }

    [Fact]
    public async Task Credentials_come_from_the_go_c8y_cli_environment()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("server.pem"), stub.ServerCertificate.ExportCertificatePem());
        var variables = new Dictionary<string, string?>
        {
            ["C8Y_BASEURL"] = stub.BaseUri.ToString(),
            ["C8Y_TENANT"] = CumulocityStub.TenantId,
            ["C8Y_USER"] = CumulocityStub.AdminUser,
            ["C8Y_PASSWORD"] = CumulocityStub.Password,
        };
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            var result = Ok("c8y", "login-check", "--trust", dir.File("server.pem"), "--json");
            Assert.Equal("t100", result.Json.GetProperty("tenant").GetString());
            Assert.Equal("t100/admin", result.Json.GetProperty("user").GetString());
            Assert.Equal("GET /tenant/currentTenant", $"{stub.Requests[^1].Method} {stub.Requests[^1].Path}");

            Environment.SetEnvironmentVariable("C8Y_TENANT", "t999");
            var mismatch = Run("c8y", "login-check", "--trust", dir.File("server.pem"));
            Assert.Equal(2, mismatch.ExitCode);

            Environment.SetEnvironmentVariable("C8Y_PASSWORD", null);
            var missing = Run("c8y", "list", "--trust", dir.File("server.pem"));
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("[missing-credentials]", missing.Error);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public async Task Upload_refuses_a_certificate_the_platform_would_refuse_before_any_request()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        using var leaf = TestPki.Ca("CN=Not a CA", isCa: false);
        File.WriteAllText(dir.File("leaf.pem"), leaf.ExportCertificatePem());
        var result = Run([.. new[] { "c8y", "upload-ca", dir.File("leaf.pem") }, .. Connection(stub, dir)]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[not-accepted]", result.Error);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Run("c8y", "upload-ca").ExitCode);
        Assert.Equal(2, Run("c8y", "delete", "not-hex", "--url", "https://127.0.0.1:1", "--user", "u", "--password-file", "/nonexistent").ExitCode);
        var noUrl = Run("c8y", "enroll", "--external-id", "d", "--otp", "12345678", "--key-out", "/tmp/x.key", "--cert-out", "/tmp/x.pem");
        Assert.Equal(2, noUrl.ExitCode);
    }
}
