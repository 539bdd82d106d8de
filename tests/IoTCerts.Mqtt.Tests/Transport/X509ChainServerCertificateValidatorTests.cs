using System.Security.Cryptography.X509Certificates;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Transport;

public sealed class X509ChainServerCertificateValidatorTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData(TestPki.CumulocityHost)]
    public void A_broker_certificate_from_the_trusted_root_naming_the_host_is_trusted(string host)
    {
        ServerCertificateValidationResult result = new X509ChainServerCertificateValidator([_pki.Root]).Validate(_pki.Server, [], host);
        Assert.True(result.IsTrusted, result.Reason);
        Assert.Null(result.Reason);
    }

    public static TheoryData<string, string> Rejections => new()
    {
        { "untrusted-root", "is not issued by a CA in the trust store" },
        { "wrong-host", "is not valid for the host 'other.example'" },
        { "expired", "the broker's certificate (CN=localhost, O=IoTCerts Test) expired on" },
        { "not-yet-valid", "is not valid before" },
        { "client-usage", "is not valid for TLS server authentication" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejections_name_the_most_specific_reason(string kind, string sentence)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        (X509Certificate2 certificate, X509Certificate2Collection anchors, string host) = kind switch
        {
            "untrusted-root" => (_pki.Server, new X509Certificate2Collection(_pki.UntrustedRoot), "localhost"),
            "wrong-host" => (_pki.Server, new X509Certificate2Collection(_pki.Root), "other.example"),
            "expired" => (_pki.ServerCertificate(now.AddDays(-20), now.AddDays(-10)), new X509Certificate2Collection(_pki.Root), "localhost"),
            "not-yet-valid" => (_pki.ServerCertificate(now.AddDays(10), now.AddDays(20)), new X509Certificate2Collection(_pki.Root), "localhost"),
            _ => (_pki.ServerCertificate(now.AddDays(-1), now.AddDays(1), serverAuth: false), new X509Certificate2Collection(_pki.Root), "localhost"),
        };

        ServerCertificateValidationResult result = new X509ChainServerCertificateValidator(anchors).Validate(certificate, [], host);

        Assert.False(result.IsTrusted);
        Assert.Contains(sentence, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_broker_chain_is_built_from_what_the_broker_presented()
    {
        // A broker certificate issued by the intermediate: trusted only when the broker sends the intermediate.
        X509Certificate2 leaf = _pki.Device("broker-by-intermediate").Certificate;
        var validator = new X509ChainServerCertificateValidator([_pki.Root]) { CheckHostName = false };

        Assert.False(validator.Validate(leaf, [], "x").IsTrusted);
        Assert.Contains("not valid for TLS server authentication", validator.Validate(leaf, [_pki.Intermediate], "x").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_offline_friendly_and_an_empty_trust_store_is_refused()
    {
        var validator = new X509ChainServerCertificateValidator([_pki.Root]);
        Assert.Equal(X509RevocationMode.NoCheck, validator.RevocationMode);
        Assert.True(validator.CheckHostName);
        Assert.False(validator.UsesSystemTrustStore);
        Assert.True(new X509ChainServerCertificateValidator().UsesSystemTrustStore);
        Assert.Throws<ArgumentException>(() => new X509ChainServerCertificateValidator([]));
        Assert.True(X509ChainServerCertificateValidator.FromTrustStoreFile(_pki.RootPath).Validate(_pki.Server, [], "localhost").IsTrusted);
    }
}
