namespace IoTCerts.Est;

/// <summary>
/// Replace-by-rename writes (write a temp file in the same directory, flush to disk, rename over the target) so a
/// reader sees the old or the new content, never a torn file. Keys are created owner-only (0600) from the start.
/// </summary>
/// <remarks>Stop-gap until IoTCerts.Core's MaterialWriter lands; same contract.</remarks>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, bool secret)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = TempPathFor(full);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static string TempPathFor(string path) => path + ".tmp";

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
