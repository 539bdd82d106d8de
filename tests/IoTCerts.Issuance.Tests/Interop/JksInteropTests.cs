using IoTCerts.BouncyCastle;
using IoTCerts.Cli;
using IoTCerts.Core;

namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>
/// Issue 19: Java JKS keystores and truststores. keytool lists what IoTCerts writes (PrivateKeyEntry with the full
/// chain, trustedCertEntry), Java recovers the key, and IoTCerts reads what keytool makes, with keytool's passwords.
/// </summary>
public sealed class JksInteropTests
{
    private const string StorePassword = "changeit-42";

    static JksInteropTests() => IoTCertsBouncyCastle.Register();

    private const string KeyLoaderSource = """
        import java.io.FileInputStream;
        import java.security.*;

        public class LoadJks {
            public static void main(String[] args) throws Exception {
                KeyStore ks = KeyStore.getInstance("JKS");
                try (FileInputStream in = new FileInputStream(args[0])) { ks.load(in, args[1].toCharArray()); }
                Key key = ks.getKey("devicekeyentry", args[1].toCharArray());
                System.out.println("KEY " + key.getAlgorithm() + " chain=" + ks.getCertificateChain("devicekeyentry").length);
            }
        }
        """;

    [Fact]
    public void Keytool_lists_the_jks_keystore_and_truststore_iotcerts_writes_and_java_recovers_the_key()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], pathLength: 1);
        using var issuing = TestCa.Intermediate(root, dir["int"], "Issuing CA", 0);
        var (issued, key) = issuing.IssueWithNewKey("CN=jks-device,O=Acme", CertificateProfile.Device());
        using var _ = key;
        var writer = KeystoreFormats.Get("jks");
        var chain = issued.Chain.Select(c => Certificate.Parse(c.RawData)).ToList();
        File.WriteAllBytes(dir["keystore.jks"], writer.CreateKeystore(PrivateKey.FromAsymmetricAlgorithm(key.Key), chain, "devicekeyentry", StorePassword, StorePassword));
        File.WriteAllBytes(dir["truststore.jks"], writer.CreateTruststore([Certificate.Parse(root.Certificate.RawData), Certificate.Parse(issuing.Certificate.RawData)], StorePassword));

        var keystore = Keytool(dir.Path, "keystore.jks");
        Assert.Contains("Keystore type: JKS", keystore, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Your keystore contains 1 entry", keystore, StringComparison.Ordinal);
        Assert.Contains("Alias name: devicekeyentry", keystore, StringComparison.Ordinal);
        Assert.Contains("Entry type: PrivateKeyEntry", keystore, StringComparison.Ordinal);
        Assert.Contains("Certificate chain length: 3", keystore, StringComparison.Ordinal);
        Assert.Contains("CN=jks-device", keystore, StringComparison.Ordinal);

        var truststore = Keytool(dir.Path, "truststore.jks");
        Assert.Contains("Your keystore contains 2 entries", truststore, StringComparison.Ordinal);
        Assert.Equal(2, truststore.Split("Entry type: trustedCertEntry").Length - 1);
        Assert.Contains("Alias name: test root", truststore, StringComparison.Ordinal);
        Assert.Contains("Alias name: issuing ca", truststore, StringComparison.Ordinal);

        File.WriteAllText(dir["LoadJks.java"], KeyLoaderSource);
        var java = Tool.Run("java", ["LoadJks.java", "keystore.jks", StorePassword], dir.Path);
        Assert.True(java.ExitCode == 0, java.ToString());
        Assert.Contains("KEY EC chain=3", java.Out, StringComparison.Ordinal);

        // And back: the loader reads its own JKS, the key matching the leaf.
        var material = MaterialLoader.LoadFile(dir["keystore.jks"], new LoadOptions { Password = StorePassword });
        Assert.Equal(MaterialFormat.Keystore, material.Format);
        Assert.Equal(3, material.Certificates.Count);
        Assert.True(KeyMatch.Matches(Assert.Single(material.PrivateKeys), material.Certificates[0]));
    }

    [Fact]
    public void A_keytool_jks_with_its_own_key_password_reads_with_both_passwords_and_each_wrong_one_is_a_clear_error()
    {
        using var dir = new TempDir();
        Ok(Tool.Run("keytool", ["-genkeypair", "-alias", "Device7", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=device7", "-validity", "30",
            "-storetype", "JKS", "-keystore", "dev.jks", "-storepass", StorePassword, "-keypass", "key-pass-7"], dir.Path));
        Ok(Tool.Run("keytool", ["-exportcert", "-rfc", "-alias", "device7", "-keystore", "dev.jks", "-storepass", StorePassword, "-file", "dev.pem"], dir.Path));
        Ok(Tool.Run("keytool", ["-importcert", "-noprompt", "-alias", "extra-ca", "-file", "dev.pem", "-storetype", "JKS", "-keystore", "trust.jks", "-storepass", StorePassword], dir.Path));

        var material = MaterialLoader.LoadFile(dir["dev.jks"], new LoadOptions { Password = StorePassword, KeyPassword = "key-pass-7" });
        var key = Assert.Single(material.PrivateKeys);
        Assert.Equal((PrivateKeyAlgorithm.Rsa, 2048, "device7"), (key.Algorithm, key.KeySize, key.Origin.FriendlyName));
        Assert.Equal("CN=device7", Assert.Single(material.Certificates).Subject.ToString());

        // Store password right, key password not given: keytool's default (the store password) does not open it.
        var wrongKey = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(dir["dev.jks"], new LoadOptions { Password = StorePassword }));
        Assert.Equal(MaterialErrorCode.WrongPassphrase, wrongKey.Code);
        Assert.Contains("'device7'", wrongKey.Message, StringComparison.Ordinal);

        var wrongStore = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(dir["dev.jks"], new LoadOptions { Password = "not-it", KeyPassword = "key-pass-7" }));
        Assert.Equal(MaterialErrorCode.WrongPassphrase, wrongStore.Code);
        Assert.Contains("store password", wrongStore.Message, StringComparison.Ordinal);

        var noPassword = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(dir["dev.jks"]));
        Assert.Equal(MaterialErrorCode.PassphraseRequired, noPassword.Code);

        // A truststore needs no password to list (like keytool -list without -storepass), and the right one checks integrity.
        Assert.Equal("extra-ca", Assert.Single(MaterialLoader.LoadFile(dir["trust.jks"]).CertificateOrigins).FriendlyName);
        Assert.Single(MaterialLoader.LoadFile(dir["trust.jks"], new LoadOptions { Password = StorePassword }).Certificates);

        // A damaged store is Malformed, not a password problem.
        var bytes = File.ReadAllBytes(dir["trust.jks"]);
        File.WriteAllBytes(dir["cut.jks"], bytes[..(bytes.Length / 2)]);
        Assert.Equal(MaterialErrorCode.Malformed, Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(dir["cut.jks"], new LoadOptions { Password = StorePassword })).Code);
    }

    [Fact]
    public void Cli_inspects_a_keytool_jks_converts_it_to_jks_and_p12_and_writes_jks_with_pkcs12_and_truststore_format_jks()
    {
        using var dir = new TempDir();
        Ok(Tool.Run("keytool", ["-genkeypair", "-alias", "devicekeyentry", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=cli-jks", "-validity", "30",
            "-storetype", "JKS", "-keystore", "in.jks", "-storepass", StorePassword, "-keypass", StorePassword], dir.Path));

        var inspect = Cli("inspect", dir["in.jks"], "--password", StorePassword);
        Assert.True(inspect.Code == 0, inspect.Error);
        Assert.Contains("CN=cli-jks", inspect.Out, StringComparison.Ordinal);
        Assert.Contains("EC P-256", inspect.Out, StringComparison.Ordinal);

        var wrong = Cli("inspect", dir["in.jks"], "--password", "nope");
        Assert.Equal(2, wrong.Code);
        Assert.Contains("[wrong-passphrase]", wrong.Error, StringComparison.Ordinal);

        var convert = Cli("convert", dir["in.jks"], "--to", "jks", "--out", dir["out.jks"], "--password", StorePassword);
        Assert.True(convert.Code == 0, convert.Error);
        var listed = Keytool(dir.Path, "out.jks");
        Assert.Contains("Entry type: PrivateKeyEntry", listed, StringComparison.Ordinal);
        Assert.Contains("Owner: CN=cli-jks", listed, StringComparison.Ordinal);

        var toP12 = Cli("convert", dir["in.jks"], "--to", "p12", "--out", dir["out.p12"], "--password", StorePassword);
        Assert.True(toP12.Code == 0, toP12.Error);
        Tool.OpenSslOk(dir.Path, "pkcs12", "-in", "out.p12", "-passin", "pass:" + StorePassword, "-noout");

        // pkcs12 --format jks and truststore --format jks from PEM files issued by the CA.
        using var root = TestCa.Root(dir["root"], pathLength: 1);
        var (issued, key) = root.IssueWithNewKey("CN=pem-device", CertificateProfile.Device());
        using var _ = key;
        File.WriteAllText(dir["device.key"], key.ExportPkcs8Pem(null));
        TestCa.WritePem(dir["chain.pem"], [.. issued.Chain]);
        TestCa.WritePem(dir["root.pem"], root.Certificate);
        var keystore = Cli("pkcs12", "--key", dir["device.key"], "--chain", dir["chain.pem"], "--out", dir["device.jks"], "--password", StorePassword, "--format", "jks");
        Assert.True(keystore.Code == 0, keystore.Error);
        var keystoreListing = Keytool(dir.Path, "device.jks");
        Assert.Contains("Certificate chain length: 2", keystoreListing, StringComparison.Ordinal);
        Assert.Contains("Entry type: PrivateKeyEntry", keystoreListing, StringComparison.Ordinal);
        var truststore = Cli("truststore", dir["root.pem"], "--out", dir["trust.jks"], "--password", StorePassword, "--format", "jks");
        Assert.True(truststore.Code == 0, truststore.Error);
        Assert.Contains("Entry type: trustedCertEntry", Keytool(dir.Path, "trust.jks"), StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Error) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static void Ok(ToolResult result) => Assert.True(result.ExitCode == 0, result.ToString());

    private static string Keytool(string directory, string store)
    {
        var result = Tool.Run("keytool", ["-list", "-v", "-keystore", store, "-storepass", StorePassword], directory);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Out;
    }
}
