using IoTCerts.Core;

namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>R-04/R-65: Java keytool lists our keystore as PrivateKeyEntry and our truststore as trustedCertEntry; Java's PKIX validator accepts the chain.</summary>
public sealed class JavaInteropTests
{
    private const string StorePassword = "changeit-42";

    // A tiny Java program (single-file source launch): validates the keystore's chain against the truststore with PKIX.
    private const string ValidatorSource = """
        import java.io.FileInputStream;
        import java.security.KeyStore;
        import java.security.cert.*;
        import java.util.*;

        public class ValidateChain {
            public static void main(String[] args) throws Exception {
                char[] pw = args[2].toCharArray();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (FileInputStream in = new FileInputStream(args[0])) { ks.load(in, pw); }
                KeyStore ts = KeyStore.getInstance("PKCS12");
                try (FileInputStream in = new FileInputStream(args[1])) { ts.load(in, pw); }
                Certificate[] chain = ks.getCertificateChain("devicekeyentry");
                if (ks.getKey("devicekeyentry", pw) == null) throw new IllegalStateException("no key");
                List<Certificate> path = new ArrayList<>(Arrays.asList(chain));
                path.remove(path.size() - 1); // the root is the trust anchor, not part of the path
                CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
                PKIXParameters params = new PKIXParameters(ts);
                params.setRevocationEnabled(false);
                CertPathValidator.getInstance("PKIX").validate(certPath, params);
                System.out.println("PKIX OK chain=" + chain.length + " anchors=" + ts.size());
            }
        }
        """;

    [Theory]
    [InlineData(Pkcs12Encryption.Aes256Sha256)]
    [InlineData(Pkcs12Encryption.LegacyTripleDesSha1)]
    public void KeytoolListsKeystoreAndTruststoreAndJavaValidatesTheChain(Pkcs12Encryption encryption)
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], pathLength: 1);
        using var issuing = TestCa.Intermediate(root, dir["int"], "Issuing CA", 0);
        var (issued, key) = issuing.IssueWithNewKey("CN=java-device,O=Acme", CertificateProfile.Device());
        using var _ = key;
        var options = new Pkcs12Options { Encryption = encryption };
        File.WriteAllBytes(dir["keystore.p12"], Pkcs12Files.CreateKeystore(key, issued.Chain, StorePassword, options));
        File.WriteAllBytes(dir["truststore.p12"], Pkcs12Files.CreateTruststore([root.Certificate, issuing.Certificate], StorePassword, options));

        var keystore = Keytool(dir.Path, "keystore.p12");
        Assert.Contains("Your keystore contains 1 entry", keystore, StringComparison.Ordinal);
        Assert.Contains("Alias name: devicekeyentry", keystore, StringComparison.Ordinal);
        Assert.Contains("Entry type: PrivateKeyEntry", keystore, StringComparison.Ordinal);
        Assert.Contains("Certificate chain length: 3", keystore, StringComparison.Ordinal);

        var truststore = Keytool(dir.Path, "truststore.p12");
        Assert.Contains("Your keystore contains 2 entries", truststore, StringComparison.Ordinal);
        Assert.Equal(2, truststore.Split("Entry type: trustedCertEntry").Length - 1);
        Assert.Contains("Alias name: test root", truststore, StringComparison.Ordinal);
        Assert.Contains("Alias name: issuing ca", truststore, StringComparison.Ordinal);
        Assert.DoesNotContain("PrivateKeyEntry", truststore, StringComparison.Ordinal);

        File.WriteAllText(dir["ValidateChain.java"], ValidatorSource);
        var java = Tool.Run("java", ["ValidateChain.java", "keystore.p12", "truststore.p12", StorePassword], dir.Path);
        Assert.True(java.ExitCode == 0, java.ToString());
        Assert.Contains("PKIX OK chain=3 anchors=2", java.Out, StringComparison.Ordinal);
    }

    private static string Keytool(string directory, string store)
    {
        var result = Tool.Run("keytool", ["-list", "-v", "-storetype", "PKCS12", "-keystore", store, "-storepass", StorePassword], directory);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Out;
    }
}
