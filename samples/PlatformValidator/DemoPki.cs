using System.Security.Cryptography.X509Certificates;
using IoTCerts.Issuance;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>One demo device: its certificate chain file (device first, then its issuer) and its key file.</summary>
internal sealed record DemoDevice(string Name, string CommonName, string CertificateFile, string KeyFile, string SerialNumber, string Expectation);

/// <summary>
/// A throw-away PKI made with IoTCerts.Issuance for the zero-configuration run and the tests: a root CA and an issuing
/// intermediate (the CA a platform team uploads), a server certificate, CRLs, and devices that are valid, expired,
/// revoked, issued by an unknown CA, or break a Cumulocity naming rule.
/// </summary>
internal sealed class DemoPki
{
    public const string Valid = "valid";
    public const string Expired = "expired";
    public const string Revoked = "revoked";
    public const string Untrusted = "untrusted";
    public const string BadName = "bad-name";

    private DemoPki(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string RootFile => Path.Combine(Directory, "ca", "root.pem");

    public string RootCrlFile => Path.Combine(Directory, "ca", "root.crl");

    public string IntermediateFile => Path.Combine(Directory, "ca", "intermediate.pem");

    public string IntermediateCrlFile => Path.Combine(Directory, "ca", "intermediate.crl");

    public string ServerCertificateFile => Path.Combine(Directory, "server", "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server", "server.key");

    public IReadOnlyDictionary<string, DemoDevice> Devices { get; private set; } = new Dictionary<string, DemoDevice>();

    /// <summary>The devices in the order the demo shows them.</summary>
    public IEnumerable<DemoDevice> OrderedDevices => new[] { Valid, Expired, Revoked, Untrusted, BadName }.Select(name => Devices[name]);

    /// <summary>Creates the PKI under <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">Where every file goes; CA databases live in sub-folders.</param>
    /// <param name="crlBaseUri">When set, CA certificates and devices name <c>{base}root.crl</c> / <c>{base}intermediate.crl</c> as CRL distribution points (online revocation).</param>
    public static DemoPki Create(string directory, Uri? crlBaseUri = null)
    {
        var pki = new DemoPki(Path.GetFullPath(directory));
        foreach (var folder in new[] { "ca", "server", "devices" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(pki.Directory, folder));
        }

        // A clock 30 days back lets the intermediate issue a device that has already expired, as in the field.
        var past = new ShiftedClock(TimeSpan.FromDays(-30));
        var rootDatabase = Database(pki, "root-db");
        using (var pastRoot = CertificateAuthority.CreateRoot(rootDatabase, new CaOptions
        {
            Subject = "CN=IoTCerts Demo Root CA,O=IoTCerts Demo",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            Settings = new CaSettings { CrlDistributionPoint = crlBaseUri is null ? null : new Uri(crlBaseUri, "root.crl") },
        }, past))
        {
            pastRoot.CreateIntermediate(Database(pki, "intermediate-db"), new CaOptions
            {
                Subject = "CN=IoTCerts Demo Device CA,O=IoTCerts Demo",
                KeyAlgorithm = KeyAlgorithm.EcP256,
                PathLength = 0,
                Settings = new CaSettings { CrlDistributionPoint = crlBaseUri is null ? null : new Uri(crlBaseUri, "intermediate.crl") },
            }).Dispose();
        }

        var devices = new Dictionary<string, DemoDevice>(StringComparer.Ordinal);
        using (var pastIntermediate = CertificateAuthority.Open(Database(pki, "intermediate-db"), null, past))
        {
            devices[Expired] = pki.IssueDevice(pastIntermediate, Expired, "demo-device-expired", TimeSpan.FromDays(1), "403 Expired");
        }

        using var root = CertificateAuthority.Open(rootDatabase, null);
        using var intermediate = CertificateAuthority.Open(Database(pki, "intermediate-db"), null);
        File.WriteAllText(pki.RootFile, root.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(pki.IntermediateFile, intermediate.Certificate.ExportCertificatePem() + "\n");
        devices[Valid] = pki.IssueDevice(intermediate, Valid, "demo-device-0001", null, "200 and the device identity");
        devices[Revoked] = pki.IssueDevice(intermediate, Revoked, "demo-device-revoked", null, "403 Revoked");
        devices[BadName] = pki.IssueDevice(intermediate, BadName, "demo:device", null, "403 c8y-device-common-name");
        intermediate.Revoke(devices[Revoked].SerialNumber, X509RevocationReason.KeyCompromise);
        File.WriteAllText(pki.RootCrlFile, root.PublishCrl().Pem);
        File.WriteAllText(pki.IntermediateCrlFile, intermediate.PublishCrl().Pem);

        var (server, serverKey) = root.IssueWithNewKey("CN=localhost", CertificateProfile.Server(), KeyAlgorithm.EcP256, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"], TimeSpan.FromDays(30));
        using (serverKey)
        {
            File.WriteAllText(pki.ServerCertificateFile, CertificateChains.ToPem([server.Certificate]));
            WriteKey(pki.ServerKeyFile, serverKey);
        }

        using (var rogue = CertificateAuthority.CreateRoot(Database(pki, "rogue-db"), new CaOptions { Subject = "CN=Rogue CA", KeyAlgorithm = KeyAlgorithm.EcP256 }))
        {
            devices[Untrusted] = pki.IssueDevice(rogue, Untrusted, "rogue-device", null, "403 UntrustedRoot");
        }

        pki.Devices = devices;
        return pki;
    }

    /// <summary>The configuration that points the validator at this PKI (with <paramref name="crlFiles"/>, offline revocation with both CRLs).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Configuration(string address, int port, bool crlFiles = true)
    {
        const string P = PlatformValidatorOptions.Section + ":";
        var settings = new Dictionary<string, string?>
        {
            [P + "Address"] = address,
            [P + "Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [P + "ServerCertificateFile"] = ServerCertificateFile,
            [P + "ServerKeyFile"] = ServerKeyFile,
            [P + "TrustAnchorFiles:0"] = RootFile,
        };
        if (crlFiles)
        {
            settings[P + "CrlFiles:0"] = RootCrlFile;
            settings[P + "CrlFiles:1"] = IntermediateCrlFile;
            settings[P + "CrlIssuerFiles:0"] = IntermediateFile;
        }

        return settings;
    }

    private static DirectoryCaDatabase Database(DemoPki pki, string name) =>
        new(Path.Combine(pki.Directory, "ca", name)) { FlushToDisk = false };

    private DemoDevice IssueDevice(CertificateAuthority ca, string name, string commonName, TimeSpan? validity, string expectation)
    {
        var (issued, key) = ca.IssueWithNewKey($"CN={commonName},O=IoTCerts Demo", CertificateProfile.Device(), KeyAlgorithm.EcP256, validity: validity);
        using (key)
        {
            // The device sends its certificate and its issuer, as Cumulocity's documentation asks.
            var certificateFile = Path.Combine(Directory, "devices", name + ".pem");
            var keyFile = Path.Combine(Directory, "devices", name + ".key");
            File.WriteAllText(certificateFile, CertificateChains.ToPem([issued.Certificate, ca.Certificate]));
            WriteKey(keyFile, key);
            return new DemoDevice(name, commonName, certificateFile, keyFile, issued.SerialNumber, expectation);
        }
    }

    // private keys are readable by their owner only.
    private static void WriteKey(string path, SigningKey key)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
        writer.Write(key.ExportPkcs8Pem(null));
    }

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
