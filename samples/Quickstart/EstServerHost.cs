using System.Net;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.Quickstart;

/// <summary>The EST server (RFC 7030) in this process: Kestrel on 127.0.0.1, a free port, TLS with client certificates.</summary>
internal sealed class EstServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EstServerHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's base address (https://127.0.0.1:port).</summary>
    public Uri Address { get; }

    public static async Task<EstServerHost> StartAsync(X509Certificate2 tlsCertificate, X509Certificate2Collection tlsChain, Action<EstServerOptions> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRouting();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseEstHttps(tlsCertificate, tlsChain)));
        WebApplication app = builder.Build();
        app.UseRouting();
        app.MapEst(configure);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EstServerHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
