using System.Text.RegularExpressions;

namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>
/// The documented <c>openssl ca</c> recipe (root, intermediate, device; v3_ca and v3_signed sections, database.txt,
/// serial, crlnumber) run with the real openssl, and the same steps run with iotcerts: same extension sets.
/// </summary>
public sealed partial class OpenSslRecipeTests
{
    // The recipe's configuration. v3_signed gets extendedKeyUsage=clientAuth on top of the documented section,
    // because R-60 asks for it on device certificates.
    private const string RecipeConfig = """
        [ ca ]
        default_ca = CA_default

        [ CA_default ]
        dir = .
        database = $dir/database.txt
        new_certs_dir = $dir
        certificate = $dir/caCert.pem
        serial = $dir/serial
        private_key = $dir/caKey.pem
        crlnumber = $dir/crlnumber
        default_md = sha256
        default_days = 365
        default_crl_days = 30
        policy = signing_policy
        email_in_dn = no
        unique_subject = no
        copy_extensions = none

        [ signing_policy ]
        countryName = optional
        stateOrProvinceName = optional
        localityName = optional
        organizationName = optional
        organizationalUnitName = optional
        commonName = supplied
        emailAddress = optional

        [ req ]
        distinguished_name = req_dn
        prompt = no

        [ req_dn ]
        CN = unused

        [ v3_ca ]
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always,issuer
        basicConstraints = critical,CA:true
        keyUsage = critical,digitalSignature,cRLSign,keyCertSign

        [ v3_signed ]
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid,issuer
        basicConstraints = critical,CA:false
        keyUsage = nonRepudiation,digitalSignature,keyEncipherment
        extendedKeyUsage = clientAuth
        """;

    [Fact]
    public void RecipeAndIotcertsYieldTheSameExtensionSets()
    {
        using var dir = new TempDir();
        var recipe = RunRecipe(dir);

        // The same three steps with iotcerts (root, intermediate, device from the same kind of CSR).
        File.WriteAllText(dir["pw"], "recipe-secret\n");
        Cli.Ok("ca", "init", "--dir", dir["iot-root"], "--subject", "CN=Iot Root", "--key", "ec-p256", "--password-file", dir["pw"]);
        Cli.Ok("ca", "intermediate", "--ca", dir["iot-root"], "--dir", dir["iot-int"], "--subject", "CN=Iot Int", "--key", "ec-p256", "--password-file", dir["pw"]);
        Cli.Ok("issue", "--ca", dir["iot-int"], "--csr", Path.Combine(dir["int"], "dev.csr"), "--out", dir["iot-dev.pem"], "--password-file", dir["pw"]);

        var ours = new[] { Path.Combine(dir["iot-root"], "caCert.pem"), Path.Combine(dir["iot-int"], "caCert.pem"), dir["iot-dev.pem"] };
        for (var i = 0; i < 3; i++)
        {
            var expected = ExtensionSection(dir.Path, recipe[i]);
            var actual = ExtensionSection(dir.Path, ours[i]);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual);
        }

        Assert.Contains("OK", Tool.OpenSslOk(dir.Path, "verify", "-x509_strict", "-CAfile", Path.Combine("iot-root", "caCert.pem"), "-untrusted", Path.Combine("iot-int", "caCert.pem"), "iot-dev.pem"), StringComparison.Ordinal);
    }

    [Fact]
    public void AnOpenSslCaDirectoryImportsAndItsSerialsContinue()
    {
        using var dir = new TempDir();
        RunRecipe(dir);
        File.WriteAllText(dir["pw"], "import-secret\n");

        Cli.Ok("ca", "import", "--openssl-dir", dir["int"], "--dir", dir["imported"], "--password-file", dir["pw"]);
        Cli.Ok("issue", "--ca", dir["imported"], "--subject", "CN=after-import", "--key-out", dir["a.key"], "--out", dir["a.pem"], "--password-file", dir["pw"]);

        // The recipe issued serial 01 in the intermediate; the import continues with 02 and keeps the old entry.
        Assert.Contains("serial=02", Tool.OpenSslOk(dir.Path, "x509", "-in", "a.pem", "-noout", "-serial"), StringComparison.Ordinal);
        var index = File.ReadAllLines(Path.Combine(dir["imported"], "index.txt"));
        Assert.Equal(2, index.Length);
        Assert.Contains("/O=Acme/CN=recipe-device", index[0], StringComparison.Ordinal);

        // The signing policy sees the imported entries: the recipe's device name is taken.
        var dup = Cli.Run("issue", "--ca", dir["imported"], "--subject", "CN=recipe-device", "--key-out", dir["b.key"], "--out", dir["b.pem"], "--password-file", dir["pw"]);
        Assert.Equal(2, dup.ExitCode);
        Assert.Contains("policy-violation", dup.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSslCaReadsTheIndexIotcertsWrites()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["pw"], "index-secret\n");
        Cli.Ok("ca", "init", "--dir", dir["ca"], "--subject", "CN=Index Root", "--key", "ec-p256", "--sequential-serials", "--password-file", dir["pw"]);
        Cli.Ok("issue", "--ca", dir["ca"], "--subject", "CN=one", "--key-out", dir["1.key"], "--out", dir["1.pem"], "--password-file", dir["pw"]);
        Cli.Ok("issue", "--ca", dir["ca"], "--subject", "CN=two", "--key-out", dir["2.key"], "--out", dir["2.pem"], "--password-file", dir["pw"]);
        Cli.Ok("revoke", "--ca", dir["ca"], "--serial", "02", "--reason", "superseded", "--password-file", dir["pw"]);
        File.WriteAllText(Path.Combine(dir["ca"], "openssl.cnf"), RecipeConfig.Replace("database.txt", "index.txt", StringComparison.Ordinal));

        // openssl ca -gencrl parses our index.txt, serial and crlnumber and signs with our encrypted PKCS#8 key.
        Tool.OpenSslOk(dir["ca"], "ca", "-gencrl", "-config", "openssl.cnf", "-passin", "pass:index-secret", "-out", "openssl.crl");
        var crl = Tool.OpenSslOk(dir["ca"], "crl", "-in", "openssl.crl", "-noout", "-text");
        Assert.Contains("Serial Number: 02", crl, StringComparison.Ordinal);
        Assert.DoesNotContain("Serial Number: 01", crl, StringComparison.Ordinal);
        Assert.Contains("Superseded", crl, StringComparison.Ordinal);
    }

    private static string[] RunRecipe(TempDir dir)
    {
        foreach (var ca in new[] { "root", "int" })
        {
            Directory.CreateDirectory(dir[ca]);
            File.WriteAllText(Path.Combine(dir[ca], "ca.cnf"), RecipeConfig);
            File.WriteAllText(Path.Combine(dir[ca], "database.txt"), string.Empty);
            File.WriteAllText(Path.Combine(dir[ca], "serial"), "01\n");
            File.WriteAllText(Path.Combine(dir[ca], "crlnumber"), "01\n");
            Tool.OpenSslOk(dir[ca], "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "caKey.pem");
        }

        Tool.OpenSslOk(dir["root"], "req", "-new", "-x509", "-days", "7300", "-key", "caKey.pem", "-out", "caCert.pem", "-config", "ca.cnf", "-extensions", "v3_ca", "-subj", "/CN=Recipe Root");
        Tool.OpenSslOk(dir["int"], "req", "-new", "-key", "caKey.pem", "-out", "int.csr", "-config", "ca.cnf", "-subj", "/CN=Recipe Int");
        Tool.OpenSslOk(dir["root"], "ca", "-batch", "-config", "ca.cnf", "-extensions", "v3_ca", "-days", "3650", "-in", "../int/int.csr", "-out", "../int/caCert.pem");
        Tool.OpenSslOk(dir["int"], "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "dev.key");
        Tool.OpenSslOk(dir["int"], "req", "-new", "-key", "dev.key", "-out", "dev.csr", "-config", "ca.cnf", "-subj", "/O=Acme/CN=recipe-device");
        Tool.OpenSslOk(dir["int"], "ca", "-batch", "-config", "ca.cnf", "-extensions", "v3_signed", "-in", "dev.csr", "-out", "dev.pem");
        return [Path.Combine(dir["root"], "caCert.pem"), Path.Combine(dir["int"], "caCert.pem"), Path.Combine(dir["int"], "dev.pem")];
    }

    // The "X509v3 extensions" block of `openssl x509 -text`: extension names with criticality and their values,
    // key identifiers replaced by a placeholder (they differ by key, not by profile).
    private static List<string> ExtensionSection(string workingDirectory, string certificate)
    {
        var text = Tool.OpenSslOk(workingDirectory, "x509", "-in", certificate, "-noout", "-text");
        var lines = text.Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == "X509v3 extensions:");
        var result = new List<string>();
        for (var i = start + 1; i < lines.Length && lines[i].StartsWith("            ", StringComparison.Ordinal); i++)
        {
            result.Add(KeyId().Replace(lines[i].Trim(), "<keyid>"));
        }

        return result;
    }

    [GeneratedRegex("^([0-9A-F]{2}:){19}[0-9A-F]{2}$")]
    private static partial Regex KeyId();
}
