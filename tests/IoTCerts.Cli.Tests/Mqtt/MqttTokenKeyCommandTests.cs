using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;
using IoTCerts.Mqtt.Tests.Pkcs11;
using Xunit.Abstractions;

namespace IoTCerts.Cli.Tests.Mqtt;

/// <summary>R-44: <c>iotcerts mqtt publish --key-uri pkcs11:…</c> with the device key in a SoftHSM2 token, against a real mosquitto.</summary>
public sealed class MqttTokenKeyCommandTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    private TestPki Pki => fixture.Pki;

    [Fact]
    public async Task Publish_with_the_key_in_a_token_and_the_pin_from_the_environment_exits_0()
    {
        Assert.True(SoftHsmToken.IsAvailable, "softhsm2, opensc and libengine-pkcs11-openssl are needed");
        string uri = SoftHsmToken.GenerateEcKey("cli-hsm");
        string cert = WriteCertificate("cli-hsm", uri, "cli-hsm.pem");
        var observer = new MqttDeviceClient(fixture.Options(Pki.Device("observer"), System.Security.Authentication.SslProtocols.Tls13));
        await using (observer)
        {
            var sink = new MessageSink(observer);
            Assert.True((await observer.ConnectAsync()).IsAccepted);
            await observer.SubscribeAsync("devices/cli-hsm/#");
            Environment.SetEnvironmentVariable("IOTCERTS_PKCS11_PIN", SoftHsmToken.Pin);
            CliResult result;
            try
            {
                result = await RunAsync("mqtt", "publish", "--host", "127.0.0.1", "--port", Port(fixture.Broker.Tls12Port), "--cert", cert, "--key-uri", uri,
                    "--chain", Path.Combine(Pki.Directory, "intermediate.pem"), "--trust", Pki.RootPath, "--topic", "devices/cli-hsm/t", "--message", "signed in the token", "--qos", "1");
            }
            finally
            {
                Environment.SetEnvironmentVariable("IOTCERTS_PKCS11_PIN", null);
            }

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("QoS 1, acknowledged by the broker", result.Out, StringComparison.Ordinal);
            Assert.Contains("connected as 'cli-hsm'", result.Out, StringComparison.Ordinal);
            Assert.Equal("signed in the token", Encoding.UTF8.GetString((await sink.NextAsync()).Payload.Span));
        }
    }

    [Fact]
    public async Task A_wrong_pin_file_exits_2_with_wrong_pin_and_never_prints_the_pin()
    {
        Assert.True(SoftHsmToken.IsAvailable);
        string uri = SoftHsmToken.GenerateEcKey("cli-wrongpin", SoftHsmToken.NeverLoggedInLabel);
        string cert = Path.Combine(Pki.Directory, "cli-wrongpin.pem");
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(cert, Pki.DeviceCertificateFor(new PublicKey(other), "cli-wrongpin").ExportCertificatePem());
        }

        string pinFile = Path.Combine(Pki.Directory, "wrong-pin.txt");
        File.WriteAllText(pinFile, "246810\n");

        CliResult result = await RunAsync("mqtt", "publish", "--host", "127.0.0.1", "--port", Port(fixture.Broker.Tls12Port), "--cert", cert, "--key-uri", uri,
            "--pin-file", pinFile, "--trust", Pki.RootPath, "--topic", "devices/cli-wrongpin/t", "--message", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("[wrong-pin]", result.Error, StringComparison.Ordinal);
        Assert.Contains("the token refused the PIN", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("246810", result.Error + result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_and_key_uri_together_is_a_usage_error()
    {
        (string cert, string key) = Pki.WriteFiles("cli-both", Pki.Device("cli-both"));

        CliResult result = await RunAsync("mqtt", "publish", "--host", "127.0.0.1", "--cert", cert, "--key", key, "--key-uri", "pkcs11:token=x;object=y", "--topic", "t", "--message", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give either --key or --key-uri, not both", result.Error, StringComparison.Ordinal);
    }

    private string WriteCertificate(string cn, string uri, string fileName)
    {
        PublicKey publicKey;
        using (AsymmetricAlgorithm key = Pkcs11Key.Open(uri, SoftHsmToken.Pin))
        {
            publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        }

        using X509Certificate2 leaf = Pki.DeviceCertificateFor(publicKey, cn);
        string path = Path.Combine(Pki.Directory, fileName);
        File.WriteAllText(path, leaf.ExportCertificatePem());
        return path;
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<CliResult> RunAsync(params string[] args)
    {
        CliResult result = await Task.Run(() => CliRunner.Run(args)).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(result.ToString());
        return result;
    }
}
