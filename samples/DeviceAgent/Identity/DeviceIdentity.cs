using System.Security.Cryptography.X509Certificates;
using IoTCerts.Device;
using IoTCerts.Est;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// The device's one renewable credential and IoTCerts.Device's <see cref="DeviceIdentityService"/> that keeps it alive
/// over EST, shared by the host (runs the service) and the telemetry worker (follows its renewals). Built on first use,
/// after the options were validated, because building reads the trust and bootstrap files.
/// </summary>
internal sealed class DeviceIdentity
{
    private readonly Lazy<(RenewalCredential Credential, CertificateRenewalEngine Engine, DeviceIdentityService Service)> _built;

    public DeviceIdentity(IOptions<DeviceAgentOptions> options, ILoggerFactory loggers, TimeProvider? timeProvider = null)
    {
        Options = options.Value;
        Clock = timeProvider ?? TimeProvider.System;
        _built = new(() => Build(Options, Clock, loggers));
    }

    public DeviceAgentOptions Options { get; }

    public TimeProvider Clock { get; }

    public RenewalCredential Credential => _built.Value.Credential;

    public CertificateRenewalEngine Engine => _built.Value.Engine;

    /// <summary>The hosted service that runs the engine (registered with the host by <see cref="DeviceAgentHost.AddDeviceAgent"/>).</summary>
    public DeviceIdentityService Service => _built.Value.Service;

    /// <summary>Completes once the store holds a valid certificate and key (loaded at start, or after the first enrollment).</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => Service.WaitUntilReadyAsync(cancellationToken);

    private static (RenewalCredential, CertificateRenewalEngine, DeviceIdentityService) Build(DeviceAgentOptions options, TimeProvider clock, ILoggerFactory loggers)
    {
        EstSettings est = options.Est;
        Directory.CreateDirectory(options.StoreDirectory!);
        var client = new EstClientOptions
        {
            Server = new Uri(est.Server!),
            Label = est.Label,
            UserName = est.UserName,
            Password = est.PasswordFile is { } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : null,
            TimeProvider = clock,
        };
        client.TrustAnchors.ImportFromPemFile(est.TrustFile!);
        var credential = new RenewalCredential
        {
            Name = "device-identity",
            CertificatePath = options.CertificatePath,
            KeyPath = options.KeyPath,
            CaCertificatesPath = options.CaCertificatesPath,
            Est = client,
            BootstrapCertificatePath = est.BootstrapCertificateFile,
            BootstrapKeyPath = est.BootstrapKeyFile,
            Subject = new X500DistinguishedName(est.Subject!),
            Schedule = RenewalSchedule.Parse(est.RenewAt, est.RetryInterval, est.Jitter),
            RotateKey = est.RotateKey,
            CaCheckInterval = est.CaCheckInterval,
            // Servers without /cacerts (Cumulocity): the issuing CA comes from configuration, never from the server.
            IssuerTrustAnchors = est.IssuerTrustFile is { } issuers ? LoadPem(issuers) : null,
        };
        var engine = new CertificateRenewalEngine([credential], clock, loggers.CreateLogger<CertificateRenewalEngine>());
        var service = new DeviceIdentityService(engine, credential, clock);
        IdentityLog.Attach(service, options, loggers.CreateLogger<DeviceIdentityService>());
        return (credential, engine, service);
    }

    private static X509Certificate2[] LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return [.. certificates];
    }
}
