using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Transport;

public sealed class TrustStoreServerCertificateValidatorTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    private TrustStoreServerCertificateValidator Trusting(X509Certificate2 anchor, TimeProvider? time = null, IRevocationChecker? revocation = null) =>
        new([Certificate.FromX509Certificate2(anchor)], revocation, time);

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData(TestPki.CumulocityHost)]
    public void A_broker_certificate_from_the_trusted_root_naming_the_host_is_trusted(string host)
    {
        ServerCertificateValidationResult result = Trusting(_pki.Root).Validate(_pki.Server, [], host);

        Assert.True(result.IsTrusted, result.Reason);
        Assert.Null(result.Code);
    }

    public static TheoryData<string, string, string> Rejections => new()
    {
        { "untrusted-root", "PartialChain", "chain of trust cannot be validated: certificate and root CA do not match" },
        { "wrong-host", "NameMismatch", "is not valid for the name other.example (it holds" },
        { "wrong-ip", "NameMismatch", "is not valid for the name 10.1.2.3" },
        { "expired", "Expired", "certificate \"CN=localhost,O=IoTCerts Test\" expired on" },
        { "not-yet-valid", "NotYetValid", "\"CN=localhost,O=IoTCerts Test\"" },
        { "client-usage", "NotValidForUsage", "wrong purpose" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejections_carry_the_core_code_and_sentence(string kind, string code, string sentence)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        (X509Certificate2 certificate, X509Certificate2 anchor, string host) = kind switch
        {
            "untrusted-root" => (_pki.Server, _pki.UntrustedRoot, "localhost"),
            "wrong-host" => (_pki.Server, _pki.Root, "other.example"),
            "wrong-ip" => (_pki.Server, _pki.Root, "10.1.2.3"),
            "expired" => (_pki.ServerCertificate(now.AddDays(-20), now.AddDays(-10)), _pki.Root, "localhost"),
            "not-yet-valid" => (_pki.ServerCertificate(now.AddDays(10), now.AddDays(20)), _pki.Root, "localhost"),
            _ => (_pki.ServerCertificate(now.AddDays(-1), now.AddDays(1), serverAuth: false), _pki.Root, "localhost"),
        };

        ServerCertificateValidationResult result = Trusting(anchor).Validate(certificate, [], host);

        Assert.False(result.IsTrusted);
        Assert.Equal(code, result.Code);
        Assert.StartsWith("the broker's certificate was refused: ", result.Reason, StringComparison.Ordinal);
        Assert.Contains(sentence, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_untrusted_chain_names_the_trust_store_file()
    {
        var validator = TrustStoreServerCertificateValidator.FromFile(_pki.UntrustedRootPath);

        ServerCertificateValidationResult result = validator.Validate(_pki.Server, [], "localhost");

        Assert.EndsWith($"; the trust store '{_pki.UntrustedRootPath}' (1 certificate) does not hold the broker's CA", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chain_is_built_from_the_intermediates_the_broker_presented()
    {
        X509Certificate2 broker = _pki.ServerCertificate(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), issuer: _pki.Intermediate);
        TrustStoreServerCertificateValidator validator = Trusting(_pki.Root);

        ServerCertificateValidationResult alone = validator.Validate(broker, [], "localhost");
        ServerCertificateValidationResult withChain = validator.Validate(broker, [_pki.Intermediate, _pki.UntrustedRoot], "localhost");

        Assert.Equal("PartialChain", alone.Code);
        Assert.True(withChain.IsTrusted, withChain.Reason);
    }

    [Fact]
    public void Validity_is_checked_at_the_time_of_the_time_provider()
    {
        var later = new FixedTime(_pki.Server.NotAfter.ToUniversalTime().AddDays(1));

        ServerCertificateValidationResult result = Trusting(_pki.Root, later).Validate(_pki.Server, [], "localhost");

        Assert.Equal("Expired", result.Code);
    }

    [Fact]
    public void Host_name_checking_can_be_turned_off()
    {
        var validator = new TrustStoreServerCertificateValidator([Certificate.FromX509Certificate2(_pki.Root)]) { CheckHostName = false };

        Assert.True(validator.Validate(_pki.Server, [], "other.example").IsTrusted);
    }

    [Fact]
    public void A_revocation_checker_is_consulted_and_none_by_default()
    {
        var revoked = new FixedRevocation(RevocationCheckResult.Revoked("revoked on 2026-01-02 (keyCompromise)"));

        ServerCertificateValidationResult withChecker = Trusting(_pki.Root, revocation: revoked).Validate(_pki.Server, [], "localhost");
        TrustStoreServerCertificateValidator byDefault = TrustStoreServerCertificateValidator.FromFile(_pki.RootPath);

        Assert.Equal("Revoked", withChecker.Code);
        Assert.Contains("keyCompromise", withChecker.Reason, StringComparison.Ordinal);
        Assert.Equal(1, revoked.Calls);
        Assert.True(byDefault.Validate(_pki.Server, [], "localhost").IsTrusted);
    }

    [Fact]
    public void Offline_crls_refuse_a_revoked_broker_and_an_unknown_status()
    {
        CrlRevocationChecker Checker(string path) => new(RevocationPolicy.Offline, MaterialLoader.LoadFile(path).Crls);
        string revoking = _pki.WriteRootCrl("revoking.crl", _pki.Server);
        string clean = _pki.WriteRootCrl("clean.crl");

        ServerCertificateValidationResult revoked = Trusting(_pki.Root, revocation: Checker(revoking)).Validate(_pki.Server, [], "localhost");
        ServerCertificateValidationResult good = Trusting(_pki.Root, revocation: Checker(clean)).Validate(_pki.Server, [], "localhost");
        ServerCertificateValidationResult unknown = Trusting(_pki.Root, revocation: Checker(_pki.CrlPath)).Validate(_pki.Server, [], "localhost");

        Assert.Equal("Revoked", revoked.Code);
        Assert.StartsWith("the broker's certificate was refused: ", revoked.Reason, StringComparison.Ordinal);
        Assert.True(good.IsTrusted, good.Reason);
        Assert.False(unknown.IsTrusted);
        Assert.Equal("RevocationStatusUnknown", unknown.Code);
    }

    [Fact]
    public void Trust_stores_are_read_in_any_format_and_bad_files_are_credential_errors()
    {
        string der = Path.Combine(_pki.Directory, "root.der");
        File.WriteAllBytes(der, _pki.Root.RawData);
        string notCertificates = Path.Combine(_pki.Directory, "only-key.pem");
        File.WriteAllText(notCertificates, _pki.Root.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        string garbage = Path.Combine(_pki.Directory, "garbage.pem");
        File.WriteAllText(garbage, "this is not a certificate");

        Assert.True(TrustStoreServerCertificateValidator.FromFile(der).Validate(_pki.Server, [], "localhost").IsTrusted);
        var missing = Assert.Throws<MqttCredentialException>(() => TrustStoreServerCertificateValidator.FromFile(Path.Combine(_pki.Directory, "nope.pem")));
        var empty = Assert.Throws<MqttCredentialException>(() => TrustStoreServerCertificateValidator.FromFile(notCertificates));
        var malformed = Assert.Throws<MqttCredentialException>(() => TrustStoreServerCertificateValidator.FromFile(garbage));

        Assert.Equal(MqttCredentialError.FileUnreadable, missing.Error);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Equal((MqttCredentialError.Malformed, $"the trust store '{notCertificates}' holds no certificate"), (empty.Error, empty.Message));
        Assert.Equal(MqttCredentialError.Malformed, malformed.Error);
        Assert.Throws<ArgumentException>(() => new TrustStoreServerCertificateValidator([]));
    }

    [Fact]
    public void Options_choose_the_core_validator_for_a_trust_store_and_refuse_ambiguity()
    {
        MqttDeviceClientOptions Options() => new() { Host = "127.0.0.1", Credential = _pki.Device("opts") };

        MqttDeviceClientOptions withStore = Options();
        withStore.TrustStorePath = _pki.RootPath;
        MqttDeviceClientOptions both = Options();
        both.TrustStorePath = _pki.RootPath;
        both.ServerCertificateValidator = _pki.Validator;
        MqttDeviceClientOptions checkerWithoutStore = Options();
        checkerWithoutStore.ServerRevocationChecker = new FixedRevocation(RevocationCheckResult.Good);
        MqttDeviceClientOptions missingStore = Options();
        missingStore.TrustStorePath = Path.Combine(_pki.Directory, "missing.pem");

        Assert.IsType<TrustStoreServerCertificateValidator>(withStore.CreateServerCertificateValidator());
        Assert.IsType<X509ChainServerCertificateValidator>(Options().CreateServerCertificateValidator());
        Assert.True(((X509ChainServerCertificateValidator)Options().CreateServerCertificateValidator()).UsesSystemTrustStore);
        Assert.Contains(both.Validate(), e => e.StartsWith("Set either TrustStorePath or ServerCertificateValidator", StringComparison.Ordinal));
        Assert.Contains(checkerWithoutStore.Validate(), e => e.StartsWith("ServerRevocationChecker needs TrustStorePath", StringComparison.Ordinal));
        Assert.Equal(MqttCredentialError.FileUnreadable, Assert.Throws<MqttCredentialException>(() => new MqttDeviceClient(missingStore)).Error);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class FixedRevocation(RevocationCheckResult result) : IRevocationChecker
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime)
        {
            Interlocked.Increment(ref _calls);
            return result;
        }
    }
}
