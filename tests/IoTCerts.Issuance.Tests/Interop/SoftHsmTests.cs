namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>
/// R-44: keys in a PKCS#11 token (SoftHSM2), used through OpenSSL's pkcs11 engine. The CLI runs as a child process
/// because SoftHSM reads SOFTHSM2_CONF from the process environment, which a running .NET process cannot change natively.
/// </summary>
public sealed class SoftHsmTests
{
    private const string SoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
    private const string Pin = "4711";
    private const string Token = "iotcerts-test";
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "iotcerts.dll");

    [Fact]
    public void CaKeyAndCsrKeyInATokenSignWhatOpenSslVerifies()
    {
        using var dir = new TempDir();
        var environment = InitToken(dir);
        Tool.Run("pkcs11-tool", ["--module", SoftHsmModule, "--token-label", Token, "--login", "--pin", Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "ca-key", "--id", "01"], dir.Path, environment).EnsureOk();
        Tool.Run("pkcs11-tool", ["--module", SoftHsmModule, "--token-label", Token, "--login", "--pin", Pin, "--keypairgen", "--key-type", "rsa:2048", "--label", "device-key", "--id", "02"], dir.Path, environment).EnsureOk();
        File.WriteAllText(dir["pin.txt"], Pin + "\n");

        // A root CA whose key lives in the token; the PIN comes like a passphrase (file), never on the command line.
        Iotcerts(dir, environment, "ca", "init", "--dir", "ca", "--subject", "CN=Token Root,O=Acme", "--key-uri", $"pkcs11:token={Token};object=ca-key;type=private", "--password-file", "pin.txt");
        Assert.False(File.Exists(Path.Combine(dir["ca"], "caKey.pem")));
        var settings = File.ReadAllText(Path.Combine(dir["ca"], "ca.conf"));
        Assert.Contains($"key-uri = pkcs11:token={Token};object=ca-key;type=private", settings, StringComparison.Ordinal);
        Assert.DoesNotContain(Pin, settings, StringComparison.Ordinal);

        // A device certificate signed in the token.
        Iotcerts(dir, environment, "issue", "--ca", "ca", "--subject", "CN=hsm-device-1", "--key-out", "dev.key", "--out", "dev.pem", "--password-file", "pin.txt");
        Assert.Contains("dev.pem: OK", Tool.OpenSslOk(dir.Path, "verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", Path.Combine("ca", "caCert.pem"), "dev.pem"), StringComparison.Ordinal);

        // A CSR signed by an RSA key in the token, verified by openssl, then issued by the token CA.
        Iotcerts(dir, environment, "csr", "--subject", "CN=token-device,O=Acme", "--san", "DNS:token-device.example", "--key-uri", $"pkcs11:token={Token};object=device-key;type=private", "--key-password-file", "pin.txt", "--out", "token.csr");
        var req = Tool.OpenSsl(dir.Path, "req", "-in", "token.csr", "-noout", "-verify", "-text");
        Assert.True(req.ExitCode == 0, req.ToString());
        Assert.Contains("verify OK", req.Out + req.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Public-Key: (2048 bit)", req.Out, StringComparison.Ordinal);
        Iotcerts(dir, environment, "issue", "--ca", "ca", "--csr", "token.csr", "--out", "token.pem", "--password-file", "pin.txt");
        Assert.Contains("token.pem: OK", Tool.OpenSslOk(dir.Path, "verify", "-CAfile", Path.Combine("ca", "caCert.pem"), "token.pem"), StringComparison.Ordinal);

        // A CRL signed in the token.
        Iotcerts(dir, environment, "crl", "--ca", "ca", "--out", "ca.crl", "--password-file", "pin.txt");
        var crl = Tool.OpenSsl(dir.Path, "crl", "-in", "ca.crl", "-CAfile", Path.Combine("ca", "caCert.pem"), "-noout");
        Assert.Contains("verify OK", crl.Out + crl.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPinIsOneClearSentence()
    {
        using var dir = new TempDir();
        var environment = InitToken(dir);
        Tool.Run("pkcs11-tool", ["--module", SoftHsmModule, "--token-label", Token, "--login", "--pin", Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "k", "--id", "03"], dir.Path, environment).EnsureOk();
        File.WriteAllText(dir["wrong.txt"], "0000\n");

        var result = Tool.Run("dotnet", [CliDll, "csr", "--subject", "CN=x", "--key-uri", $"pkcs11:token={Token};object=k;type=private", "--key-password-file", "wrong.txt", "--out", "x.csr"], dir.Path, environment);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("token-key-unavailable", result.Error, StringComparison.Ordinal);
        Assert.Contains("the token refused the PIN", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("0000", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir["x.csr"]));
    }

    [Fact]
    public void AMissingEngineIsNamedAsSuch()
    {
        using var dir = new TempDir();
        var environment = InitToken(dir);
        environment["OPENSSL_ENGINES"] = dir["no-engines-here"];
        File.WriteAllText(dir["pin.txt"], Pin + "\n");

        var result = Tool.Run("dotnet", [CliDll, "csr", "--subject", "CN=x", "--key-uri", $"pkcs11:token={Token};object=k;type=private", "--key-password-file", "pin.txt", "--out", "x.csr"], dir.Path, environment);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("pkcs11 engine is not installed (Debian/Ubuntu: libengine-pkcs11-openssl)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Pin, result.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> InitToken(TempDir dir)
    {
        Directory.CreateDirectory(dir["tokens"]);
        File.WriteAllText(dir["softhsm2.conf"], $"directories.tokendir = {dir["tokens"]}\nobjectstore.backend = file\nlog.level = ERROR\n");
        var environment = new Dictionary<string, string>
        {
            ["SOFTHSM2_CONF"] = dir["softhsm2.conf"],
            ["PKCS11_MODULE_PATH"] = SoftHsmModule,
        };
        Tool.Run("softhsm2-util", ["--init-token", "--free", "--label", Token, "--pin", Pin, "--so-pin", "98765"], dir.Path, environment).EnsureOk();
        return environment;
    }

    private static void Iotcerts(TempDir dir, Dictionary<string, string> environment, params string[] args)
    {
        var result = Tool.Run("dotnet", [CliDll, .. args], dir.Path, environment);
        Assert.True(result.ExitCode == 0, $"iotcerts {string.Join(' ', args)}\n{result}");
    }
}
