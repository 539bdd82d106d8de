using System.CommandLine;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// <c>iotcerts inspect &lt;file&gt; [--password &lt;p&gt;] [--json]</c>: what a file holds, one command for
/// certificates, chains, keys, CSRs, CRLs, PKCS#7 and PKCS#12, detected by content.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The file to inspect (PEM, DER, PKCS#7, PKCS#12, base64; any extension)." };
        var password = CommonOptions.Password("Passphrase of an encrypted key or PKCS#12 file.");
        var passwordFile = CommonOptions.PasswordFile();
        var json = CommonOptions.Json();

        var command = new Command("inspect", "Show what a certificate, chain, key, CSR, CRL, PKCS#7 or PKCS#12 file holds.")
        {
            file, password, passwordFile, json,
        };

        command.SetGuardedAction(invocation =>
        {
            var path = invocation.Parse.GetValue(file)!;
            var secret = Secrets.Resolve(invocation.Parse.GetValue(password), invocation.Parse.GetValue(passwordFile));
            var material = MaterialLoader.LoadFile(path, new LoadOptions { Password = secret });
            var now = TimeProvider.System.GetUtcNow();
            var warnings = Warnings(material);

            if (invocation.Parse.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer => MaterialJsonRenderer.Write(writer, path, material, now, warnings));
            }
            else
            {
                MaterialTextRenderer.Write(invocation.Out, path, material, now);
                foreach (var (code, message) in warnings)
                {
                    invocation.Out.WriteLine();
                    invocation.Out.WriteLine($"warning {code}: {message}");
                }
            }

            return CliApp.Ok;
        });

        return command;
    }

    // a PEM or DER chain file is sent as it is, so its order matters; PKCS#7 and PKCS#12 bags carry no order.
    private static List<(string Code, string Message)> Warnings(LoadedMaterial material)
    {
        if (material.Format is not (MaterialFormat.Pem or MaterialFormat.Der or MaterialFormat.Base64)
            || material.Certificates.Count is < 2 or > OrderedChain.MaxCertificates
            || ChainOrderFinding.Of(material.Certificates, profile: null) is not { } order)
        {
            return [];
        }

        return [(ChainFileOrder.Code, order.Message)];
    }
}
