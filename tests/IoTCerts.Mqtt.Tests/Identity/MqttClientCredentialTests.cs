using System.Security.Cryptography.X509Certificates;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Identity;

public sealed class MqttClientCredentialTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public void Pem_files_give_the_leaf_with_its_key_and_the_chain_that_follows_it()
    {
        (string cert, string key) = _pki.WriteFiles("pem-device", _pki.Device("pem-device"));

        MqttClientCredential credential = MqttClientCredential.FromPemFiles(cert, key);

        Assert.True(credential.Certificate.HasPrivateKey);
        Assert.Equal("pem-device", MqttClientIdentity.CommonName(credential.Certificate));
        Assert.Equal(_pki.Intermediate.Thumbprint, Assert.Single(credential.Intermediates).Thumbprint);
    }

    [Fact]
    public void Pkcs12_gives_the_leaf_and_its_chain()
    {
        MqttClientCredential source = _pki.Device("p12-device");
        var collection = new X509Certificate2Collection { source.Certificate, _pki.Intermediate };
        string path = Path.Combine(_pki.Directory, "device.p12");
        File.WriteAllBytes(path, collection.Export(X509ContentType.Pkcs12, "s3cret")!);

        MqttClientCredential credential = MqttClientCredential.FromPkcs12File(path, "s3cret");

        Assert.Equal(source.Certificate.Thumbprint, credential.Certificate.Thumbprint);
        Assert.True(credential.Certificate.HasPrivateKey);
        Assert.Single(credential.Intermediates);
        var wrong = Assert.Throws<MqttCredentialException>(() => MqttClientCredential.FromPkcs12File(path, "wrong"));
        Assert.Equal(MqttCredentialError.Malformed, wrong.Error);
        Assert.DoesNotContain("s3cret", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_and_mismatched_key_are_reported_as_such()
    {
        (string cert, _) = _pki.WriteFiles("a", _pki.Device("a"));
        (_, string otherKey) = _pki.WriteFiles("b", _pki.Device("b"));

        var missing = Assert.Throws<MqttCredentialException>(() => MqttClientCredential.FromPemFiles(Path.Combine(_pki.Directory, "nope.crt"), otherKey));
        var mismatch = Assert.Throws<MqttCredentialException>(() => MqttClientCredential.FromPemFiles(cert, otherKey));
        var noKey = Assert.Throws<MqttCredentialException>(() => new MqttClientCredential(X509CertificateLoader.LoadCertificate(_pki.Intermediate.RawData)));

        Assert.Equal((MqttCredentialError.FileUnreadable, "file-unreadable"), (missing.Error, missing.CodeString));
        Assert.Equal(MqttCredentialError.MissingPrivateKey, mismatch.Error);
        Assert.Contains("does not match", mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(MqttCredentialError.MissingPrivateKey, noKey.Error);
    }
}
