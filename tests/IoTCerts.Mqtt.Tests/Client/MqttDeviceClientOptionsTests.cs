using System.Security.Authentication;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTCerts.Mqtt.Tests.Client;

public sealed class MqttDeviceClientOptionsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Validation_lists_every_problem_at_once()
    {
        var options = new MqttDeviceClientOptions
        {
            Port = 0,
            SslProtocols = SslProtocols.None,
            ClientIdProfile = MqttClientIdProfile.IbmWatsonIot,
            KeepAlive = TimeSpan.FromDays(2),
            MaxInflightMessages = 0,
        };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Host is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Credential is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OrganizationId is required", StringComparison.Ordinal));
        var thrown = Assert.Throws<ArgumentException>(() => new MqttDeviceClient(options));
        Assert.Contains("SslProtocols must be TLS 1.2 and/or TLS 1.3.", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dependency_injection_registers_one_validated_client()
    {
        var services = new ServiceCollection();
        services.AddMqttDeviceClient(o =>
        {
            o.Host = "127.0.0.1";
            o.Credential = _pki.Device("di-device");
            o.ServerCertificateValidator = _pki.Validator;
        });
        services.AddMqttDeviceClient(o => o.Port = 18883);
        await using ServiceProvider provider = services.BuildServiceProvider();

        MqttDeviceClient client = provider.GetRequiredService<MqttDeviceClient>();

        Assert.Same(client, provider.GetRequiredService<MqttDeviceClient>());
        Assert.Single(services, d => d.ServiceType == typeof(MqttDeviceClient));
        Assert.Equal(18883, provider.GetRequiredService<IOptions<MqttDeviceClientOptions>>().Value.Port);
        Assert.Equal("di-device", client.ClientId);
    }

    [Fact]
    public async Task Dependency_injection_reports_invalid_options_with_every_message()
    {
        var services = new ServiceCollection();
        services.AddMqttDeviceClient(o => o.Port = -1);
        await using ServiceProvider provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<MqttDeviceClient>());

        Assert.Equal(3, e.Failures.Count());
        Assert.Contains(e.Failures, f => f.Contains("Port -1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dependency_injection_fails_at_start_on_bad_options()
    {
        var services = new ServiceCollection();
        services.AddMqttDeviceClient(o => o.Port = -1);
        await using ServiceProvider provider = services.BuildServiceProvider();

        // What a host runs in StartAsync (ValidateOnStart): nothing has to resolve the client first.
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(e.Failures, f => f.Contains("Port -1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_client_keeps_its_own_copy_of_the_options_and_starts_no_work_when_constructed()
    {
        var options = new MqttDeviceClientOptions
        {
            Host = "127.0.0.1",
            ClientId = "before",
            Credential = _pki.Device("copy-device"),
            ServerCertificateValidator = _pki.Validator,
        };
        await using var client = new MqttDeviceClient(options);

        options.ClientId = "after";
        options.Credential = _pki.Device("other-device");
        options.Reconnect.InitialDelay = TimeSpan.Zero;

        Assert.Equal("before", client.ClientId);
        Assert.Equal("copy-device", client.Credential.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        Assert.False(client.DispatcherStarted);
    }

    [Fact]
    public void Reconnect_delays_grow_exponentially_with_equal_jitter_up_to_the_cap()
    {
        var policy = new MqttReconnectPolicy { InitialDelay = TimeSpan.FromMilliseconds(100), MaximumDelay = TimeSpan.FromSeconds(2) };

        Assert.Equal(TimeSpan.FromMilliseconds(50), policy.GetDelay(0, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.GetDelay(0, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.GetDelay(2, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.GetDelay(2, 0));
        Assert.Equal(TimeSpan.FromSeconds(2), policy.GetDelay(5, 1));
        Assert.Equal(TimeSpan.FromSeconds(2), policy.GetDelay(int.MaxValue, 1));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.GetDelay(1000, 0));
        Assert.Equal(5, policy.StreakAtCap());
    }

    [Fact]
    public async Task Operations_that_need_a_connection_say_so_and_disposal_fails_queued_messages()
    {
        var client = new MqttDeviceClient(BrokerFixture.Options(_pki, _pki.Device("offline"), MosquittoBroker.FreePort()));

        var qos0 = await Assert.ThrowsAsync<MqttConnectException>(() => client.PublishAsync("devices/offline/x", new byte[1]));
        var sub = await Assert.ThrowsAsync<MqttConnectException>(() => client.SubscribeAsync("devices/offline/#"));
        Task queued = client.PublishAsync("devices/offline/x", new byte[1], MqttQualityOfService.AtLeastOnce);
        Assert.Equal(1, client.PendingMessageCount);
        var refused = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("devices/+/x", new byte[1]));
        await client.DisposeAsync();

        Assert.Equal(MqttConnectError.NotConnected, qos0.Error);
        Assert.Equal(MqttConnectError.NotConnected, sub.Error);
        Assert.Equal(MqttConnectError.NetworkUnreachable, refused.Error);
        Assert.Equal(MqttConnectError.Disposed, (await Assert.ThrowsAsync<MqttConnectException>(() => queued)).Error);
    }
}
