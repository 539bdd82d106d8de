using System.Text;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>The CA database's file writes: Core's <see cref="AtomicFile"/>, with "exists" as the issuance error the CLI reports.</summary>
internal static class IssuanceFiles
{
    /// <exception cref="IssuanceException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public static void Write(string path, ReadOnlySpan<byte> data, UnixFileMode mode, bool overwrite, bool flushToDisk = true)
    {
        if (!AtomicFile.TryWrite(path, data, mode, overwrite, flushToDisk))
        {
            throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"'{path}' already exists and is not overwritten (use --force to replace it)");
        }
    }

    public static void WriteText(string path, string text, UnixFileMode mode, bool overwrite) =>
        Write(path, Encoding.UTF8.GetBytes(text), mode, overwrite);
}
