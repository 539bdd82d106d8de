using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Issuance;

namespace IoTCerts.Extensions.DependencyInjection.Tests;

/// <summary>
/// Root → issuing CA → a good and a revoked device, made with IoTCerts.Issuance, with both CAs' CRLs and a rogue CA's
/// CRL written to files. With a CRL base URI, every certificate names <c>{base}root.crl</c> or
/// <c>{base}issuing.crl</c> as its CRL distribution point.
/// </summary>
internal sealed class IssuancePki : IDisposable
{
    public IssuancePki(Uri? crlBase = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "iotcerts-di-crl-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        using var root = CertificateAuthority.CreateRoot(Database("root-db"), new CaOptions
        {
            Subject = "CN=DI CRL Root,O=IoTCerts",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            Settings = new CaSettings { CrlDistributionPoint = crlBase is null ? null : new Uri(crlBase, "root.crl") },
        });
        using var issuing = root.CreateIntermediate(Database("issuing-db"), new CaOptions
        {
            Subject = "CN=DI CRL Issuing CA,O=IoTCerts",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            PathLength = 0,
            Settings = new CaSettings { CrlDistributionPoint = crlBase is null ? null : new Uri(crlBase, "issuing.crl") },
        });
        var (good, goodKey) = issuing.IssueWithNewKey("CN=di-good-device", CertificateProfile.Device());
        var (revoked, revokedKey) = issuing.IssueWithNewKey("CN=di-revoked-device", CertificateProfile.Device());
        goodKey.Dispose();
        revokedKey.Dispose();
        issuing.Revoke(revoked.SerialNumber, X509RevocationReason.KeyCompromise);

        RootCrl = root.PublishCrl().Der;
        IssuingCrl = issuing.PublishCrl().Der;
        File.WriteAllText(RootFile, root.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(IssuingFile, issuing.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllBytes(RootCrlFile, RootCrl);
        File.WriteAllBytes(IssuingCrlFile, IssuingCrl);
        using (var rogue = CertificateAuthority.CreateRoot(Database("rogue-db"), new CaOptions { Subject = "CN=DI CRL Root,O=IoTCerts", KeyAlgorithm = KeyAlgorithm.EcP256 }))
        {
            // Same name as the real root, another key: only the signature tells them apart.
            File.WriteAllText(RogueCrlFile, rogue.PublishCrl().Pem);
        }

        Issuing = Certificate.Parse(issuing.Certificate.RawData);
        Good = Certificate.Parse(good.RawData.ToArray());
        Revoked = Certificate.Parse(revoked.RawData.ToArray());
    }

    public string Directory { get; }

    public string RootFile => PathOf("root.pem");

    public string IssuingFile => PathOf("issuing.pem");

    public string RootCrlFile => PathOf("root.crl");

    public string IssuingCrlFile => PathOf("issuing.crl");

    public string RogueCrlFile => PathOf("rogue.crl");

    public byte[] RootCrl { get; }

    public byte[] IssuingCrl { get; }

    public Certificate Issuing { get; }

    public Certificate Good { get; }

    public Certificate Revoked { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private DirectoryCaDatabase Database(string name) => new(PathOf(name)) { FlushToDisk = false };
}
