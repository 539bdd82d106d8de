using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt;
using IoTCerts.Samples.DeviceAot;

// device-aot: what a small device does at start, as one NativeAOT binary.
//   device-aot --host <h> --port <p> --cert <file> --key <file> [--chain <file>] --trust <file>
//              [--topic <t>] [--message <text>] [--key-password-file <file>]
// Exit codes: 0 published (QoS 1, acknowledged), 1 broker or connection failure, 2 bad input or usage.
try
{
    DeviceArguments args0 = DeviceArguments.Parse(args);

    // 1. Identity: certificate, key and chain files in any format Core reads (PEM, DER, PKCS#8, PKCS#12, ...).
    DeviceKeyMaterial identity = DeviceKeyMaterial.Load(args0.CertificatePath, args0.KeyPath, args0.ChainPath, args0.KeyPassword);
    Console.WriteLine($"identity: {identity.Leaf.Subject} (until {identity.Leaf.NotAfter:u}), {identity.Intermediates.Count} intermediate(s)");

    // 2. Broker trust: Core's ChainValidator behind the MQTT client's validator seam (serverAuth, host as SAN).
    LoadedMaterial trust = MaterialLoader.LoadFile(args0.TrustPath);
    var brokerValidator = new TrustStoreServerCertificateValidator(new ChainValidator(trust.Certificates));
    Console.WriteLine($"trust: {trust.Certificates.Count} anchor(s) from {args0.TrustPath}");

    // 3. Connect over mutual TLS, publish one QoS 1 message, disconnect.
    await using var client = new MqttDeviceClient(new MqttDeviceClientOptions
    {
        Host = args0.Host,
        Port = args0.Port,
        Credential = identity.ToMqttCredential(),
        ServerCertificateValidator = brokerValidator,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });
    MqttConnectResult connected = await client.ConnectAsync();
    Console.WriteLine($"connected: {args0.Host}:{args0.Port} as '{client.ClientId}' (return code {connected.ReturnCode})");
    await client.PublishAsync(args0.Topic, Encoding.UTF8.GetBytes(args0.Message), MqttQualityOfService.AtLeastOnce);
    Console.WriteLine($"published: '{args0.Message}' to '{args0.Topic}' (QoS 1, acknowledged)");
    await client.DisconnectAsync();
    return 0;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"device-aot: {e.Message}");
    Console.Error.WriteLine(DeviceArguments.Usage);
    return 2;
}
catch (MaterialException e)
{
    Console.Error.WriteLine($"device-aot: error [{e.CodeString}]: {e.Message}");
    return 2;
}
catch (MqttCredentialException e)
{
    Console.Error.WriteLine($"device-aot: identity [{e.CodeString}]: {e.Message}");
    return 2;
}
catch (MqttException e)
{
    Console.Error.WriteLine($"device-aot: broker [{e.CodeString}]: {e.Message}");
    return 1;
}
catch (IOException e)
{
    Console.Error.WriteLine($"device-aot: connection: {e.Message}");
    return 1;
}
