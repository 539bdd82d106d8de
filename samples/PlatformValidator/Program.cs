using IoTCerts.Samples.PlatformValidator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

// platform-validator: the platform side of device certificates. Kestrel requires a client certificate; IoTCerts decides
// (trust anchors, clientAuth, CRLs, the platform profile) and a refused device gets 403 with the code and the sentence.
//   platform-validator [--demo] [--PlatformValidator:Key=value ...]
// Without configured trust anchors and server certificate (or with --demo) it creates a throw-away PKI first.
// Exit codes: 0 stopped normally, 2 configuration refused at start.
var demo = args.Contains("--demo", StringComparer.Ordinal);
var builder = WebApplication.CreateBuilder(args.Where(a => a != "--demo").ToArray());
var configured = builder.Configuration.GetSection(PlatformValidatorOptions.Section).Get<PlatformValidatorOptions>() ?? new PlatformValidatorOptions();
DemoPki? pki = null;
if (demo || configured.IsUnconfigured())
{
    var directory = Path.Combine(Path.GetTempPath(), "iotcerts-platform-validator-" + Guid.NewGuid().ToString("N")[..8]);
    pki = DemoPki.Create(directory);
    var address = configured.Address == "*" ? "127.0.0.1" : configured.Address;
    builder.Configuration.AddInMemoryCollection(pki.Configuration(address, configured.Port));
}

WebApplication app;
try
{
    // Kestrel's listener options are read when the app is built, the other sections when it starts: both are checked.
    app = PlatformValidatorApp.Build(builder);
    await app.StartAsync();
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("platform-validator: the configuration is refused:");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine("  " + failure);
    }

    return 2;
}

if (pki is not null)
{
    Console.WriteLine(DemoInstructions.Write(pki, PlatformValidatorApp.Address(app)));
}

await app.WaitForShutdownAsync();
return 0;
