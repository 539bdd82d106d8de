using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>The sample app in this process: real Kestrel on 127.0.0.1, a free port, real TLS, the app's own composition.</summary>
internal sealed class ValidatorHost : IAsyncDisposable
{
    private ValidatorHost(WebApplication app, DemoPki pki, LogCapture logs)
    {
        App = app;
        Pki = pki;
        Logs = logs;
        Address = PlatformValidatorApp.Address(app);
    }

    public WebApplication App { get; }

    public DemoPki Pki { get; }

    public LogCapture Logs { get; }

    public Uri Address { get; }

    public Uri WhoAmI => new(Address, "/whoami");

    /// <summary>Builds the app over <paramref name="pki"/> (offline CRLs unless <paramref name="overrides"/> say otherwise) and starts it.</summary>
    public static async Task<ValidatorHost> StartAsync(DemoPki pki, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool crlFiles = true)
    {
        var logs = new LogCapture();
        var app = Build(pki, logs, overrides, crlFiles);
        await app.StartAsync();
        return new ValidatorHost(app, pki, logs);
    }

    public static WebApplication Build(DemoPki pki, LogCapture logs, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool crlFiles = true)
    {
        // The content root is the PKI folder: no appsettings.json of the sample leaks in.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = pki.Directory, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(pki.Configuration("127.0.0.1", 0, crlFiles));
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);
        return PlatformValidatorApp.Build(builder);
    }

    /// <summary>
    /// A device's HTTP client: trusts the demo root for the server, and presents the device certificate with its issuer
    /// (leaf + intermediate, as the .pem file lists them) when <paramref name="device"/> is given.
    /// </summary>
    public HttpClient Client(DemoDevice? device, SslProtocols protocols = SslProtocols.None)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(Pki.RootFile);
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        handler.SslOptions.EnabledSslProtocols = protocols;
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            CustomTrustStore = { root },
            RevocationMode = X509RevocationMode.NoCheck,
        };
        if (device is not null)
        {
            var leaf = X509Certificate2.CreateFromPemFile(device.CertificateFile, device.KeyFile);
            var sent = new X509Certificate2Collection();
            sent.ImportFromPemFile(device.CertificateFile);
            var others = new X509Certificate2Collection();
            foreach (var certificate in sent)
            {
                if (certificate.Thumbprint != leaf.Thumbprint)
                {
                    others.Add(certificate);
                }
            }

            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(leaf, others, offline: true);
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
