using IoTCerts.Core;

namespace IoTCerts.Est;

/// <summary>
/// Replace-by-rename writes through IoTCerts.Core's <see cref="MaterialWriter"/> (temporary file, flush, rename; keys
/// created 0600 before any byte is written), plus the clean-up of temporary files a crash may leave behind.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool secret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        MaterialWriter.WriteFile(path, content, holdsPrivateKey: secret);
    }

    /// <summary>Deletes the temporary files (<c>.name.*.tmp</c>) an interrupted write of <paramref name="path"/> left.</summary>
    public static void DeleteTemporaries(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var temporary in Directory.EnumerateFiles(directory, $".{Path.GetFileName(full)}.*.tmp"))
        {
            TryDelete(temporary);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
