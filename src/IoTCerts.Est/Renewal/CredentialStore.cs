using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est;

/// <summary>The steps of a promotion, in order; tests inject a crash before each one.</summary>
internal enum PromotionStep
{
    WriteStagedKey,
    WriteStagedCertificate,
    VerifyStaged,
    BackUpLive,
    ReplaceKey,
    ReplaceCertificate,
    Cleanup,
}

/// <summary>
/// A credential's files (certificate chain PEM + PKCS#8 key PEM) and the crash-safe promotion of R-73:
/// the new pair is written next to the live one (<c>.new</c>), verified, the live pair backed up (<c>.old</c>),
/// then the key and the certificate are renamed over the live files. A crash between the two renames leaves
/// a key that matches <c>cert.new</c> (roll forward) and a certificate that matches <c>key.old</c> (roll back);
/// <see cref="Repair"/>, run before every load, restores a matching live pair.
/// </summary>
/// <param name="certificatePath">The live certificate chain PEM file.</param>
/// <param name="keyPath">The live private key PEM file.</param>
public sealed class CredentialStore(string certificatePath, string keyPath)
{
    /// <summary>The full path of the live certificate chain PEM (the certificate first).</summary>
    public string CertificatePath { get; } = Path.GetFullPath(certificatePath);

    /// <summary>The full path of the live PKCS#8 private key PEM.</summary>
    public string KeyPath { get; } = Path.GetFullPath(keyPath);

    private string StagedCertificate => CertificatePath + ".new";

    private string StagedKey => KeyPath + ".new";

    private string BackupCertificate => CertificatePath + ".old";

    private string BackupKey => KeyPath + ".old";

    /// <summary>Test seam: called before each step; throwing simulates a crash at that point.</summary>
    internal Action<PromotionStep>? BeforeStep { get; set; }

    /// <summary>Loads the live pair after repairing a half-finished promotion; null when there is no live pair yet.</summary>
    /// <exception cref="CryptographicException">The live files exist but do not form a usable pair and cannot be repaired.</exception>
    public LoadedCredential? Load()
    {
        Repair();
        if (!File.Exists(CertificatePath) || !File.Exists(KeyPath))
        {
            return null;
        }

        return LoadPair(CertificatePath, KeyPath) ?? throw new CryptographicException($"the certificate '{CertificatePath}' and the key '{KeyPath}' do not match");
    }

    /// <summary>Brings the files back to a matching live pair after a crash at any promotion step.</summary>
    public void Repair()
    {
        foreach (var path in new[] { CertificatePath, KeyPath, StagedCertificate, StagedKey, BackupCertificate, BackupKey })
        {
            IoTCerts.Core.AtomicFile.DeleteTemporaries(path);
        }

        if (Matches(CertificatePath, KeyPath))
        {
            // Either nothing happened, the crash came before the key was replaced, or after both renames:
            // the live pair is whole; staged files may be unverified, so they are discarded.
            Discard(StagedCertificate, StagedKey, BackupCertificate, BackupKey);
            return;
        }

        if (File.Exists(StagedCertificate) && Matches(StagedCertificate, KeyPath))
        {
            // Crash between "replace key" and "replace certificate": the staged pair was verified before the backup.
            File.Move(StagedCertificate, CertificatePath, overwrite: true);
            Discard(StagedKey, BackupCertificate, BackupKey);
            return;
        }

        if (File.Exists(BackupKey) && Matches(CertificatePath, BackupKey))
        {
            File.Move(BackupKey, KeyPath, overwrite: true);
            Discard(StagedCertificate, StagedKey, BackupCertificate);
            return;
        }

        if (File.Exists(BackupKey) && File.Exists(BackupCertificate) && Matches(BackupCertificate, BackupKey))
        {
            File.Move(BackupKey, KeyPath, overwrite: true);
            File.Move(BackupCertificate, CertificatePath, overwrite: true);
            Discard(StagedCertificate, StagedKey);
        }
    }

    /// <summary>Writes, verifies and promotes a new pair; on any failure before the renames the live pair is untouched.</summary>
    /// <param name="chain">The new certificate first, then its chain certificates.</param>
    /// <param name="keyPem">The PKCS#8 PEM of the new (or the unchanged) private key.</param>
    /// <param name="verify">Returns null when the loaded staged pair is acceptable, or the reason it is not.</param>
    public void Promote(IReadOnlyList<X509Certificate2> chain, string keyPem, Func<LoadedCredential, string?> verify)
    {
        Step(PromotionStep.WriteStagedKey);
        WriteFile(StagedKey, Encoding.ASCII.GetBytes(keyPem), secret: true);
        Step(PromotionStep.WriteStagedCertificate);
        WriteFile(StagedCertificate, Encoding.ASCII.GetBytes(ToPem(chain)), secret: false);

        Step(PromotionStep.VerifyStaged);
        var staged = LoadPair(StagedCertificate, StagedKey);
        var problem = staged is null ? "the new certificate and key do not match" : verify(staged);
        if (problem is not null)
        {
            Discard(StagedCertificate, StagedKey);
            throw new CryptographicException($"the new credential was not promoted: {problem}");
        }

        Step(PromotionStep.BackUpLive);
        if (File.Exists(KeyPath) && File.Exists(CertificatePath))
        {
            WriteFile(BackupKey, File.ReadAllBytes(KeyPath), secret: true);
            WriteFile(BackupCertificate, File.ReadAllBytes(CertificatePath), secret: false);
        }

        Step(PromotionStep.ReplaceKey);
        File.Move(StagedKey, KeyPath, overwrite: true);
        Step(PromotionStep.ReplaceCertificate);
        File.Move(StagedCertificate, CertificatePath, overwrite: true);
        Step(PromotionStep.Cleanup);
        Discard(BackupCertificate, BackupKey);
    }

    /// <summary>Loads a certificate chain PEM and a key PEM as a pair; null when they do not match or cannot be read.</summary>
    public static LoadedCredential? LoadPair(string certificatePath, string keyPath)
    {
        try
        {
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath);
            if (chain.Count == 0)
            {
                return null;
            }

            var leaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var rest = new X509Certificate2Collection();
            for (var i = 1; i < chain.Count; i++)
            {
                rest.Add(chain[i]);
            }

            return new LoadedCredential(leaf, rest, File.ReadAllText(keyPath));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    internal static string ToPem(IEnumerable<X509Certificate2> certificates)
    {
        var builder = new StringBuilder();
        foreach (var certificate in certificates)
        {
            builder.Append(PemEncoding.WriteString("CERTIFICATE", certificate.RawData)).Append('\n');
        }

        return builder.ToString();
    }

    private static bool Matches(string certificatePath, string keyPath) =>
        File.Exists(certificatePath) && File.Exists(keyPath) && LoadPair(certificatePath, keyPath) is not null;

    private static void Discard(params string[] paths)
    {
        foreach (var path in paths)
        {
            IoTCerts.Core.AtomicFile.TryDelete(path);
        }
    }

    /// <summary>Replace-by-rename through Core's <see cref="IoTCerts.Core.AtomicFile"/>; keys are created 0600 before any byte is written.</summary>
    internal static void WriteFile(string path, ReadOnlySpan<byte> content, bool secret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        IoTCerts.Core.AtomicFile.Write(path, content, secret ? IoTCerts.Core.AtomicFile.SecretMode : IoTCerts.Core.AtomicFile.PublicMode);
    }

    private void Step(PromotionStep step) => BeforeStep?.Invoke(step);
}

/// <summary>A certificate with its private key, the chain certificates stored after it, and the key's PEM.</summary>
/// <param name="Certificate">The certificate, with its private key attached.</param>
/// <param name="Chain">The chain certificates stored after it, in file order.</param>
/// <param name="KeyPem">The PKCS#8 PEM text of the private key.</param>
public sealed record LoadedCredential(X509Certificate2 Certificate, X509Certificate2Collection Chain, string KeyPem);
