using System.CommandLine;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts identity --profile &lt;name&gt; &lt;cert&gt; [--org &lt;orgId&gt;] [--json]</c>: the platform device identity a
/// certificate carries. Exit 0 found, 1 the certificate carries none, 2 bad input.
/// </summary>
internal static class IdentityCommand
{
    internal static Command Create()
    {
        var file = new Argument<string>("cert") { Description = "The device certificate (or its chain, device first or in any order)." };
        var profile = ProfileOptions.Profile(required: true);
        var org = new Option<string>("--org") { Description = "IBM Watson IoT organization id, to print the MQTT ClientId d:{org}:{type}:{id}." };
        var json = CommonOptions.Json();
        var command = new Command("identity", "Show the device identity a certificate carries on a platform.") { file, profile, org, json };
        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            var platform = ProfileOptions.Resolve(parse.GetValue(profile)!);
            var certificates = CertificateFiles.Read(parse.GetValue(file)!);
            var device = OrderedChain.FromBag(certificates).Certificates[0];
            var found = platform.TryReadDeviceIdentity(device, out var identity, out var error);
            string? clientId = null;
            if (identity is not null && (identity.DeviceType is null || parse.GetValue(org) is not null))
            {
                try
                {
                    clientId = identity.ClientId(parse.GetValue(org));
                }
                catch (ArgumentException)
                {
                    throw new CliException("bad-org", "--org must be a non-empty IBM Watson IoT organization id without ':'");
                }
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("profile", platform.Name);
                    writer.WriteString("subject", device.Subject.Rfc4514Name);
                    writer.WriteBoolean("found", found);
                    if (identity is not null)
                    {
                        writer.WriteString("deviceId", identity.DeviceId);
                        writer.WriteString("deviceType", identity.DeviceType);
                        writer.WriteString("source", identity.Source);
                        writer.WriteString("clientId", clientId);
                    }
                    else
                    {
                        writer.WriteString("error", error);
                    }

                    writer.WriteEndObject();
                });
            }
            else if (identity is not null)
            {
                invocation.Out.WriteLine($"device id: {identity.DeviceId}");
                if (identity.DeviceType is not null)
                {
                    invocation.Out.WriteLine($"device type: {identity.DeviceType}");
                }

                invocation.Out.WriteLine($"from: {identity.Source}");
                invocation.Out.WriteLine(clientId is not null ? $"MQTT ClientId: {clientId}" : "MQTT ClientId: d:{org}:" + $"{identity.DeviceType}:{identity.DeviceId} (give --org)");
            }
            else
            {
                invocation.Out.WriteLine($"no device identity: {error}");
            }

            return found ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }
}
