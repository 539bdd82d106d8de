using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// A real IoTCerts.Est.Server on 127.0.0.1 (free port): TLS with the PKI's server certificate, enrollment allowed to
/// certificates of the bootstrap CA, re-enrollment to certificates it issued. Records each request's path and
/// Authorization scheme (with the Bearer token, to check the Cumulocity re-enrollment).
/// </summary>
internal sealed class AgentEstServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentEstServer(WebApplication app, Uri address, GenerationIssuer issuer)
    {
        _app = app;
        Address = address;
        Issuer = issuer;
    }

    public Uri Address { get; }

    public GenerationIssuer Issuer { get; }

    public ConcurrentQueue<(string Path, string Authorization)> Requests { get; } = new();

    // withoutCaCerts: answer 404 for /cacerts, as an EST-style enrollment without it does (Cumulocity's).
    public static async Task<AgentEstServer> StartAsync(X509Certificate2 tlsCertificate, GenerationIssuer issuer, X509Certificate2 bootstrapCa, bool withoutCaCerts = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRouting();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseEstHttps(tlsCertificate)));
        WebApplication app = builder.Build();
        AgentEstServer? server = null;
        app.Use(async (HttpContext http, RequestDelegate next) =>
        {
            server?.Requests.Enqueue((http.Request.Path.Value ?? string.Empty, http.Request.Headers.Authorization.ToString()));
            if (withoutCaCerts && (http.Request.Path.Value ?? string.Empty).EndsWith("/cacerts", StringComparison.Ordinal))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(http);
        });
        app.UseRouting();
        app.MapEst(options =>
        {
            options.Issuer = issuer;
            options.Authorizers.Add(EstAuthorization.ClientCertificate([bootstrapCa]));
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new AgentEstServer(app, new Uri(address), issuer);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
