using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Core.Tests.Fuzzing;

/// <summary>
/// The fuzzer's seed corpus: one valid instance of every kind of material IoTCerts reads, made by .NET (independent of
/// the parsers), written to Corpus/seeds by <see cref="FuzzCorpusTests.Regenerate_the_seed_corpus"/> and committed.
/// Encrypted seeds use cheap work factors so a fuzz case stays in microseconds. No third-party samples.
/// </summary>
internal static class SeedCorpus
{
    /// <summary>tests/IoTCerts.Core.Tests/Corpus in the source tree (found from the test assembly's directory).</summary>
    public static string Directory { get; } = FindCorpus();

    public static string SeedDirectory => Path.Combine(Directory, "seeds");

    public static string RegressionDirectory => Path.Combine(Directory, "regressions");

    private static readonly Lazy<byte[][]> s_seeds = new(() =>
    {
        var files = System.IO.Directory.Exists(SeedDirectory) ? System.IO.Directory.GetFiles(SeedDirectory).Order(StringComparer.Ordinal).ToArray() : [];
        return files.Length > 0 ? [.. files.Select(File.ReadAllBytes)] : [.. Generate().Values];
    });

    /// <summary>The committed seeds (or freshly generated ones when the directory is empty).</summary>
    public static byte[][] Seeds => s_seeds.Value;

    /// <summary>Makes every seed: name → bytes.</summary>
    public static Dictionary<string, byte[]> Generate()
    {
        var seeds = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = notBefore.AddYears(2);
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Fuzz Root, O=IoTCerts", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var root = rootRequest.CreateSelfSigned(notBefore, notAfter);

        using var rsa = RSA.Create(2048);
        var intRequest = new CertificateRequest("CN=Fuzz Issuing CA, O=IoTCerts", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        intRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intRequest.PublicKey, false));
        intRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        intRequest.CertificateExtensions.Add(new X509Extension("2.5.29.30", Convert.FromHexString("3012A0103006820474657374300687047F000000"), true));
        using var intermediate = intRequest.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), notBefore, notAfter, [0x10, 0x01]);
        using var intermediateWithKey = intermediate.CopyWithPrivateKey(rsa);

        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var deviceRequest = new CertificateRequest("CN=device-0001, O=IoTCerts", deviceKey, HashAlgorithmName.SHA256);
        deviceRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        deviceRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        deviceRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("device-0001.test");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddUri(new Uri("urn:device:0001"));
        deviceRequest.CertificateExtensions.Add(san.Build());
        deviceRequest.CertificateExtensions.Add(new X509Extension("1.3.6.1.5.5.7.1.1", Convert.FromHexString("3022302006082B060105050730018614687474703A2F2F6F6373702E746573742F"), false));
        deviceRequest.CertificateExtensions.Add(new X509Extension("2.5.29.31", Convert.FromHexString("301B3019A017A0158613687474703A2F2F63726C2E746573742F612E63"), false));
        deviceRequest.CertificateExtensions.Add(new X509Extension("2.5.29.32", Convert.FromHexString("300E300C060A2B0601040182372A0101"), false));
        using var device = deviceRequest.Create(intermediate.SubjectName, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pss), notBefore, notAfter, [0x20, 0x02]);

        seeds["root.der"] = root.RawData;
        seeds["intermediate-pss.der"] = intermediate.RawData;
        seeds["device.der"] = device.RawData;
        seeds["chain.pem"] = Encoding.ASCII.GetBytes(PemWriter.Write("CERTIFICATE", device.RawData) + PemWriter.Write("CERTIFICATE", intermediate.RawData) + PemWriter.Write("CERTIFICATE", root.RawData));
        seeds["device.csr"] = deviceRequest.CreateSigningRequest();
        seeds["device-csr.pem"] = Encoding.ASCII.GetBytes(PemWriter.Write("CERTIFICATE REQUEST", deviceRequest.CreateSigningRequest()));

        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry([0x20, 0x02], notBefore.AddDays(1), X509RevocationReason.KeyCompromise);
        crl.AddEntry([0x20, 0x03], notBefore.AddDays(2));
        seeds["issuing.crl"] = crl.Build(intermediateWithKey, 7, notAfter, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        seeds["device.p8"] = deviceKey.ExportPkcs8PrivateKey();
        seeds["device.sec1"] = deviceKey.ExportECPrivateKey();
        seeds["rsa.pkcs1"] = rsa.ExportRSAPrivateKey();
        seeds["device-encrypted.pem"] = Encoding.ASCII.GetBytes(PemWriter.Write("ENCRYPTED PRIVATE KEY", deviceKey.ExportEncryptedPkcs8PrivateKey("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 64))));
        seeds["device-3des.der"] = deviceKey.ExportEncryptedPkcs8PrivateKey("pw", new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, 64));
        seeds["key-and-cert.pem"] = Encoding.ASCII.GetBytes(PemWriter.Write("PRIVATE KEY", deviceKey.ExportPkcs8PrivateKey()) + PemWriter.Write("CERTIFICATE", device.RawData));

        var collection = new X509Certificate2Collection { device, intermediate, root };
        seeds["chain.p7b"] = collection.Export(X509ContentType.Pkcs7)!;

        var pfx = new Pkcs12Builder();
        var certs = new Pkcs12SafeContents();
        certs.AddCertificate(device);
        certs.AddCertificate(intermediate);
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 32);
        pfx.AddSafeContentsEncrypted(certs, "pw", pbe);
        var keys = new Pkcs12SafeContents();
        keys.AddShroudedKey(deviceKey, "pw", pbe);
        pfx.AddSafeContentsUnencrypted(keys);
        pfx.SealWithMac("pw", HashAlgorithmName.SHA256, 32);
        seeds["device.p12"] = pfx.Encode();

        var legacy = new Pkcs12Builder();
        var legacyCerts = new Pkcs12SafeContents();
        legacyCerts.AddCertificate(root);
        legacy.AddSafeContentsEncrypted(legacyCerts, string.Empty, new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, 16));
        legacy.SealWithMac(string.Empty, HashAlgorithmName.SHA1, 16);
        seeds["legacy-empty-password.p12"] = legacy.Encode();
        seeds["chain.b64"] = Encoding.ASCII.GetBytes(Convert.ToBase64String(device.RawData));
        seeds["spki.der"] = deviceKey.ExportSubjectPublicKeyInfo();
        seeds["name.der"] = device.SubjectName.RawData;
        return seeds;
    }

    private static string FindCorpus()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "IoTCerts.Core.Tests", "Corpus");
            if (System.IO.Directory.Exists(Path.Combine(directory.FullName, "tests", "IoTCerts.Core.Tests")))
            {
                return candidate;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "Corpus");
    }
}
