using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// A PIN readable once as a file (<c>/proc/self/fd/N</c>) without touching the disk: the write end of a pipe is
/// filled and closed, so every later read sees end-of-file instead of blocking.
/// </summary>
internal sealed class PinPipe : IDisposable
{
    private readonly AnonymousPipeServerStream writer;
    private readonly SafePipeHandle reader;

    public PinPipe(string pin)
    {
        writer = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        reader = writer.ClientSafePipeHandle;
        Path = $"/proc/self/fd/{reader.DangerousGetHandle().ToInt64()}";

        // No newline: libp11 reads the PIN with BIO_gets, which keeps it.
        writer.Write(Encoding.UTF8.GetBytes(pin));
        writer.Flush();
        writer.Dispose();
    }

    public string Path { get; }

    public void Dispose()
    {
        writer.Dispose();
        reader.Dispose();
    }
}
