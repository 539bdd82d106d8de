using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Est.Tests.Ocsp;

/// <summary>A Kestrel server on a free loopback port for OCSP tests: the real responder (MapOcsp) or a hostile one.</summary>
internal sealed class OcspTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OcspTestHost(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<OcspTestHost> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddRouting();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseRouting();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OcspTestHost(app, new Uri(address + "/"));
    }

    /// <summary>A responder that answers every POST with what <paramref name="respond"/> makes of the request body.</summary>
    public static Task<OcspTestHost> StartRawAsync(Func<byte[], byte[]> respond) => StartAsync(app => app.MapPost("/", async http =>
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var response = respond(body.ToArray());
        http.Response.ContentType = "application/ocsp-response";
        await http.Response.Body.WriteAsync(response);
    }));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
