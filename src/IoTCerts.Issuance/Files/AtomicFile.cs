using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>
/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the same directory,
/// created with its final permissions before the first byte (R-05: keys 0600), flushed to disk, then renamed over
/// (or, without overwrite, linked to) the final name.
/// </summary>
public static class AtomicFile
{
    /// <summary>Owner read/write: private keys, keystores, CA databases.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read/write, everyone read: certificates, CRLs, truststores.</summary>
    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IssuanceException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool overwrite) =>
        Write(path, data, mode, overwrite, flushToDisk: true);

    /// <summary>
    /// As <see cref="Write(string, ReadOnlySpan{byte}, UnixFileMode, bool)"/>; without <paramref name="flushToDisk"/> the
    /// rename is still atomic for readers and process crashes, but a power loss may lose the file (the CA database
    /// uses this only for copies it can rebuild from a file that was flushed).
    /// </summary>
    internal static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool overwrite, bool flushToDisk)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw Exists(path);
        }

        var directory = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode & SecretMode;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(data);
                stream.Flush(flushToDisk);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, mode);
            }

            try
            {
                // Without overwrite, .NET moves by link+unlink on Unix: it fails instead of replacing a file that appeared meanwhile.
                File.Move(temp, full, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(full))
            {
                throw Exists(path);
            }
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes text (UTF-8, no BOM) atomically.</summary>
    public static void WriteText(string path, string text, UnixFileMode mode, bool overwrite) =>
        Write(path, Encoding.UTF8.GetBytes(text), mode, overwrite);

    /// <summary>Writes certificates as concatenated PEM (mode 0644).</summary>
    public static void WriteCertificates(string path, IEnumerable<X509Certificate2> certificates, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var text = new StringBuilder();
        foreach (var certificate in certificates)
        {
            text.Append(certificate.ExportCertificatePem()).Append('\n');
        }

        WriteText(path, text.ToString(), PublicMode, overwrite);
    }

    /// <summary>Writes a private key as PKCS#8 PEM (encrypted when <paramref name="passphrase"/> is given), mode 0600.</summary>
    public static void WritePrivateKey(string path, SigningKey key, string? passphrase, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(key);
        WriteText(path, key.ExportPkcs8Pem(passphrase) + "\n", SecretMode, overwrite);
    }

    private static IssuanceException Exists(string path) =>
        new(IssuanceErrorCode.AlreadyExists, $"'{path}' already exists and is not overwritten (use --force to replace it)");
}
