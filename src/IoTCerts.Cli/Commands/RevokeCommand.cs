using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
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
        var command = new Command("revoke", "Revoke a certificate issued by a CA; publish a new CRL afterwards with 'iotcerts crl'.") { caDir, serial, reason, passwordFile };
        command.SetGuardedAction(invocation => IssuanceCli.Run(() =>
        {
            var p = invocation.Parse;
            var why = p.GetValue(reason) is { } name ? RevocationReasons.Parse(name) : X509RevocationReason.Unspecified;
            using var ca = IssuanceCli.OpenCa(p.GetValue(caDir)!, IssuanceCli.CaPassword(p, passwordFile));
            var record = ca.Revoke(p.GetValue(serial)!, why);
            invocation.Out.WriteLine($"revoked serial {record.SerialNumber} ({record.Subject}), reason {why.ToOpenSslName()}");
            return CliApp.Ok;
        }));
        return command;
    }
}
