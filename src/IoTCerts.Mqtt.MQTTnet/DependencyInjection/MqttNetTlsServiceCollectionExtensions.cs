using IoTCerts.Mqtt.MQTTnet;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MQTTnet.Channel;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers IoTCerts' TLS for MQTTnet clients.</summary>
public static class MqttNetTlsServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="MqttNetTlsStreamProvider"/> (also as <see cref="IMqttClientStreamProvider"/>) built from
    /// <paramref name="configure"/>; pass it to <c>MqttClientOptionsBuilder.WithStreamProvider</c>. The options are
    /// validated here, once, so a missing validator or credential fails at startup. A second call changes nothing.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the credential (or credential source), the broker validator and the TLS parameters.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="MqttNetTlsException">The options are invalid.</exception>
    public static IServiceCollection AddMqttNetTls(this IServiceCollection services, Action<MqttNetTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(MqttNetTlsStreamProvider)))
        {
            return services;
        }

        var options = new MqttNetTlsOptions();
        configure(options);
        var provider = new MqttNetTlsStreamProvider(options);
        services.TryAddSingleton(provider);
        services.TryAddSingleton<IMqttClientStreamProvider>(provider);
        return services;
    }
}
