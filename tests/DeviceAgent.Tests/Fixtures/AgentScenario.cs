using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IoTCerts.Mqtt.Tests.Fixtures;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// What a device agent meets in the field, on 127.0.0.1: the MQTT tests' PKI (root → device intermediate, a broker
/// certificate), a factory bootstrap CA with one bootstrap certificate, and optionally a real EST server issuing
/// short-lived certificates. Writes the agent's appsettings.json into its own content root and builds its host.
/// </summary>
internal sealed class AgentScenario : IAsyncDisposable
{
    private AgentScenario(TestPki pki, X509Certificate2 bootstrapCa, string contentRoot)
    {
        Pki = pki;
        BootstrapCa = bootstrapCa;
        ContentRoot = contentRoot;
    }

    public TestPki Pki { get; }

    public X509Certificate2 BootstrapCa { get; }

    /// <summary>The agent's folder: appsettings.json, bootstrap.pem, bootstrap.key and the store (state/).</summary>
    public string ContentRoot { get; }

    public string StoreDirectory => Path.Combine(ContentRoot, "state");

    public AgentEstServer? Est { get; private set; }

    public static async Task<AgentScenario> CreateAsync(TimeSpan? certificateValidity = null, bool estWithoutCaCerts = false)
    {
        var pki = new TestPki();
        string root = Directory.CreateDirectory(Path.Combine(pki.Directory, "agent")).FullName;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Agent Bootstrap CA, O=IoTCerts Test", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        X509Certificate2 bootstrapCa = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=bootstrap-agent-1, O=IoTCerts Test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(bootstrapCa, true, false));
        using X509Certificate2 bootstrap = request.Create(bootstrapCa, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(root, "bootstrap.pem"), bootstrap.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(root, "bootstrap.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(root, "other.key"), ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());

        var scenario = new AgentScenario(pki, bootstrapCa, root);
        if (certificateValidity is { } validity)
        {
            scenario.Est = await AgentEstServer.StartAsync(pki.Server, new GenerationIssuer(pki.Intermediate, pki.Root, validity), bootstrapCa, estWithoutCaCerts);
        }

        return scenario;
    }

    /// <summary>
    /// A complete DeviceAgent section: EST server (or an unused port), trust = the PKI root for both EST and MQTT,
    /// the bootstrap pair, renewal at half the lifetime, one measurement per second. Paths are relative on purpose:
    /// the agent takes them from its content root.
    /// </summary>
    public JsonObject Settings(string mode, int mqttPort, string subject) => new()
    {
        ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Debug", ["System.Net.Http"] = "Warning" } },
        ["DeviceAgent"] = new JsonObject
        {
            ["Mode"] = mode,
            ["StoreDirectory"] = "state",
            ["Est"] = new JsonObject
            {
                ["Server"] = Est?.Address.ToString() ?? $"https://127.0.0.1:{AgentBroker.FreePort()}",
                ["TrustFile"] = Path.GetRelativePath(ContentRoot, Pki.RootPath),
                ["BootstrapCertificateFile"] = "bootstrap.pem",
                ["BootstrapKeyFile"] = "bootstrap.key",
                ["Subject"] = subject,
                ["RenewAt"] = "50%",
                ["RetryInterval"] = "2s",
            },
            ["Mqtt"] = new JsonObject
            {
                ["Host"] = "127.0.0.1",
                ["Port"] = mqttPort,
                ["TrustFile"] = Path.GetRelativePath(ContentRoot, Pki.RootPath),
                ["QualityOfService"] = 1,
                ["PublishInterval"] = "00:00:01",
                ["KeepAlive"] = "00:00:30",
                ["ConnectTimeout"] = "00:00:10",
                ["ReconnectInitialDelay"] = "00:00:00.200",
                ["ReconnectMaximumDelay"] = "00:00:02",
            },
            ["Cumulocity"] = new JsonObject
            {
                ["TokenAttemptTimeout"] = "00:00:05",
                ["TokenRetryDelay"] = "00:00:01",
            },
        },
    };

    public void WriteSettings(JsonObject settings) =>
        File.WriteAllText(Path.Combine(ContentRoot, "appsettings.json"), settings.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The agent's own host (DeviceAgentHost.CreateBuilder), reading appsettings.json from <see cref="ContentRoot"/>.</summary>
    public IHost BuildHost(CapturedLogs logs)
    {
        HostApplicationBuilder builder = DeviceAgentHost.CreateBuilder([], new HostApplicationBuilderSettings { ContentRootPath = ContentRoot, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (Est is not null)
        {
            await Est.DisposeAsync();
        }

        Pki.Dispose();
    }
}
