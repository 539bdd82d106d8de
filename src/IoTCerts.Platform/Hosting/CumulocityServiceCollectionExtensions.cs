using IoTCerts.Platform.Cumulocity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Cumulocity clients as typed HttpClients (thin: everything can also be made with <c>new</c>).</summary>
public static class CumulocityServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CumulocityClient"/>; the options are validated when the host starts (every problem listed).
    /// The primary handler comes from <see cref="CumulocityClientOptions.CreateHttpHandler"/> (trust anchors); the returned
    /// builder lets callers add handlers or replace it.
    /// </summary>
    public static IHttpClientBuilder AddCumulocityClient(this IServiceCollection services, Action<CumulocityClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CumulocityClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CumulocityClientOptions>, CumulocityClientOptionsValidator>());
        return services
            .AddHttpClient(nameof(CumulocityClient))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<IOptions<CumulocityClientOptions>>().Value.CreateHttpHandler())
            .AddTypedClient((http, provider) => new CumulocityClient(
                http,
                provider.GetRequiredService<IOptions<CumulocityClientOptions>>().Value,
                provider.GetService<ILogger<CumulocityClient>>()));
    }

    /// <summary>
    /// Registers <see cref="CumulocityDeviceClient"/> whose primary handler presents the device certificate
    /// (<see cref="CumulocityDeviceClientOptions.CreateHttpHandler"/>); options validated when the host starts.
    /// </summary>
    public static IHttpClientBuilder AddCumulocityDeviceClient(this IServiceCollection services, Action<CumulocityDeviceClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CumulocityDeviceClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CumulocityDeviceClientOptions>, CumulocityDeviceClientOptionsValidator>());
        return services
            .AddHttpClient(nameof(CumulocityDeviceClient))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<IOptions<CumulocityDeviceClientOptions>>().Value.CreateHttpHandler())
            .AddTypedClient((http, provider) => new CumulocityDeviceClient(
                http,
                provider.GetRequiredService<IOptions<CumulocityDeviceClientOptions>>().Value,
                provider.GetService<ILogger<CumulocityDeviceClient>>()));
    }
}

/// <summary>Collects every problem of the options at once (no DataAnnotations: the package is trimmable).</summary>
internal sealed class CumulocityClientOptionsValidator : IValidateOptions<CumulocityClientOptions>
{
    public ValidateOptionsResult Validate(string? name, CumulocityClientOptions options) =>
        options.GetProblems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}

/// <summary>Collects every problem of the device options at once.</summary>
internal sealed class CumulocityDeviceClientOptionsValidator : IValidateOptions<CumulocityDeviceClientOptions>
{
    public ValidateOptionsResult Validate(string? name, CumulocityDeviceClientOptions options) =>
        options.GetProblems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
