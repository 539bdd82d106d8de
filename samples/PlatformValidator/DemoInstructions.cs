using System.Text;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>What the demo prints: a device's view (curl) and the operator's view (iotcerts) of the same files.</summary>
internal static class DemoInstructions
{
    public static string Write(DemoPki pki, Uri address)
    {
        string R(string path) => Path.GetRelativePath(pki.Directory, path);
        var text = new StringBuilder();
        var whoami = new Uri(address, "/whoami");
        var crls = $"--crl {R(pki.RootCrlFile)} --crl {R(pki.IntermediateCrlFile)}";
        text.AppendLine($"Demo PKI (IoTCerts.Issuance) written to {pki.Directory}. In another terminal:");
        text.AppendLine($"  cd {pki.Directory}");
        text.AppendLine();
        text.AppendLine("Devices: curl sends the device certificate and its issuer (the .pem file holds both):");
        foreach (var device in pki.OrderedDevices)
        {
            text.AppendLine($"  # {device.Name} (CN={device.CommonName}): expect {device.Expectation}");
            text.AppendLine($"  curl --cert {R(device.CertificateFile)} --key {R(device.KeyFile)} --cacert {R(pki.RootFile)} {whoami}");
        }

        text.AppendLine();
        text.AppendLine("Operator: the same decisions with the iotcerts CLI, before any device connects:");
        text.AppendLine($"  iotcerts check-ca --profile cumulocity {R(pki.RootFile)}");
        foreach (var device in pki.OrderedDevices)
        {
            text.AppendLine($"  iotcerts verify --chain {R(device.CertificateFile)} --trust {R(pki.RootFile)} {crls} --purpose client --profile cumulocity");
        }

        text.AppendLine($"  iotcerts identity --profile cumulocity {R(pki.Devices[DemoPki.Valid].CertificateFile)}");
        text.AppendLine();
        text.Append("Ctrl+C stops the server; delete the folder afterwards.");
        return text.ToString();
    }
}
