using Microsoft.Extensions.Hosting;

namespace IoTCerts.Est;

/// <summary>Runs a <see cref="CertificateRenewalEngine"/> for the lifetime of the host.</summary>
public sealed class CertificateRenewalService : BackgroundService
{
    private readonly CertificateRenewalEngine _engine;

    /// <summary>Creates the service for <paramref name="engine"/>.</summary>
    public CertificateRenewalService(CertificateRenewalEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
    }

    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _engine.RunAsync(stoppingToken);
}

/// <summary>Settings for <c>AddCertificateRenewal</c>: the credentials to keep alive.</summary>
public sealed class CertificateRenewalOptions
{
    /// <summary>The credentials; at least one.</summary>
    public IList<RenewalCredential> Credentials { get; } = [];
}
