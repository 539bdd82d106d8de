using System.Diagnostics;

namespace IoTCerts.Issuance;

/// <summary>
/// An exclusive lock between processes: .NET takes a BSD <c>flock</c> for <see cref="FileShare.None"/> on Unix,
/// which the kernel releases when the holder dies, so a killed issuer never leaves the CA locked.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream stream;

    private FileLock(FileStream stream) => this.stream = stream;

    public static FileLock Acquire(string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = IoTCerts.Core.AtomicFile.SecretMode;
                }

                return new FileLock(new FileStream(path, options));
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2 + 1));
                delay = Math.Min(delay * 2, 50);
            }
            catch (IOException ex)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreBusy, $"the CA database is locked by another process (waited {timeout.TotalSeconds:0} s for '{path}')", ex);
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
