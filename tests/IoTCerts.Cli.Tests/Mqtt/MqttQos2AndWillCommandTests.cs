using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Mqtt;

/// <summary><c>iotcerts mqtt publish --qos 2</c> and the Will options against a real mosquitto (cafile = root only, require_certificate).</summary>
public sealed class MqttQos2AndWillCommandTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    private TestPki Pki => fixture.Pki;

    private string[] Connection(string deviceName, int port)
    {
        (string cert, string key) = Pki.WriteFiles(deviceName, Pki.Device(deviceName));
        return ["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--cert", cert, "--key", key, "--trust", Pki.RootPath];
    }

    [Fact]
    public async Task Publish_qos2_completes_the_exactly_once_handshake_and_mosquitto_sub_receives_the_message_once()
    {
        (string cert, string key) = Pki.WriteFiles("qos2-observer", Pki.Device("observer"));
        var sub = Process.Start(new ProcessStartInfo("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", fixture.Broker.Tls12Port.ToString(CultureInfo.InvariantCulture), "--cafile", Pki.RootPath, "--cert", cert, "--key", key,
            "-t", "devices/cli-qos2/#", "-q", "2", "-i", "qos2-observer", "-v",
        ])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            Assert.True(await WaitForLogAsync("Received SUBSCRIBE from qos2-observer"), "mosquitto_sub did not subscribe");

            CliResult result = await Task.Run(() => CliRunner.Run(["mqtt", "publish", .. Connection("cli-qos2", fixture.Broker.Tls13Port), "--topic", "devices/cli-qos2/t", "--message", "exactly-once", "--qos", "2", "--json"])).WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine(result.ToString());

            Assert.Equal(0, result.ExitCode);
            using JsonDocument json = JsonDocument.Parse(result.Out);
            Assert.Equal((2, true), (json.RootElement.GetProperty("qos").GetInt32(), json.RootElement.GetProperty("acknowledged").GetBoolean()));

            // The broker log shows the QoS 2 exchange with the CLI: PUBREC sent, PUBREL received, PUBCOMP sent.
            Assert.True(await WaitForLogAsync("Sending PUBCOMP to cli-qos2"), "no PUBCOMP to the CLI in the broker log");
            string log = fixture.Broker.ReadLog();
            Assert.Contains("Received PUBLISH from cli-qos2 (d0, q2", log, StringComparison.Ordinal);
            Assert.Contains("Sending PUBREC to cli-qos2", log, StringComparison.Ordinal);
            Assert.Contains("Received PUBREL from cli-qos2", log, StringComparison.Ordinal);

            // Wait for mosquitto_sub's own QoS 2 exchange to finish, then give a duplicate time to show up.
            Assert.True(await WaitForLogAsync("Received PUBCOMP from qos2-observer"), "mosquitto_sub did not complete QoS 2");
            await Task.Delay(1000);
        }
        finally
        {
            sub.Kill();
            await sub.WaitForExitAsync();
        }

        string[] lines = (await sub.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(string.Join("\n", lines));
        Assert.Equal(["devices/cli-qos2/t exactly-once"], lines);
        sub.Dispose();
    }

    [Fact]
    public async Task The_will_is_published_when_the_cli_process_is_killed_and_not_after_a_clean_exit()
    {
        var observer = new MqttDeviceClient(fixture.Options(Pki.Device("observer"), System.Security.Authentication.SslProtocols.Tls13));
        var sink = new MessageSink(observer);
        await using (observer)
        {
            Assert.True((await observer.ConnectAsync()).IsAccepted);
            await observer.SubscribeAsync("devices/cli-will/#");

            // A clean exit sends DISCONNECT: the broker discards the Will.
            CliResult clean = CliRunner.Run(["mqtt", "publish", .. Connection("cli-will", fixture.Broker.Tls12Port), "--topic", "devices/cli-will/data", "--message", "online", "--will-topic", "devices/cli-will/status", "--will-message", "offline", "--will-qos", "1"]);
            Assert.Equal(0, clean.ExitCode);
            Assert.Equal("online", Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));

            // A killed process never sends DISCONNECT: the broker publishes the Will.
            var cli = Process.Start(new ProcessStartInfo("dotnet",
            [
                Path.Combine(AppContext.BaseDirectory, "iotcerts.dll"), "mqtt", "subscribe", .. Connection("cli-will", fixture.Broker.Tls12Port),
                "--topic", "devices/cli-will/cmd", "--timeout", "120", "--client-id", "cli-will-killed",
                "--will-topic", "devices/cli-will/status", "--will-message", "offline", "--will-qos", "1",
            ])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            try
            {
                Assert.True(await WaitForLogAsync("Received SUBSCRIBE from cli-will-killed", TimeSpan.FromSeconds(60)), "the CLI did not connect and subscribe");
                Assert.Null(await sink.TryNextAsync(TimeSpan.FromMilliseconds(300)));
            }
            finally
            {
                cli.Kill();
                await cli.WaitForExitAsync();
                cli.Dispose();
            }

            MqttMessageReceivedEventArgs will = await sink.NextAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(("devices/cli-will/status", "offline", MqttQualityOfService.AtLeastOnce), (will.Topic, Encoding.UTF8.GetString(will.Payload.Span), will.QualityOfService));
        }
    }

    [Fact]
    public void Will_options_without_a_topic_and_a_password_without_a_user_name_are_usage_errors()
    {
        CliResult noTopic = CliRunner.Run(["mqtt", "publish", .. Connection("cli-usage", fixture.Broker.Tls12Port), "--topic", "devices/cli-usage/t", "--message", "x", "--will-message", "offline"]);
        CliResult wildcard = CliRunner.Run(["mqtt", "publish", .. Connection("cli-usage", fixture.Broker.Tls12Port), "--topic", "devices/cli-usage/t", "--message", "x", "--will-topic", "devices/+/status"]);
        string passwordFile = Path.Combine(Pki.Directory, "mqtt-password");
        File.WriteAllText(passwordFile, "secret\n");
        CliResult noUser = CliRunner.Run(["mqtt", "publish", .. Connection("cli-usage", fixture.Broker.Tls12Port), "--topic", "devices/cli-usage/t", "--message", "x", "--mqtt-password-file", passwordFile]);

        Assert.Equal(2, noTopic.ExitCode);
        Assert.Contains("need --will-topic", noTopic.Error, StringComparison.Ordinal);
        Assert.Equal(2, wildcard.ExitCode);
        Assert.Contains("--will-topic 'devices/+/status' is not a topic name", wildcard.Error, StringComparison.Ordinal);
        Assert.Equal(2, noUser.ExitCode);
        Assert.Contains("needs --username", noUser.Error, StringComparison.Ordinal);
    }

    private async Task<bool> WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
        {
            if (fixture.Broker.ReadLog().Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
