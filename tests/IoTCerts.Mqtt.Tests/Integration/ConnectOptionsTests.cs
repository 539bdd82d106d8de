using System.Text;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Integration;

/// <summary>The CONNECT options (user name, password, Will, clean start on the first connection only) as a peer receives them.</summary>
public sealed class ConnectOptionsTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task User_name_password_and_will_are_sent_and_clean_start_applies_to_the_first_connection_only()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 60) { DropFirstConnectionAfterPublishes = 1 };
        var options = BrokerFixture.Options(_pki, _pki.Device("c8y-options"), peer.Port);
        options.TargetHost = TestPki.CumulocityHost;
        options.UserName = "t12345/device_c8y-options";
        options.Password = "s3cret";
        options.Will = new MqttWillMessage { Topic = "s/us", Payload = "400,c8y_Offline"u8.ToArray(), QualityOfService = MqttQualityOfService.AtLeastOnce };
        options.CleanSession = false;
        options.CleanSessionOnFirstConnect = true;
        await using var client = new MqttDeviceClient(options);

        Assert.True((await client.ConnectAsync()).IsAccepted);
        await client.PublishAsync("s/us", "200,c8y_Temperature,T,21"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        for (var i = 0; i < 200 && peer.ConnectPackets.Count < 2; i++)
        {
            await Task.Delay(50);
        }

        MqttConnectPacket[] connects = [.. peer.ConnectPackets];
        Assert.Equal(2, connects.Length);
        Assert.Equal((true, false), (connects[0].CleanSession, connects[1].CleanSession));
        Assert.All(connects, c =>
        {
            Assert.Equal("t12345/device_c8y-options", c.UserName);
            Assert.Equal("s3cret", Encoding.UTF8.GetString(c.Password!.Value.Span));
            Assert.NotNull(c.Will);
            Assert.Equal(("s/us", "400,c8y_Offline", MqttQualityOfService.AtLeastOnce), (c.Will.Topic, Encoding.UTF8.GetString(c.Will.Payload.Span), c.Will.QualityOfService));
        });
    }

    [Fact]
    public async Task Without_the_new_options_connect_carries_no_user_name_password_or_will()
    {
        await using var peer = new FakeCumulocityPeer(_pki, tokenLifetimeSeconds: 60);
        var options = BrokerFixture.Options(_pki, _pki.Device("c8y-plain"), peer.Port);
        options.TargetHost = TestPki.CumulocityHost;
        await using var client = new MqttDeviceClient(options);

        Assert.True((await client.ConnectAsync()).IsAccepted);

        MqttConnectPacket connect = Assert.Single(peer.ConnectPackets);
        Assert.Equal((null, false, null, true), (connect.UserName, connect.Password.HasValue, connect.Will, connect.CleanSession));
    }

    [Theory]
    [InlineData("password-without-user", "Password needs UserName")]
    [InlineData("wildcard-will", "is not a valid topic name")]
    [InlineData("first-connect-with-clean-session", "CleanSessionOnFirstConnect needs CleanSession false")]
    public void Unusable_connect_options_are_named(string kind, string sentence)
    {
        var options = BrokerFixture.Options(_pki, _pki.Device("c8y-bad"), 8883);
        switch (kind)
        {
            case "password-without-user":
                options.Password = "x";
                break;
            case "wildcard-will":
                options.Will = new MqttWillMessage { Topic = "devices/+/status" };
                break;
            default:
                options.CleanSessionOnFirstConnect = true;
                break;
        }

        Assert.Contains(options.Validate(), e => e.Contains(sentence, StringComparison.Ordinal));
    }
}
