using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// The device's one renewable credential and the library's <see cref="CertificateRenewalEngine"/> that keeps it alive,
/// shared by the renewal worker (runs the engine) and the telemetry worker (follows its renewals). Built on first use,
/// after the options were validated, because building reads the trust and bootstrap files.
/// </summary>
internal sealed class DeviceIdentity
{
    private readonly Lazy<(RenewalCredential Credential, CertificateRenewalEngine Engine)> _built;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeviceIdentity(IOptions<DeviceAgentOptions> options, ILoggerFactory loggers, TimeProvider? timeProvider = null)
    {
        Options = options.Value;
        Clock = timeProvider ?? TimeProvider.System;
        _built = new(() => Build(Options, Clock, loggers.CreateLogger<CertificateRenewalEngine>()));
    }

    public DeviceAgentOptions Options { get; }

    public TimeProvider Clock { get; }

    public RenewalCredential Credential => _built.Value.Credential;

    public CertificateRenewalEngine Engine => _built.Value.Engine;

    /// <summary>Completes once the store holds a valid certificate and key (loaded at start, or after the first enrollment).</summary>
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public void MarkReady() => _ready.TrySetResult();

    private static (RenewalCredential, CertificateRenewalEngine) Build(DeviceAgentOptions options, TimeProvider clock, ILogger<CertificateRenewalEngine> logger)
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
        return (credential, new CertificateRenewalEngine([credential], clock, logger));
    }

    private static X509Certificate2[] LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return [.. certificates];
    }
}
