using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Mqtt.MQTTnet;
using IoTCerts.Mqtt.Tests.Fixtures;
using MQTTnet;

namespace IoTCerts.Mqtt.MQTTnet.Tests.Fixtures;

/// <summary>A credential source the test renews by hand (the EST renewal engine's role).</summary>
internal sealed class ManualCredentialSource(CertificateCredential first) : ICertificateCredentialSource
{
    public CertificateCredential? Current { get; private set; } = first;

    public event EventHandler<CertificateCredentialChangedEventArgs>? Changed;

    public void Renew(CertificateCredential next)
    {
        Current = next;
        Changed?.Invoke(this, new CertificateCredentialChangedEventArgs(next, keyRotated: true));
    }
}

internal static class MqttNetTestClients
{
    public static CertificateCredential Credential(MqttClientCredential credential) => new(credential.Certificate, credential.Intermediates);

    public static ChainValidator Validator(TestPki pki) => new([Certificate.Parse(pki.Root.RawData)]);

    public static MqttNetTlsOptions Tls(TestPki pki, CertificateCredential credential) => new()
    {
        Credential = credential,
        ServerValidator = Validator(pki),
        TargetHost = "localhost",
    };

    public static MqttClientOptions Options(MqttNetTlsStreamProvider tls, int port, string clientId, MqttProtocolVersionChoice version = MqttProtocolVersionChoice.V311, bool cleanSession = true) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithStreamProvider(tls)
            .WithClientId(clientId)
            .WithProtocolVersion(version == MqttProtocolVersionChoice.V500 ? global::MQTTnet.Formatter.MqttProtocolVersion.V500 : global::MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(cleanSession)
            .WithTimeout(TimeSpan.FromSeconds(15))
            .Build();

    public static X509Certificate2 Leaf(MqttClientCredential credential) => credential.Certificate;
}

internal enum MqttProtocolVersionChoice
{
    V311,
    V500,
}
