using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using IoTCerts.Mqtt.Tests.Fixtures;
using Xunit.Abstractions;

namespace IoTCerts.Mqtt.Tests.Pkcs11;

/// <summary>
/// R-44: a device whose private key never leaves a SoftHSM2 token authenticates to a real mosquitto over mutual TLS;
/// the TLS handshake signs through OpenSSL's pkcs11 engine.
/// </summary>
public sealed class TokenKeyTlsTests(BrokerFixture fixture, ITestOutputHelper output) : IClassFixture<BrokerFixture>
{
    public static TheoryData<SslProtocols> Versions => new() { SslProtocols.Tls12, SslProtocols.Tls13 };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Device_with_its_key_in_a_token_connects_and_round_trips_qos1(SslProtocols protocol)
    {
        Assert.True(SoftHsmToken.IsAvailable, "softhsm2, opensc (pkcs11-tool) and libengine-pkcs11-openssl are needed");
        string cn = "hsm-" + (protocol == SslProtocols.Tls13 ? "13" : "12");
        string uri = SoftHsmToken.GenerateEcKey(cn);
        string certPath = WriteDeviceCertificate(cn, uri, withChain: false);
        string chainPath = Path.Combine(fixture.Pki.Directory, cn + "-chain.pem");
        File.WriteAllText(chainPath, fixture.Pki.Intermediate.ExportCertificatePem());

        MqttClientCredential credential = MqttClientCredential.FromPkcs11(certPath, uri, SoftHsmToken.Pin, chainPath);
        Assert.True(credential.Certificate.HasPrivateKey);
        Assert.Single(credential.Intermediates);

        await using var client = new MqttDeviceClient(fixture.Options(credential, protocol));
        var sink = new MessageSink(client);
        MqttConnectResult result = await client.ConnectAsync();

        Assert.True(result.IsAccepted, result.Reason);
        Assert.Equal(protocol, result.TlsProtocol);
        Assert.Equal(cn, result.ClientId);
        await client.SubscribeAsync($"devices/{cn}/#", MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync($"devices/{cn}/q1", Encoding.UTF8.GetBytes("from the token"), MqttQualityOfService.AtLeastOnce);
        MqttMessageReceivedEventArgs m = await sink.NextAsync();
        Assert.Equal(($"devices/{cn}/q1", "from the token", MqttQualityOfService.AtLeastOnce), (m.Topic, Encoding.UTF8.GetString(m.Payload.Span), m.QualityOfService));
        Assert.Equal(0, client.PendingMessageCount);
        await client.DisconnectAsync();
        Assert.Contains($"as {cn} ", fixture.Broker.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_pin_is_a_clear_error_that_never_shows_the_pin()
    {
        Assert.True(SoftHsmToken.IsAvailable);
        string uri = SoftHsmToken.GenerateEcKey("hsm-wrongpin", SoftHsmToken.NeverLoggedInLabel);
        string certPath = Path.Combine(fixture.Pki.Directory, "hsm-wrongpin.pem");
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(certPath, fixture.Pki.DeviceCertificateFor(new PublicKey(other), "hsm-wrongpin").ExportCertificatePem());
        }

        var e = Assert.Throws<MqttCredentialException>(() => MqttClientCredential.FromPkcs11(certPath, uri, "90210"));

        output.WriteLine($"[{e.CodeString}] {e.Message} / {e.InnerException?.InnerException?.Message}");
        Assert.Equal(MqttCredentialError.TokenKeyUnavailable, e.Error);
        Assert.Equal("wrong-pin", e.CodeString);
        Assert.Contains("refused the PIN", e.Message, StringComparison.Ordinal);
        Assert.Contains(uri, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("90210", e.ToString(), StringComparison.Ordinal);

        // The PIN in the URI itself is not echoed either.
        var inUri = Assert.Throws<MaterialException>(() => Pkcs11Key.Open(uri + "?pin-value=90211"));
        Assert.Equal(MaterialErrorCode.WrongPin, inUri.Code);
        Assert.DoesNotContain("90211", inUri.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_object_and_a_non_pkcs11_uri_are_named()
    {
        Assert.True(SoftHsmToken.IsAvailable);
        _ = SoftHsmToken.Directory;

        var missing = Assert.Throws<MaterialException>(() => Pkcs11Key.Open($"pkcs11:token={SoftHsmToken.Label};object=no-such-key;type=private", SoftHsmToken.Pin));
        output.WriteLine($"[{missing.CodeString}] {missing.Message} / {missing.InnerException?.Message}");
        Assert.Equal(MaterialErrorCode.TokenKeyNotFound, missing.Code);
        Assert.DoesNotContain(SoftHsmToken.Pin, missing.ToString(), StringComparison.Ordinal);

        var notUri = Assert.Throws<MaterialException>(() => Pkcs11Key.Open("/etc/device.key", SoftHsmToken.Pin));
        Assert.Equal(MaterialErrorCode.InvalidPkcs11Uri, notUri.Code);
    }

    [Fact]
    public void A_token_key_that_does_not_belong_to_the_certificate_is_refused()
    {
        Assert.True(SoftHsmToken.IsAvailable);
        string uri = SoftHsmToken.GenerateEcKey("hsm-other");
        string certPath = Path.Combine(fixture.Pki.Directory, "hsm-mismatch.pem");
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(certPath, fixture.Pki.DeviceCertificateFor(new PublicKey(other), "hsm-mismatch").ExportCertificatePem());
        }

        var e = Assert.Throws<MqttCredentialException>(() => MqttClientCredential.FromPkcs11(certPath, uri, SoftHsmToken.Pin));

        Assert.Equal(MqttCredentialError.MissingPrivateKey, e.Error);
        Assert.Contains("does not belong to the certificate", e.Message, StringComparison.Ordinal);
    }

    private string WriteDeviceCertificate(string cn, string uri, bool withChain)
    {
        PublicKey publicKey;
        using (AsymmetricAlgorithm key = Pkcs11Key.Open(uri, SoftHsmToken.Pin))
        {
            publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        }

        using X509Certificate2 leaf = fixture.Pki.DeviceCertificateFor(publicKey, cn);
        string path = Path.Combine(fixture.Pki.Directory, cn + ".pem");
        File.WriteAllText(path, leaf.ExportCertificatePem() + "\n" + (withChain ? fixture.Pki.Intermediate.ExportCertificatePem() : string.Empty));
        return path;
    }
}
