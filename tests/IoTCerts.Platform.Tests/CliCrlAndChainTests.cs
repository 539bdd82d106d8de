using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IoTCerts.Cli;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;
using static IoTCerts.Platform.Tests.CliInvocation;

namespace IoTCerts.Platform.Tests;

/// <summary><c>iotcerts c8y crl get|revoke</c> and <c>c8y verify-chain</c> against the contract stub.</summary>
[Collection("environment")]
public sealed class CliCrlAndChainTests
{
    [Fact]
    public async Task Revocations_from_a_local_crl_and_by_serial_reach_the_tenant_crl_which_downloads_as_der_and_pem()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var c8y = Connection(stub, dir);

        // A CA made by iotcerts; one of two devices revoked there and published in its CRL.
        Ok("ca", "init", "--dir", dir.File("ca"), "--subject", "CN=Fleet Root,O=Acme", "--key", "ec-p256", "--no-password");
        Ok("issue", "--ca", dir.File("ca"), "--subject", "CN=dev-1", "--key-out", dir.File("dev1.key"), "--out", dir.File("dev1.pem"));
        Ok("issue", "--ca", dir.File("ca"), "--subject", "CN=dev-2", "--key-out", dir.File("dev2.key"), "--out", dir.File("dev2.pem"));
        var revokedSerial = X509CertificateLoader.LoadCertificateFromFile(dir.File("dev1.pem")).SerialNumber;
        Ok("revoke", "--ca", dir.File("ca"), "--serial", revokedSerial, "--reason", "keyCompromise");
        Ok("crl", "--ca", dir.File("ca"), "--out", dir.File("local.crl"));

        var fromCrl = Ok([.. new[] { "c8y", "crl", "revoke", "--from-crl", dir.File("local.crl"), "--json" }, .. c8y]).Json;
        Assert.Equal(1, fromCrl.GetProperty("count").GetInt32());
        Assert.Equal(revokedSerial, fromCrl.GetProperty("revoked")[0].GetProperty("serial").GetString());
        Assert.NotEqual(JsonValueKind.Null, fromCrl.GetProperty("revoked")[0].GetProperty("revocationDate").ValueKind);

        var bySerial = Ok([.. new[] { "c8y", "crl", "revoke", "--serial", "0a:1b:2c", "--date", "2026-01-02T03:04:05Z", "--json" }, .. c8y]).Json;
        Assert.Equal("0A1B2C", bySerial.GetProperty("revoked")[0].GetProperty("serial").GetString());
        Assert.Equal("2026-01-02T03:04:05Z", bySerial.GetProperty("revoked")[0].GetProperty("revocationDate").GetString());

        // What the platform received: the contract's {"crls":[{serialNumberInHex, revocationDate}]} body.
        var sent = stub.CrlUpdates.SelectMany(u => u["crls"]!.AsArray()).Select(e => (string)e!["serialNumberInHex"]!).ToList();
        Assert.Equal([revokedSerial, "0A1B2C"], sent);

        // Download: DER by default, checked by openssl; PEM on request.
        var got = Ok([.. new[] { "c8y", "crl", "get", "--out", dir.File("tenant.crl"), "--json" }, .. c8y]).Json;
        Assert.Equal(2, got.GetProperty("revokedCount").GetInt32());
        Assert.Equal("der", got.GetProperty("format").GetString());
        var text = OpenSsl.Run(dir.Path, "crl", "-inform", "DER", "-in", dir.File("tenant.crl"), "-noout", "-text");
        Assert.Contains($"Serial Number: {revokedSerial}", text);
        Assert.Contains("Serial Number: 0A1B2C", text);
        Ok([.. new[] { "c8y", "crl", "get", "--out", dir.File("tenant-pem.crl"), "--format", "pem" }, .. c8y]);
        Assert.StartsWith("-----BEGIN X509 CRL-----", File.ReadAllText(dir.File("tenant-pem.crl")));
        OpenSsl.Run(dir.Path, "crl", "-in", dir.File("tenant-pem.crl"), "-noout");

        // An existing file is kept without --force (exit 2, nothing requested).
        var requests = stub.Requests.Count;
        var kept = Run([.. new[] { "c8y", "crl", "get", "--out", dir.File("tenant.crl") }, .. c8y]);
        Assert.Equal(2, kept.ExitCode);
        Assert.Equal(requests, stub.Requests.Count);
    }

    [Fact]
    public async Task Bad_revocation_input_exits_2_before_any_request()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var c8y = Connection(stub, dir);
        var requests = stub.Requests.Count;

        var badSerial = Run([.. new[] { "c8y", "crl", "revoke", "--serial", "not-hex" }, .. c8y]);
        Assert.Equal(2, badSerial.ExitCode);
        Assert.Contains("iotcerts: error [invalid-serial]:", badSerial.Error);
        var nothing = Run([.. new[] { "c8y", "crl", "revoke" }, .. c8y]);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("--from-crl", nothing.Error);
        var badDate = Run([.. new[] { "c8y", "crl", "revoke", "--serial", "01", "--date", "yesterday" }, .. c8y]);
        Assert.Equal(2, badDate.ExitCode);
        Assert.Empty(stub.CrlUpdates);
        Assert.Equal(requests, stub.Requests.Count);
    }

    [Fact]
    public async Task Verify_chain_asks_the_platform_with_the_device_first_and_exits_1_when_untrusted()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var dir = new TempDirectory();
        var c8y = Connection(stub, dir);
        Ok("ca", "init", "--dir", dir.File("root"), "--subject", "CN=Fleet Root,O=Acme", "--key", "ec-p256", "--no-password");
        Ok("ca", "intermediate", "--ca", dir.File("root"), "--dir", dir.File("issuing"), "--subject", "CN=Fleet Issuing,O=Acme", "--key", "ec-p256");
        Ok("issue", "--ca", dir.File("issuing"), "--subject", "CN=dev-7", "--key-out", dir.File("dev7.key"), "--out", dir.File("dev7.pem"));
        Ok([.. new[] { "c8y", "upload-ca", dir.File("root/caCert.pem") }, .. c8y]);

        // Issuer first, device last: the command orders the file before sending it.
        File.WriteAllText(dir.File("reversed.pem"), File.ReadAllText(dir.File("issuing/caCert.pem")) + File.ReadAllText(dir.File("dev7.pem")));
        var trusted = Ok([.. new[] { "c8y", "verify-chain", dir.File("reversed.pem"), "--json" }, .. c8y]).Json;
        Assert.True(trusted.GetProperty("successfullyValidated").GetBoolean());
        Assert.Equal("t100", trusted.GetProperty("tenantId").GetString());
        Assert.Contains("CN=dev-7", trusted.GetProperty("subject").GetString());
        Assert.Equal(2, trusted.GetProperty("certificatesSent").GetInt32());
        Assert.Equal("POST /tenant/trusted-certificates/verify-cert-chain", $"{stub.Requests[^1].Method} {stub.Requests[^1].Path}");

        // A device of a CA the tenant does not know: a verdict, exit 1.
        Ok("ca", "init", "--dir", dir.File("other"), "--subject", "CN=Other Root", "--key", "ec-p256", "--no-password");
        Ok("issue", "--ca", dir.File("other"), "--subject", "CN=stranger", "--key-out", dir.File("s.key"), "--out", dir.File("s.pem"));
        var untrusted = Run([.. new[] { "c8y", "verify-chain", dir.File("s.pem"), "--headers", "--json" }, .. c8y]);
        Assert.Equal(1, untrusted.ExitCode);
        Assert.False(untrusted.Json.GetProperty("successfullyValidated").GetBoolean());

        var missing = Run([.. new[] { "c8y", "verify-chain", dir.File("absent.pem") }, .. c8y]);
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("iotcerts: error [", missing.Error);
    }
}
