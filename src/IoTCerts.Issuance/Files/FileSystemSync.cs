using System.Runtime.InteropServices;

namespace IoTCerts.Issuance;

/// <summary>
/// Flushes a whole file system at once (Linux <c>syncfs</c>): after writing many small files, one call makes them all
/// durable, where one fsync per file waits for the disk once per file (with ext4's delayed allocation every fsync is a
/// journal commit of its own).
/// </summary>
internal static class FileSystemSync
{
    /// <summary>
    /// Flushes every dirty file of the file system that holds <paramref name="path"/> (an existing file or directory)
    /// and waits for the disk. False when the platform has no <c>syncfs</c> or it failed: the caller then flushes each
    /// file itself.
    /// </summary>
    public static bool TrySync(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            return SyncFs((int)handle.DangerousGetHandle()) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFs(int fd);
}
