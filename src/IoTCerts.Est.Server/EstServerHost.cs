using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Est.Server;

/// <summary>
/// An EST server (RFC 7030) in this process, without an application of its own: Kestrel on one endpoint (by default
/// 127.0.0.1 on a free port) with TLS that asks for client certificates (<c>UseEstHttps</c>), and the EST endpoints
/// (<c>MapEst</c>). For samples, tests, and devices or gateways that serve EST to others; an ASP.NET Core application
/// maps the endpoints into its own pipeline instead.
/// </summary>
public sealed class EstServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EstServerHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's base address, e.g. <c>https://127.0.0.1:40123/</c> (EST lives under <c>/.well-known/est/</c>).</summary>
    public Uri Address { get; }

    /// <summary>Starts the server; it runs until disposed.</summary>
    /// <param name="serverCertificate">The TLS server certificate, with its private key.</param>
    /// <param name="serverChain">Intermediates sent with it, or null.</param>
    /// <param name="configure">The EST options (issuer, authorizers, …), as for <c>MapEst</c>.</param>
    /// <param name="host">Where to listen, logging, and middleware in front of the EST endpoints; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">No issuer configured.</exception>
    /// <exception cref="IOException">The endpoint cannot be bound.</exception>
    public static async Task<EstServerHost> StartAsync(
        X509Certificate2 serverCertificate,
        X509Certificate2Collection? serverChain,
        Action<EstServerOptions> configure,
        EstServerHostOptions? host = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serverCertificate);
        ArgumentNullException.ThrowIfNull(configure);
        host ??= new EstServerHostOptions();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRouting();
        builder.Logging.ClearProviders();
        if (host.LoggerProvider is { } provider)
        {
            builder.Logging.AddProvider(provider);
        }

        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(host.Endpoint, listen => listen.UseEstHttps(serverCertificate, serverChain)));
        var app = builder.Build();
        host.ConfigurePipeline?.Invoke(app);
        app.UseRouting();
        app.MapEst(configure);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Kestrel reports a wildcard bind as [::] or 0.0.0.0: clients need an address they can connect to.
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var hostName = host.Endpoint.Address.Equals(IPAddress.Any) || host.Endpoint.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : bound.Host;
        return new EstServerHost(app, new UriBuilder(bound) { Host = hostName }.Uri);
    }

    /// <summary>Stops the server and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Hosting choices of an <see cref="EstServerHost"/>.</summary>
public sealed class EstServerHostOptions
{
    /// <summary>Where to listen; 127.0.0.1 on a free port by default.</summary>
    public IPEndPoint Endpoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the server's logs go (Kestrel and the EST events 7100–7102); none by default.</summary>
    public ILoggerProvider? LoggerProvider { get; set; }

    /// <summary>Middleware to run in front of the EST endpoints (e.g. request recording in tests), or null.</summary>
    public Action<IApplicationBuilder>? ConfigurePipeline { get; set; }
}
