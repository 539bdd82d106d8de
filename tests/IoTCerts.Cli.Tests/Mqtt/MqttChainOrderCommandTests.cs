using System.Text.RegularExpressions;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Mqtt;

/// <summary>
/// R-10 with a real mosquitto: a certificate file listed intermediate-first still connects (the TLS stack sends the
/// chain in issuer order) but <c>iotcerts mqtt</c> says on stderr that other clients and the platforms refuse it.
/// </summary>
public sealed partial class MqttChainOrderCommandTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    [GeneratedRegex("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\\s*", RegexOptions.Singleline)]
    private static partial Regex CertificateBlock();

    [Fact]
    public async Task Publish_with_an_intermediate_first_file_sends_the_corrected_order_and_warns()
    {
        var pki = fixture.Pki;
        (string cert, string key) = pki.WriteFiles("cli-order", pki.Device("cli-order"));
        var blocks = CertificateBlock().Matches(File.ReadAllText(cert)).Select(m => m.Value).ToList();
        Assert.True(blocks.Count >= 2, "the device file holds the leaf and its intermediate");
        string reversed = Path.Combine(pki.Directory, "cli-order-reversed.crt");
        File.WriteAllText(reversed, string.Concat(Enumerable.Reverse(blocks)));
        string port = fixture.Broker.Tls13Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        CliResult inOrder = await Task.Run(() => CliRunner.Run("mqtt", "publish", "--host", "127.0.0.1", "--port", port, "--cert", cert, "--key", key, "--trust", pki.RootPath, "--topic", "devices/cli-order/t", "--message", "x")).WaitAsync(TimeSpan.FromSeconds(60));
        CliResult result = await Task.Run(() => CliRunner.Run("mqtt", "publish", "--host", "127.0.0.1", "--port", port, "--cert", reversed, "--key", key, "--trust", pki.RootPath, "--topic", "devices/cli-order/t", "--message", "x")).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(result.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("warning [ChainOrder]", result.Error, StringComparison.Ordinal);
        Assert.Contains("this client sends the corrected order", result.Error, StringComparison.Ordinal);
        Assert.True(inOrder.ExitCode == 0, inOrder.ToString());
        Assert.DoesNotContain("ChainOrder", inOrder.Error, StringComparison.Ordinal);
    }
}
