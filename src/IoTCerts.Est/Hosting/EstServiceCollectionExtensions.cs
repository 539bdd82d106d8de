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
    /// options (trust anchors, client certificate). Returns the builder so callers can add handlers. The options are
    /// validated when the host starts (every problem listed).
    /// </summary>
    public static IHttpClientBuilder AddEstClient(this IServiceCollection services, Action<EstClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<EstClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EstClientOptions>, EstClientOptionsValidator>());
        return services
            .AddHttpClient(nameof(EstClient))
            .AddTypedClient((http, provider) => new EstClient(http, provider.GetRequiredService<IOptions<EstClientOptions>>().Value))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<IOptions<EstClientOptions>>().Value.CreateHttpHandler());
    }

    /// <summary>
    /// Registers a <see cref="CertificateRenewalEngine"/> (subscribe to <see cref="CertificateRenewalEngine.CredentialChanged"/>)
    /// and a hosted service running it. Calling it twice does not start two engines. The options are validated when the
    /// host starts.
    /// </summary>
    public static IServiceCollection AddCertificateRenewal(this IServiceCollection services, Action<CertificateRenewalOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CertificateRenewalOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CertificateRenewalOptions>, CertificateRenewalOptionsValidator>());
        services.TryAddSingleton(provider => new CertificateRenewalEngine(
            provider.GetRequiredService<IOptions<CertificateRenewalOptions>>().Value.Credentials,
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<CertificateRenewalEngine>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CertificateRenewalService>(
            provider => new CertificateRenewalService(provider.GetRequiredService<CertificateRenewalEngine>())));
        return services;
    }
}

/// <summary>Collects every problem of the EST client options at once (no DataAnnotations: the package is trimmable).</summary>
internal sealed class EstClientOptionsValidator : IValidateOptions<EstClientOptions>
{
    public ValidateOptionsResult Validate(string? name, EstClientOptions options) =>
        options.GetProblems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}

/// <summary>The renewal options: at least one credential, each with usable EST options.</summary>
internal sealed class CertificateRenewalOptionsValidator : IValidateOptions<CertificateRenewalOptions>
{
    public ValidateOptionsResult Validate(string? name, CertificateRenewalOptions options)
    {
        var problems = new List<string>();
        if (options.Credentials.Count == 0)
        {
            problems.Add("Credentials needs at least one credential to renew");
        }

        foreach (var credential in options.Credentials)
        {
            problems.AddRange(credential.Est.GetProblems().Select(p => $"credential '{credential.Name}': {p}"));
        }

        return problems.Count > 0 ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
