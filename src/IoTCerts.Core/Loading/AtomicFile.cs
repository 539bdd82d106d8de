using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a half-written
/// file: the bytes go to a temporary file in the same directory (so the rename stays on one file system), created
/// with its final permissions before the first byte (R-05: keys 0600), flushed to disk, and renamed over (or, without
/// overwrite, linked to) the target. The one implementation every IoTCerts package and the CLI write files with.
/// </summary>
public static class AtomicFile
{
    /// <summary>Owner read/write: private keys, keystores, CA databases.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read/write, everyone read: certificates, CRLs, truststores.</summary>
    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically, replacing any existing file.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode) =>
        TryWrite(path, data, mode, overwrite: true);

    /// <summary>
    /// Writes <paramref name="data"/> to <paramref name="path"/> atomically; returns false, writing nothing, when the file
    /// exists and <paramref name="overwrite"/> is false (also when another writer created it meanwhile). Without
    /// <paramref name="flushToDisk"/> the rename is still atomic for readers and process crashes, but a power loss may
    /// lose the file (for copies that can be rebuilt from a flushed file).
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static bool TryWrite(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool overwrite, bool flushToDisk = true)
    {
        var bytes = data.ToArray();
        return TryWrite(path, mode, overwrite, flushToDisk, stream => stream.Write(bytes));
    }

    /// <summary>Writes text (UTF-8, no BOM) atomically; false when the file exists and <paramref name="overwrite"/> is false.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static bool TryWriteText(string path, string text, UnixFileMode mode, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryWrite(path, Encoding.UTF8.GetBytes(text), mode, overwrite);
    }

    /// <summary>Deletes the temporary files (<c>.name.*.tmp</c>) an interrupted write of <paramref name="path"/> left behind.</summary>
    public static void DeleteTemporaries(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        foreach (var temporary in Directory.EnumerateFiles(directory, $".{Path.GetFileName(full)}.*.tmp"))
        {
            TryDelete(temporary);
        }
    }

    /// <summary>Deletes a file, ignoring failures (a leftover file matters less than the error being reported).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The original error matters more than a leftover temporary file.
        }
    }

    /// <summary>Writes through a stream (PKCS#12 and PEM writers); keys get mode 0600.</summary>
    internal static void Write(string path, bool holdsPrivateKey, Action<Stream> write) =>
        TryWrite(path, holdsPrivateKey ? SecretMode : PublicMode, overwrite: true, flushToDisk: true, write);

    private static bool TryWrite(string path, UnixFileMode mode, bool overwrite, bool flushToDisk, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException("the path has no directory", nameof(path));
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Created no wider than owner read/write; the final mode is set before the rename publishes the file.
            options.UnixCreateMode = mode & SecretMode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, mode);
            }

            try
            {
                // Without overwrite, .NET moves by link+unlink on Unix: it fails instead of replacing a file that appeared meanwhile.
                File.Move(temporary, full, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(full))
            {
                return false;
            }

            return true;
        }
        finally
        {
            if (File.Exists(temporary))
            {
                TryDelete(temporary);
            }
        }
    }
}
