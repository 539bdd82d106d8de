using IoTCerts.Est;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EST client and the renewal engine (thin: everything can also be made with <c>new</c>).</summary>
public static class EstServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EstClient"/> as a typed HttpClient whose primary handler carries the TLS settings of the
    /// options (trust anchors, client certificate). Returns the builder so callers can add handlers.
    /// </summary>
    public static IHttpClientBuilder AddEstClient(this IServiceCollection services, Action<EstClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<EstClientOptions>().Configure(configure).Validate(
            options =>
            {
                options.Validate();
                return true;
            });
        return services
            .AddHttpClient(nameof(EstClient))
            .AddTypedClient((http, provider) => new EstClient(http, provider.GetRequiredService<IOptions<EstClientOptions>>().Value))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<IOptions<EstClientOptions>>().Value.CreateHttpHandler());
    }

    /// <summary>
    /// Registers a <see cref="CertificateRenewalEngine"/> (subscribe to <see cref="CertificateRenewalEngine.CredentialChanged"/>)
    /// and a hosted service running it. Calling it twice does not start two engines.
    /// </summary>
    public static IServiceCollection AddCertificateRenewal(this IServiceCollection services, Action<CertificateRenewalOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CertificateRenewalOptions>().Configure(configure);
        services.TryAddSingleton(provider => new CertificateRenewalEngine(
            provider.GetRequiredService<IOptions<CertificateRenewalOptions>>().Value.Credentials,
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<CertificateRenewalEngine>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CertificateRenewalService>(
            provider => new CertificateRenewalService(provider.GetRequiredService<CertificateRenewalEngine>())));
        return services;
    }
}
