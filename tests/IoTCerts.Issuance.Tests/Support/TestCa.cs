using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance.Tests;

/// <summary>Quick CA hierarchies in a temp directory for tests (EC keys: fast to generate).</summary>
internal static class TestCa
{
    public const string Password = "ca-secret";

    public static CertificateAuthority Root(string dir, int? pathLength = null, KeyAlgorithm key = KeyAlgorithm.EcP256, CaSettings? settings = null, TimeProvider? time = null) =>
        CertificateAuthority.CreateRoot(new DirectoryCaDatabase(dir), new CaOptions
        {
            Subject = "CN=Test Root,O=IoTCerts Tests,C=DE",
            KeyAlgorithm = key,
            KeyPassphrase = Password,
            PathLength = pathLength,
            Settings = settings ?? new CaSettings(),
        }, time);

    public static CertificateAuthority Intermediate(CertificateAuthority parent, string dir, string name, int? pathLength = null, CaSettings? settings = null) =>
        parent.CreateIntermediate(new DirectoryCaDatabase(dir), new CaOptions
        {
            Subject = $"CN={name},O=IoTCerts Tests",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            KeyPassphrase = Password,
            PathLength = pathLength,
            Settings = settings ?? new CaSettings(),
        });

    public static void WritePem(string path, params X509Certificate2[] certificates) =>
        File.WriteAllText(path, CertificateChains.ToPem(certificates));
}
