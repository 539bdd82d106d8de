using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Issuance;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts revoke</c>: mark a certificate revoked in the CA index .</summary>
internal static class RevokeCommand
{
    internal static Command Create()
    {
        var caDir = new Option<string>("--ca") { Description = "The CA directory.", Required = true };
        var serial = new Option<string>("--serial") { Description = "Serial number in hex (as 'openssl x509 -serial' prints it; colons allowed).", Required = true };
        var reason = new Option<string>("--reason") { Description = "unspecified (default), keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn." };
        var passwordFile = IssuanceCli.CaPasswordFile();
        var json = CommonOptions.Json();
        var command = new Command("revoke", "Revoke a certificate issued by a CA; publish a new CRL afterwards with 'iotcerts crl'.") { caDir, serial, reason, passwordFile, json };
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var why = p.GetValue(reason) is { } name ? RevocationReasonNames.Parse(name) : X509RevocationReason.Unspecified;
            using var ca = IssuanceCli.OpenCa(p, database, p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile));
            var record = ca.Revoke(p.GetValue(serial)!, why);
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WritePath("ca", p.GetValue(caDir));
                    writer.WriteString("serial", Formats.Serial(record.SerialNumber));
                    writer.WriteString("subject", Subject(ca.Database as DirectoryCaDatabase ?? new DirectoryCaDatabase(p.GetValue(caDir)!), record));
                    writer.WriteString("reason", why.ToOpenSslName());
                    writer.WriteNullableString("revokedAt", record.RevokedAt is { } at ? Formats.Time(at) : null);
                    writer.WriteEndObject();
                });
                return CliApp.Ok;
            }

            invocation.Out.WriteLine($"revoked serial {Formats.Serial(record.SerialNumber)} ({Subject(ca.Database as DirectoryCaDatabase ?? new DirectoryCaDatabase(p.GetValue(caDir)!), record)}), reason {why.ToOpenSslName()}");
            return CliApp.Ok;
        }));
        return command;
    }

    // The index keeps OpenSSL's one-line form (/O=Acme/CN=x); JSON names are RFC 4514 everywhere, read from the stored copy.
    private static string Subject(DirectoryCaDatabase database, CertificateRecord record)
    {
        var stored = database.CertificatePath(record.SerialNumber);
        if (File.Exists(stored) && IoTCerts.Core.MaterialLoader.TryLoadFile(stored, null, out var material, out _) && material.Certificates.Count > 0)
        {
            return material.Certificates[0].Subject.Rfc4514Name;
        }

        try
        {
            return IoTCerts.Core.DistinguishedName.Parse(DistinguishedNames.Parse(record.Subject).RawData).Rfc4514Name;
        }
        catch (Exception ex) when (ex is IssuanceException or IoTCerts.Core.MaterialException)
        {
            return record.Subject;
        }
    }
}
