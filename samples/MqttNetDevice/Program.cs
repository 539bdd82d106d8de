using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt.MQTTnet;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

// An MQTT 5 device on MQTTnet with IoTCerts' TLS: the full client chain, the broker validated by ChainValidator,
// a persistent session (session expiry), and telemetry carrying user properties, echoed back by a subscription.
//   mqttnet-device --host 127.0.0.1 --port 8883 --cert device-chain.pem --key device.key --trust root.pem [--sni localhost]
// device-chain.pem holds the device certificate followed by its intermediates. Exit 0 when the echo came back.
Dictionary<string, string> arguments = ParseArguments(args);
if (!arguments.TryGetValue("--host", out string? host) || !arguments.TryGetValue("--cert", out string? certPath)
    || !arguments.TryGetValue("--key", out string? keyPath) || !arguments.TryGetValue("--trust", out string? trustPath))
{
    Console.Error.WriteLine("usage: mqttnet-device --host <host> [--port 8883] --cert <chain.pem> --key <key.pem> --trust <root.pem> [--sni <name>]");
    return 2;
}

int port = arguments.TryGetValue("--port", out string? p) ? int.Parse(p, CultureInfo.InvariantCulture) : 8883;
X509Certificate2 leaf = X509Certificate2.CreateFromPemFile(certPath, keyPath);
var chain = new X509Certificate2Collection();
chain.ImportFromPemFile(certPath);
LoadedMaterial trust = MaterialLoader.LoadFile(trustPath);
string clientId = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

var tls = new MqttNetTlsStreamProvider(new MqttNetTlsOptions
{
    Credential = new CertificateCredential(leaf, chain.Where(c => c.Thumbprint != leaf.Thumbprint)),
    ServerValidator = new ChainValidator(trust.Certificates),
    TargetHost = arguments.GetValueOrDefault("--sni"),
});
MqttClientOptions options = new MqttClientOptionsBuilder()
    .WithTcpServer(host, port)
    .WithStreamProvider(tls)                         // MQTTnet's own TLS stays off
    .WithProtocolVersion(MqttProtocolVersion.V500)
    .WithClientId(clientId)
    .WithCleanStart(false)
    .WithSessionExpiryInterval(3600)                 // the broker keeps subscriptions and queued QoS 1 messages for an hour
    .Build();

using IMqttClient client = new MqttClientFactory().CreateMqttClient();
var echo = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
client.ApplicationMessageReceivedAsync += e =>
{
    echo.TrySetResult(e.ApplicationMessage);
    return Task.CompletedTask;
};

try
{
    MqttClientConnectResult connected = await client.ConnectAsync(options);
    Console.WriteLine($"connected as '{clientId}' over {tls.LastProtocol} (session present: {connected.IsSessionPresent})");
}
catch (Exception e) when (MqttNetTlsException.Find(e) is { } refused)
{
    Console.Error.WriteLine($"mqttnet-device: error [{refused.CodeString}{(refused.ServerCertificateCode is { } code ? "/" + code : string.Empty)}]: {refused.Message}");
    return 2;
}

string topic = $"devices/{clientId}/telemetry";
await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
MqttApplicationMessage message = new MqttApplicationMessageBuilder()
    .WithTopic(topic)
    .WithPayload("{\"temperature\":21.5}")
    .WithContentType("application/json")
    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
    .WithUserProperty("unit", Encoding.UTF8.GetBytes("celsius"))
    .WithUserProperty("firmware", Encoding.UTF8.GetBytes("1.4.2"))
    .Build();
await client.PublishAsync(message);

MqttApplicationMessage back = await echo.Task.WaitAsync(TimeSpan.FromSeconds(10));
string properties = string.Join(", ", back.UserProperties.Select(u => $"{u.Name}={Encoding.UTF8.GetString(u.ValueBuffer.Span)}"));
Console.WriteLine($"echo on '{back.Topic}' ({back.ContentType}): {back.ConvertPayloadToString()} [{properties}]");
await client.DisconnectAsync();
return 0;

static Dictionary<string, string> ParseArguments(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        result[args[i]] = args[i + 1];
    }

    return result;
}
