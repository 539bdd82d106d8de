using System.Security.Authentication;
using IoTCerts.Core;
using IoTCerts.Mqtt.MQTTnet.Tests.Fixtures;
using IoTCerts.Mqtt.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet.Channel;

namespace IoTCerts.Mqtt.MQTTnet.Tests;

public sealed class MqttNetTlsOptionsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Every_problem_of_the_options_is_named_at_once()
    {
        var e = Assert.Throws<MqttNetTlsException>(() => new MqttNetTlsStreamProvider(new MqttNetTlsOptions { EnabledProtocols = (SslProtocols)768 | SslProtocols.Tls12 /* TLS 1.1 */ }));

        Assert.Equal(MqttNetTlsErrorCode.InvalidConfiguration, e.Code);
        Assert.Equal("invalid-configuration", e.CodeString);
        Assert.Contains("CredentialSource and Credential", e.Message, StringComparison.Ordinal);
        Assert.Contains("ServerValidator is required", e.Message, StringComparison.Ordinal);
        Assert.Contains("TLS 1.2 and/or TLS 1.3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_a_fixed_credential_and_a_source_are_refused()
    {
        var credential = MqttNetTestClients.Credential(_pki.Device("opts"));
        MqttNetTlsOptions options = MqttNetTestClients.Tls(_pki, credential);
        options.CredentialSource = new ManualCredentialSource(credential);

        var e = Assert.Throws<MqttNetTlsException>(() => new MqttNetTlsStreamProvider(options));
        Assert.Contains("exactly one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_is_network_unreachable_not_a_tls_error()
    {
        var provider = new MqttNetTlsStreamProvider(MqttNetTestClients.Tls(_pki, MqttNetTestClients.Credential(_pki.Device("opts"))));

        var e = await Assert.ThrowsAsync<MqttNetTlsException>(() => provider.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, MosquittoBroker.FreePort()), CancellationToken.None));

        Assert.Equal(MqttNetTlsErrorCode.NetworkUnreachable, e.Code);
        Assert.Contains("cannot be reached", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_validates_once_and_a_second_call_keeps_the_first_provider()
    {
        var credential = MqttNetTestClients.Credential(_pki.Device("di"));
        var services = new ServiceCollection();
        services.AddMqttNetTls(o =>
        {
            o.Credential = credential;
            o.ServerValidator = new ChainValidator([Certificate.Parse(_pki.Root.RawData)]);
        });
        services.AddMqttNetTls(o => o.TargetHost = "ignored");
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<MqttNetTlsStreamProvider>(), provider.GetRequiredService<IMqttClientStreamProvider>());
        Assert.Single(services, d => d.ServiceType == typeof(MqttNetTlsStreamProvider));
        Assert.Throws<MqttNetTlsException>(() => new ServiceCollection().AddMqttNetTls(o => o.Credential = credential));
    }
}
