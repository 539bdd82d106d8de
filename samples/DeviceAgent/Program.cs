using IoTCerts.Samples.DeviceAgent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// DeviceAgent [--contentRoot <folder with appsettings.json>] [--DeviceAgent:Mqtt:Host=broker.example ...]
// Keeps a device identity renewed over EST and a telemetry connection over MQTT; stops cleanly on Ctrl+C or SIGTERM.
using IHost host = DeviceAgentHost.CreateBuilder(args).Build();
try
{
    // The host validates at start too (ValidateOnStart); asking first keeps a configuration mistake to a short list.
    _ = host.Services.GetRequiredService<IOptions<DeviceAgentOptions>>().Value;
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("device-agent: invalid configuration (appsettings.json, section DeviceAgent):");
    foreach (string failure in ex.Failures)
    {
        Console.Error.WriteLine("  - " + failure);
    }

    return 2;
}

await host.RunAsync();
return 0;
