using IoTCerts.Mqtt;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="MqttDeviceClient"/> in a service collection.</summary>
public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="MqttDeviceClient"/> configured by <paramref name="configure"/>. The options are
    /// validated with <see cref="MqttDeviceClientOptions.Validate"/> (every problem listed at once) when the host
    /// starts, or at the latest when the client is first resolved. Calling it again adds configuration, not a second client.
    /// </summary>
    public static IServiceCollection AddMqttDeviceClient(this IServiceCollection services, Action<MqttDeviceClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<MqttDeviceClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttDeviceClientOptions>, MqttDeviceClientOptionsValidator>());
        services.TryAddSingleton(sp => new MqttDeviceClient(sp.GetRequiredService<IOptions<MqttDeviceClientOptions>>().Value));
        return services;
    }
}

/// <summary>Adapts <see cref="MqttDeviceClientOptions.Validate"/> to the options framework.</summary>
internal sealed class MqttDeviceClientOptionsValidator : IValidateOptions<MqttDeviceClientOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttDeviceClientOptions options)
    {
        IReadOnlyList<string> errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
