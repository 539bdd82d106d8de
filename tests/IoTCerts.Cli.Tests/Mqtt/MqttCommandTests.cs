using System.Text;
using System.Text.Json;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Mqtt;

/// <summary><c>iotcerts mqtt</c> against a real mosquitto (cafile = root only, ACL devices/%u/#) and the fake Cumulocity peer.</summary>
public sealed class MqttCommandTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    private TestPki Pki => fixture.Pki;

    private string[] Connection(string deviceName, int port, bool leafOnly = false, string? trust = null)
    {
        (string cert, string key) = Pki.WriteFiles(deviceName, Pki.Device(deviceName, leafOnly: leafOnly));
        return ["--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cert", cert, "--key", key, "--trust", trust ?? Pki.RootPath];
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        CliResult result = await Task.Run(() => CliRunner.Run(args)).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(result.ToString());
        return result;
    }

    private async Task<(MqttDeviceClient Client, MessageSink Sink)> ObserverAsync(string filter)
    {
        var client = new MqttDeviceClient(fixture.Options(Pki.Device("observer"), System.Security.Authentication.SslProtocols.Tls13));
        var sink = new MessageSink(client);
        Assert.True((await client.ConnectAsync()).IsAccepted);
        await client.SubscribeAsync(filter);
        return (client, sink);
    }

    [Fact]
    public async Task Publish_qos1_with_leaf_and_intermediate_exits_0_and_a_subscriber_receives_it()
    {
        (MqttDeviceClient observer, MessageSink sink) = await ObserverAsync("devices/cli-pub/#");
        await using (observer)
        {
            CliResult result = await RunAsync(["mqtt", "publish", .. Connection("cli-pub", fixture.Broker.Tls13Port), "--topic", "devices/cli-pub/hello", "--message", "hello broker", "--qos", "1", "--json"]);

            Assert.Equal(0, result.ExitCode);
            using JsonDocument json = JsonDocument.Parse(result.Out);
            Assert.Equal(("devices/cli-pub/hello", 1, true, "cli-pub", "1.3"), (
                json.RootElement.GetProperty("topic").GetString(),
                json.RootElement.GetProperty("qos").GetInt32(),
                json.RootElement.GetProperty("acknowledged").GetBoolean(),
                json.RootElement.GetProperty("clientId").GetString(),
                json.RootElement.GetProperty("tlsVersion").GetString()));
            MqttMessageReceivedEventArgs message = await sink.NextAsync();
            Assert.Equal(("devices/cli-pub/hello", "hello broker"), (message.Topic, Encoding.UTF8.GetString(message.Payload.Span)));
        }
    }

    [Fact]
    public async Task Publish_qos0_over_tls12_with_the_chain_in_a_separate_file_exits_0()
    {
        (MqttDeviceClient observer, MessageSink sink) = await ObserverAsync("devices/cli-chain/#");
        await using (observer)
        {
            string[] connection = Connection("cli-chain", fixture.Broker.Tls12Port, leafOnly: true);
            string intermediate = Path.Combine(Pki.Directory, "intermediate.pem");

            CliResult result = await RunAsync(["mqtt", "publish", .. connection, "--chain", intermediate, "--tls-version", "1.2", "--topic", "devices/cli-chain/t", "--message", "zero"]);

            Assert.Equal(0, result.ExitCode);
            Assert.StartsWith("published to 'devices/cli-chain/t' (QoS 0, written to the connection); connected as 'cli-chain' (TLS 1.2)", result.Out, StringComparison.Ordinal);
            Assert.Equal("zero", Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));
        }
    }

    [Fact]
    public async Task Publish_as_a_leaf_only_device_exits_2_with_the_reason()
    {
        CliResult result = await RunAsync(["mqtt", "publish", .. Connection("cli-leaf", fixture.Broker.Tls12Port, leafOnly: true), "--tls-version", "1.2", "--topic", "devices/cli-leaf/t", "--message", "x", "--qos", "1"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Out);
        Assert.StartsWith("iotcerts: error [client-certificate-rejected]: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("without intermediate CA certificates", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_to_a_broker_outside_the_trust_store_exits_2_with_the_core_sentence()
    {
        CliResult result = await RunAsync(["mqtt", "publish", .. Connection("cli-untrusting", fixture.Broker.Tls13Port, trust: Pki.UntrustedRootPath), "--topic", "devices/cli-untrusting/t", "--message", "x"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("iotcerts: error [server-certificate-rejected/UntrustedRoot]: TLS to 127.0.0.1:", result.Error, StringComparison.Ordinal);
        Assert.Contains("the broker's certificate was refused: chain of trust cannot be validated", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crl_checks_the_broker_offline_and_needs_trust()
    {
        string revoking = Pki.WriteRootCrl("cli-revoking.crl", Pki.Server);
        string clean = Pki.WriteRootCrl("cli-clean.crl");
        string[] connection = Connection("cli-crl", fixture.Broker.Tls13Port);
        string[] withoutTrust = connection[..^2];

        CliResult refused = await RunAsync(["mqtt", "publish", .. connection, "--crl", revoking, "--topic", "devices/cli-crl/t", "--message", "x"]);
        CliResult accepted = await RunAsync(["mqtt", "publish", .. connection, "--crl", clean, "--topic", "devices/cli-crl/t", "--message", "x"]);
        CliResult usage = await RunAsync(["mqtt", "publish", .. withoutTrust, "--crl", clean, "--topic", "devices/cli-crl/t", "--message", "x"]);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("iotcerts: error [server-certificate-rejected/Revoked]: ", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Equal((2, "iotcerts: error [usage]: --crl needs --trust: revocation is checked by IoTCerts' chain validator, not by the system store"), (usage.ExitCode, usage.Error.Trim()));
    }

    [Fact]
    public async Task Subscribe_count_1_prints_a_message_published_by_another_client_as_a_json_line()
    {
        await using var publisher = new MqttDeviceClient(fixture.Options(Pki.Device("cli-sub"), System.Security.Authentication.SslProtocols.Tls13));
        Assert.True((await publisher.ConnectAsync()).IsAccepted);
        string[] connection = Connection("observer", fixture.Broker.Tls13Port);

        Task<CliResult> subscribe = RunAsync(["mqtt", "subscribe", .. connection, "--client-id", "cli-observer", "--topic", "devices/cli-sub/#", "--count", "1", "--timeout", "30", "--json"]);

        // The subscription's start is not observable from outside: publish until the subscriber has one and exits.
        while (!subscribe.IsCompleted)
        {
            await publisher.PublishAsync("devices/cli-sub/data", Encoding.UTF8.GetBytes("{\"t\":21.5}"), MqttQualityOfService.AtLeastOnce);
            await Task.WhenAny(subscribe, Task.Delay(100));
        }

        CliResult result = await subscribe;
        Assert.Equal(0, result.ExitCode);
        string line = Assert.Single(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using JsonDocument json = JsonDocument.Parse(line);
        Assert.Equal(("devices/cli-sub/data", "{\"t\":21.5}", 1, false), (
            json.RootElement.GetProperty("topic").GetString(),
            json.RootElement.GetProperty("payload").GetString(),
            json.RootElement.GetProperty("qos").GetInt32(),
            json.RootElement.GetProperty("retain").GetBoolean()));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"t\":21.5}")), json.RootElement.GetProperty("payloadBase64").GetString());
    }

    [Fact]
    public async Task Subscribe_text_shows_topic_and_payload_and_non_utf8_payloads_as_hex()
    {
        await using var publisher = new MqttDeviceClient(fixture.Options(Pki.Device("cli-bin"), System.Security.Authentication.SslProtocols.Tls12));
        Assert.True((await publisher.ConnectAsync()).IsAccepted);

        Task<CliResult> subscribe = RunAsync(["mqtt", "subscribe", .. Connection("observer", fixture.Broker.Tls12Port), "--client-id", "cli-observer-2", "--tls-version", "1.2", "--topic", "devices/cli-bin/#", "--count", "1", "--timeout", "30"]);
        while (!subscribe.IsCompleted)
        {
            await publisher.PublishAsync("devices/cli-bin/raw", new byte[] { 0xFF, 0x00, 0x41 }, MqttQualityOfService.AtLeastOnce);
            await Task.WhenAny(subscribe, Task.Delay(100));
        }

        CliResult result = await subscribe;
        Assert.Equal((0, "devices/cli-bin/raw 0xFF0041\n"), (result.ExitCode, result.Out.ReplaceLineEndings("\n")));
    }

    [Fact]
    public async Task Publish_with_a_password_protected_pkcs12_from_openssl_needs_no_key_option()
    {
        (string cert, string key) = Pki.WriteFiles("cli-p12", Pki.Device("cli-p12"));
        string p12 = Path.Combine(Pki.Directory, "cli-p12.p12");
        string passwordFile = Path.Combine(Pki.Directory, "cli-p12.pass");
        File.WriteAllText(passwordFile, "s3cret-Pass\n");
        var openssl = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl", ["pkcs12", "-export", "-in", cert, "-inkey", key, "-out", p12, "-passout", "pass:s3cret-Pass"]) { RedirectStandardError = true })!;
        await openssl.WaitForExitAsync();
        Assert.Equal(0, openssl.ExitCode);
        string port = fixture.Broker.Tls13Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        CliResult result = await RunAsync(["mqtt", "publish", "--host", "127.0.0.1", "--port", port, "--cert", p12, "--password-file", passwordFile, "--trust", Pki.RootPath, "--topic", "devices/cli-p12/t", "--message", "from p12", "--qos", "1"]);
        CliResult wrong = await RunAsync(["mqtt", "publish", "--host", "127.0.0.1", "--port", port, "--cert", p12, "--password", "not-the-Pass-9", "--trust", Pki.RootPath, "--topic", "devices/cli-p12/t", "--message", "x"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("QoS 1, acknowledged by the broker", result.Out, StringComparison.Ordinal);
        Assert.Equal(2, wrong.ExitCode);
        Assert.StartsWith("iotcerts: error [wrong-passphrase]: ", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-Pass-9", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_ends_by_its_timeout_and_exits_1_when_the_count_was_not_reached()
    {
        string[] connection = Connection("cli-quiet", fixture.Broker.Tls13Port);

        CliResult counted = await RunAsync(["mqtt", "subscribe", .. connection, "--topic", "devices/cli-quiet/#", "--count", "2", "--timeout", "0.5"]);
        CliResult timed = await RunAsync(["mqtt", "subscribe", .. connection, "--topic", "devices/cli-quiet/#", "--timeout", "0.5"]);
        CliResult unbounded = await RunAsync(["mqtt", "subscribe", .. connection, "--topic", "devices/cli-quiet/#"]);

        Assert.Equal((1, "iotcerts: received 0 of 2 message(s) within 0.5 s"), (counted.ExitCode, counted.Error.Trim()));
        Assert.Equal((0, string.Empty), (timed.ExitCode, timed.Out));
        Assert.Equal(2, unbounded.ExitCode);
        Assert.Contains("give --count <n> and/or --timeout <seconds>", unbounded.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_prints_the_jwt_the_cumulocity_peer_issued()
    {
        await using var peer = new FakeCumulocityPeer(Pki, tokenLifetimeSeconds: 3600);
        string[] connection = [.. Connection("c8y-cli", peer.Port), "--sni", TestPki.CumulocityHost];

        CliResult text = await RunAsync(["mqtt", "token", .. connection]);
        CliResult json = await RunAsync(["mqtt", "token", .. connection, "--json"]);

        FakeCumulocityPeer.TokenRecord[] tokens = [.. peer.Tokens];
        Assert.Equal(2, tokens.Length);
        Assert.Equal((0, tokens[0].Jwt + "\n"), (text.ExitCode, text.Out.ReplaceLineEndings("\n")));
        Assert.Equal(0, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Out);
        Assert.Equal(tokens[1].Jwt, document.RootElement.GetProperty("token").GetString());
        DateTimeOffset expiresAt = DateTimeOffset.Parse(document.RootElement.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiresAt - tokens[1].IssuedAt, TimeSpan.FromSeconds(3590), TimeSpan.FromSeconds(3610));
        Assert.All(peer.Connections, c => Assert.Equal((TestPki.CumulocityHost, "c8y-cli", "accepted"), (c.Sni, c.ClientId, c.Outcome)));
    }

    [Fact]
    public async Task A_connack_refusal_exits_2_with_the_brokers_reason()
    {
        await using var peer = new FakeCumulocityPeer(Pki, tokenLifetimeSeconds: 60);

        CliResult result = await RunAsync(["mqtt", "token", .. Connection("c8y-cli-2", peer.Port), "--sni", TestPki.CumulocityHost, "--client-id", "someone-else"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("iotcerts: error [connack-refused]: the broker refused the client id 'someone-else' (CONNACK 2): check the client id profile or the certificate's CN", result.Error.Trim());
    }

    [Fact]
    public async Task Ibm_profile_without_org_is_a_usage_error_and_wrong_key_is_refused()
    {
        string[] connection = Connection("cli-ibm", fixture.Broker.Tls13Port);
        (_, string otherKey) = Pki.WriteFiles("cli-other", Pki.Device("cli-other"));
        string[] wrongKey = [.. connection[..7], otherKey, .. connection[8..]];

        CliResult ibm = await RunAsync(["mqtt", "publish", .. connection, "--profile", "ibm-watson-iot", "--topic", "t", "--message", "x"]);
        CliResult mismatch = await RunAsync(["mqtt", "publish", .. wrongKey, "--topic", "t", "--message", "x"]);

        Assert.Equal((2, "iotcerts: error [usage]: --profile ibm-watson-iot needs --org <organization id> to derive the client id (or give --client-id)"), (ibm.ExitCode, ibm.Error.Trim()));
        Assert.Equal(2, mismatch.ExitCode);
        Assert.StartsWith("iotcerts: error [key-mismatch]: the private key in '", mismatch.Error, StringComparison.Ordinal);
    }
}
