using System.CommandLine;
using System.Globalization;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts crl</c>: publish the CA's CRL .</summary>
internal static class CrlCommand
{
    internal static Command Create()
    {
        var caDir = new Option<string>("--ca") { Description = "The CA directory.", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the CRL (PEM unless --format der).", Required = true };
        var format = new Option<string>("--format") { Description = "pem (default) or der." };
        var derOut = new Option<string>("--der-out") { Description = "Also write the CRL as DER to this file." };
        var days = IssuanceCli.Days("30");
        var passwordFile = IssuanceCli.CaPasswordFile();
        var json = CommonOptions.Json();
        var command = new Command("crl", "Publish a CRL: next crlNumber, authorityKeyIdentifier, nextUpdate after --days (30 by default).") { caDir, output, format, derOut, days, passwordFile, json };
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var asDer = (p.GetValue(format) ?? "pem").ToLowerInvariant() switch
            {
                "pem" => false,
                "der" => true,
                var other => throw new CliException("invalid-option", $"--format '{other}' is not pem or der"),
            };
            using var ca = IssuanceCli.OpenCa(p, database, p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile));
            var crl = ca.PublishCrl(IssuanceCli.DaysToSpan(p.GetValue(days)));

            // A CRL is replaced on every publication: overwriting is its normal life, atomically.
            if (asDer)
            {
                OutputFiles.Write(p.GetValue(output)!, crl.Der, OutputFiles.PublicMode, overwrite: true);
            }
            else
            {
                OutputFiles.WriteText(p.GetValue(output)!, crl.Pem, OutputFiles.PublicMode, overwrite: true);
            }

            if (p.GetValue(derOut) is { } der)
            {
                OutputFiles.Write(der, crl.Der, OutputFiles.PublicMode, overwrite: true);
            }

            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("ca", p.GetValue(caDir));

                    // Decimal, as inspect --json prints a CRL's crlNumber.
                    writer.WriteString("crlNumber", crl.CrlNumber.ToString(CultureInfo.InvariantCulture));
                    writer.WriteString("thisUpdate", Formats.Time(crl.ThisUpdate));
                    writer.WriteString("nextUpdate", Formats.Time(crl.NextUpdate));
                    writer.WriteNumber("revokedCount", crl.RevokedCount);
                    writer.WritePath("out", p.GetValue(output));
                    writer.WriteString("format", asDer ? "der" : "pem");
                    writer.WritePath("derOut", p.GetValue(derOut));
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"published CRL number {crl.CrlNumber} with {crl.RevokedCount} revoked certificate(s), next update {crl.NextUpdate:yyyy-MM-dd HH:mm}Z");
            return CliApp.Ok;
        }));
        return command;
    }
}
