using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a half-written
/// file: the bytes go to a temporary file in the same directory (so the rename stays on one file system), are
/// flushed to disk, and the temporary file is renamed over the target. Files holding private keys are created
/// with mode 0600 before the first byte is written.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, bool holdsPrivateKey, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("the path has no directory", nameof(path));
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{RandomNumberGenerator.GetHexString(12, lowercase: true)}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = holdsPrivateKey
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
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
}
