using System.Net;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Est.Tests;

/// <summary>A real Kestrel EST server on 127.0.0.1 (free port) with TLS and client certificates.</summary>
internal sealed class EstTestServer : IAsyncDisposable
{
    private readonly EstServerHost _host;

    private readonly InMemoryCertificateIssuer? _issuer;

    private EstTestServer(EstServerHost host, X509Certificate2 caRoot, InMemoryCertificateIssuer? issuer)
    {
        _host = host;
        CaRoot = caRoot;
        _issuer = issuer;
    }

    public Uri Address => _host.Address;

    public X509Certificate2 CaRoot { get; }

    public InMemoryCertificateIssuer Issuer => _issuer ?? throw new InvalidOperationException("this server was started with another issuer");

    public static Task<EstTestServer> StartAsync(Action<EstServerOptions> configure, TimeSpan? validity = null, TimeProvider? clock = null, X509Certificate2? caRoot = null, ILoggerProvider? logs = null)
    {
        var ca = caRoot ?? TestPki.CreateRoot("EST Test CA");
        return StartAsync(new InMemoryCertificateIssuer(ca, validity: validity ?? TimeSpan.FromDays(30), timeProvider: clock), ca, configure, clock, logs);
    }

    /// <summary>Serves <paramref name="issuer"/>; the TLS server certificate is issued by <paramref name="tlsRoot"/> (the client's trust anchor, <see cref="CaRoot"/>).</summary>
    public static async Task<EstTestServer> StartAsync(IEstCertificateIssuer issuer, X509Certificate2 tlsRoot, Action<EstServerOptions> configure, TimeProvider? clock = null, ILoggerProvider? logs = null)
    {
        var ca = tlsRoot;
        var serverCertificate = new InMemoryCertificateIssuer(ca, validity: TimeSpan.FromDays(1)).IssueServerCertificate("localhost", IPAddress.Loopback, TimeSpan.FromDays(1));
        var host = await EstServerHost.StartAsync(serverCertificate, null, options =>
        {
            options.Issuer = issuer;
            if (clock is not null)
            {
                options.TimeProvider = clock;
            }

            configure(options);
        }, new EstServerHostOptions { LoggerProvider = logs });
        return new EstTestServer(host, ca, issuer as InMemoryCertificateIssuer);
    }

    public EstClientOptions ClientOptions(Action<EstClientOptions>? configure = null)
    {
        var options = new EstClientOptions { Server = Address };
        options.TrustAnchors.Add(X509CertificateLoader.LoadCertificate(CaRoot.RawData));
        configure?.Invoke(options);
        return options;
    }

    public EstClient CreateClient(Action<EstClientOptions>? configure = null)
    {
        var options = ClientOptions(configure);
        return new EstClient(new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan }, options);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
