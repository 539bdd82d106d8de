using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>Builds the agent's Generic Host: appsettings.json, environment (<c>DeviceAgent__Mqtt__Host</c>), command line.</summary>
public static class DeviceAgentHost
{
    /// <summary>How long the workers get to disconnect cleanly after Ctrl+C or SIGTERM.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A host builder with the agent's services; <paramref name="settings"/> can set the content root (tests).</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, HostApplicationBuilderSettings? settings = null)
    {
        settings ??= new HostApplicationBuilderSettings();
        settings.Args ??= args;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(settings);
        builder.Services.AddDeviceAgent(builder.Configuration.GetSection(DeviceAgentOptions.SectionName));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        return builder;
    }

    /// <summary>
    /// Registers the agent: its options (bound from <paramref name="section"/>, relative paths taken from the content
    /// root, validated when the host starts), the shared device identity with its hosted service, and the telemetry worker.
    /// </summary>
    public static IServiceCollection AddDeviceAgent(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<DeviceAgentOptions>()
            .Bind(section)
            .PostConfigure<IHostEnvironment>((options, environment) => options.ResolvePaths(environment.ContentRootPath))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceAgentOptions>, DeviceAgentOptionsValidator>());
        services.TryAddSingleton(provider => new DeviceIdentity(
            provider.GetRequiredService<IOptions<DeviceAgentOptions>>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            provider.GetService<TimeProvider>()));
        // The identity runs as IoTCerts.Device's hosted service (options are validated before hosted services are built).
        services.AddHostedService(provider => provider.GetRequiredService<DeviceIdentity>().Service);
        services.AddHostedService<TelemetryWorker>();
        return services;
    }
}
