using System.Diagnostics;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// Issue 19: an Ed25519 root → intermediate → device chain made by openssl passes <c>iotcerts verify</c> (and its
/// Ed25519-signed CRL is checked); a tampered signature and a policy without Ed25519 are refused with their codes.
/// </summary>
public sealed class VerifyEd25519CommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("iotcerts-ed25519-").FullName;

    public VerifyEd25519CommandTests()
    {
        File.WriteAllText(P("ca.ext"), "basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        File.WriteAllText(P("leaf.ext"), "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        foreach (var name in new[] { "root", "int", "device" })
        {
            Ssl("genpkey", "-algorithm", "ED25519", "-out", name + ".key");
        }

        Ssl("req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=Ed25519 Root", "-days", "3650",
            "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.pem");
        Ssl("req", "-new", "-key", "int.key", "-subj", "/CN=Ed25519 Issuing CA", "-out", "int.csr");
        Ssl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-set_serial", "2", "-days", "3650", "-extfile", "ca.ext", "-out", "int.pem");
        Ssl("req", "-new", "-key", "device.key", "-subj", "/CN=ed-device-1", "-out", "device.csr");
        Ssl("x509", "-req", "-in", "device.csr", "-CA", "int.pem", "-CAkey", "int.key", "-set_serial", "3", "-days", "365", "-extfile", "leaf.ext", "-out", "device.pem");
        File.WriteAllText(P("chain.pem"), File.ReadAllText(P("device.pem")) + File.ReadAllText(P("int.pem")));
    }

    [Fact]
    public void An_openssl_made_Ed25519_chain_passes_iotcerts_verify()
    {
        var result = CliRunner.Run("verify", "--chain", P("chain.pem"), "--trust", P("root.pem"), "--purpose", "client", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\"valid\": true", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tampered_Ed25519_signature_is_refused_with_its_code()
    {
        var der = Convert.FromBase64String(string.Concat(File.ReadAllLines(P("device.pem")).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^1] ^= 0x01; // the last byte of the Ed25519 signature
        File.WriteAllBytes(P("tampered.der"), der);

        var result = CliRunner.Run("verify", "--chain", P("tampered.der"), "--untrusted", P("int.pem"), "--trust", P("root.pem"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("NotSignatureValid", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Ed25519_signed_crl_revokes_the_device()
    {
        File.WriteAllText(P("index.txt"), string.Empty);
        File.WriteAllText(P("crlnumber"), "01\n");
        File.WriteAllText(P("ca.cnf"), $"[ca]\ndefault_ca=d\n[d]\ndatabase={P("index.txt")}\ncrlnumber={P("crlnumber")}\ndefault_md=default\ndefault_crl_days=7\ncrl_extensions=crl_ext\n[crl_ext]\nauthorityKeyIdentifier=keyid\n");
        Ssl("ca", "-config", "ca.cnf", "-revoke", "device.pem", "-keyfile", "int.key", "-cert", "int.pem", "-crl_reason", "keyCompromise");
        Ssl("ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "int.key", "-cert", "int.pem", "-out", "int.crl");
        Ssl("ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "root.key", "-cert", "root.pem", "-out", "root.crl");

        var result = CliRunner.Run("verify", "--chain", P("chain.pem"), "--trust", P("root.pem"), "--crl", P("int.crl"), "--crl", P("root.crl"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Revoked", result.Out + result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private void Ssl(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)}: {stderr.Result}");
    }
}
