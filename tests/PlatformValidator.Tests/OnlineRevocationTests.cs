using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Samples.PlatformValidator.Tests;

/// <summary>
/// Revocation Online: the certificates name CRL distribution points on a plain-http CRL server, the validator
/// downloads them through IHttpClientFactory (CrlFetcher) on first use and answers from its cache afterwards.
/// </summary>
public sealed class OnlineRevocationTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _crlServer;
    private int _crlRequests;
    private ValidatorHost? _host;

    private ValidatorHost Host => _host!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _crlServer = builder.Build();
        _crlServer.Run(async http =>
        {
            Interlocked.Increment(ref _crlRequests);
            var file = Path.Combine(_directory.Path, "ca", Path.GetFileName(http.Request.Path.Value ?? string.Empty));
            if (!File.Exists(file))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            http.Response.ContentType = "application/pkix-crl";
            await http.Response.SendFileAsync(file);
        });
        await _crlServer.StartAsync();
        var crlBase = new Uri(PlatformValidatorApp.Address(_crlServer), "/");

        var pki = DemoPki.Create(_directory.Path, crlBase);
        _host = await ValidatorHost.StartAsync(pki, new Dictionary<string, string?> { ["PlatformValidator:Revocation"] = "Online" }, crlFiles: false);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_crlServer is not null)
        {
            await _crlServer.StopAsync();
            await _crlServer.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task CRLs_are_downloaded_once_then_served_from_the_cache_and_the_revoked_device_is_refused()
    {
        using var valid = Host.Client(Host.Pki.Devices[DemoPki.Valid]);
        using var revoked = Host.Client(Host.Pki.Devices[DemoPki.Revoked]);

        using var first = await valid.GetAsync(Host.WhoAmI);
        using var refused = await revoked.GetAsync(Host.WhoAmI);
        using var again = await valid.GetAsync(Host.WhoAmI);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using (var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal("Revoked", body.RootElement.GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // The device CA's CRL and the root's CRL (whole-chain scope): two downloads, both on the first request.
        Assert.Equal(2, Volatile.Read(ref _crlRequests));
        await Host.Logs.WaitForAsync(_ => Host.Logs.WithEvent(Log.AcceptedId).Count >= 2);
        var accepted = Host.Logs.WithEvent(Log.AcceptedId);
        Assert.Equal(2L, accepted[0].Values["CrlDownloads"]);
        Assert.Equal(0L, accepted[1].Values["CrlDownloads"]);
        Assert.Equal(0L, Host.Logs.WithEvent(Log.RefusedId).Single().Values["CrlDownloads"]);
        Assert.Contains(Host.Logs.Entries, e => e.EventId == Log.ListeningId && e.Message.Contains("revocation Online", StringComparison.Ordinal));
    }
}
