using System.Net;
using IoTCerts.Core;
using IoTCerts.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>Composes the app: options checked at start, IoTCerts services, Kestrel for devices, the device check, /whoami.</summary>
internal static class PlatformValidatorApp
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PlatformValidatorOptions>().Bind(builder.Configuration.GetSection(PlatformValidatorOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlatformValidatorOptions>, PlatformValidatorOptionsValidator>());

        // The companion package reads and checks the trust anchor and CRL files at start (a missing file, a file without a
        // CRL or a CRL no configured CA signed stops the host, named) and builds the revocation checker; online revocation
        // downloads through its IHttpClientFactory client "IoTCerts.Crl".
        services.AddIoTCertsChainValidation(_ => { });
        services.AddOptions<ChainValidationOptions>().Configure<IOptions<PlatformValidatorOptions>>((chain, settings) => settings.Value.ConfigureChainValidation(chain));
        services.AddSingleton<DeviceValidator>();
        services.AddSingleton<DeviceAuthentication>();
        services.AddSingleton(provider => ServerCredential.Load(provider.GetRequiredService<IOptions<PlatformValidatorOptions>>().Value));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var provider = kestrel.ApplicationServices;
            var settings = provider.GetRequiredService<IOptions<PlatformValidatorOptions>>().Value;
            var https = DeviceHttps.CreateOptions(provider.GetRequiredService<ServerCredential>(), settings.MaxPresentedCertificates);
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
            if (settings.Address == "*")
            {
                kestrel.ListenAnyIP(settings.Port, listen => listen.UseDeviceHttps(https, logger));
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port, listen => listen.UseDeviceHttps(https, logger));
            }
        });

        var app = builder.Build();
        // Resolved per request (a singleton): resolving it here would read the options before the host checks them at start.
        app.Use((http, next) => http.RequestServices.GetRequiredService<DeviceAuthentication>().InvokeAsync(http, next));
        app.MapGet("/whoami", (RequestDelegate)DeviceAuthentication.WhoAmIAsync);
        app.Lifetime.ApplicationStarted.Register(() => LogStarted(app));
        return app;
    }

    /// <summary>The address Kestrel actually listens on (port 0 resolved), with 127.0.0.1 for a wildcard.</summary>
    public static Uri Address(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    private static void LogStarted(WebApplication app)
    {
        var validator = app.Services.GetRequiredService<DeviceValidator>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        Log.Listening(logger, Address(app).ToString(), validator.Profile.Name, validator.RevocationMode.ToString(), validator.CrlFiles, validator.TrustAnchors.Count);
    }
}
