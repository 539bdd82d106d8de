using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary>The CLI's output files: written with Core's <see cref="AtomicFile"/>; an existing file without --force is the "already-exists" error.</summary>
internal static class OutputFiles
{
    public const UnixFileMode SecretMode = AtomicFile.SecretMode;

    public const UnixFileMode PublicMode = AtomicFile.PublicMode;

    public static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool overwrite)
    {
        if (!AtomicFile.TryWrite(path, data, mode, overwrite))
        {
            throw new CliException("already-exists", $"'{path}' already exists and is not overwritten (use --force to replace it)");
        }
    }

    public static void WriteText(string path, string text, UnixFileMode mode, bool overwrite) =>
        Write(path, Encoding.UTF8.GetBytes(text), mode, overwrite);

    /// <summary>Certificates as concatenated PEM (mode 0644).</summary>
    public static void WriteCertificates(string path, IEnumerable<X509Certificate2> certificates, bool overwrite) =>
        WriteText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")), PublicMode, overwrite);

    /// <summary>A private key as PKCS#8 PEM (encrypted when <paramref name="passphrase"/> is given), mode 0600.</summary>
    public static void WritePrivateKey(string path, SigningKey key, string? passphrase, bool overwrite) =>
        WriteText(path, key.ExportPkcs8Pem(passphrase) + "\n", SecretMode, overwrite);
}
