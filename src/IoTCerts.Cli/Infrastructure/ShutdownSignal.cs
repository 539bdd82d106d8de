using System.Runtime.InteropServices;

namespace IoTCerts.Cli.Infrastructure;

/// <summary>
/// SIGTERM, SIGINT (Ctrl+C) and SIGQUIT for a long-running command (<c>est serve</c>, <c>renew --loop</c>,
/// <c>mqtt subscribe</c>): the first signal asks the command to stop cleanly (its token is cancelled and the process is
/// not killed), a second one of the same kind is left to the operating system, which ends the process at once — the
/// way systemd, Docker and Kubernetes escalate.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    private ShutdownSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // Not every platform has every signal (SIGQUIT on Windows is Ctrl+Break); the others still work.
            }
        }
    }

    /// <summary>Cancelled by the first stop signal.</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>True once a stop signal came.</summary>
    public bool IsRequested => _requested.IsCancellationRequested;

    /// <summary>Starts listening; dispose to restore the default handling.</summary>
    public static ShutdownSignal Listen() => new();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_requested.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        _requested.Cancel();
    }
}
