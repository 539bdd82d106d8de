using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Identity;

public sealed class MqttClientIdentityTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    public static TheoryData<string, string[], MqttClientIdProfile, string?, string> Derivations => new()
    {
        { "CN=sensor-42, O=Acme", [], MqttClientIdProfile.CommonName, null, "sensor-42" },
        { "CN=sensor-42, O=Acme", [], MqttClientIdProfile.Cumulocity, null, "sensor-42" },
        { "CN=d:thermo:dev7, O=Acme", [], MqttClientIdProfile.IbmWatsonIot, "abc123", "d:abc123:thermo:dev7" },
        { "CN=not-watson, O=Acme", ["d:pump:p-9"], MqttClientIdProfile.IbmWatsonIot, "org001", "d:org001:pump:p-9" },
        { "O=Acme", ["someone@example.com", "d:valve:v1"], MqttClientIdProfile.IbmWatsonIot, "org001", "d:org001:valve:v1" },
    };

    [Theory]
    [MemberData(nameof(Derivations))]
    public void Client_id_follows_the_platform_rule(string subject, string[] emails, MqttClientIdProfile profile, string? org, string expected)
    {
        Assert.Equal(expected, MqttClientIdentity.FromCertificate(_pki.Custom(subject, emails), profile, org));
    }

    public static TheoryData<string, string[], MqttClientIdProfile, string?, string> Refusals => new()
    {
        { "O=Acme", [], MqttClientIdProfile.CommonName, null, "has no Common Name" },
        { "CN=a, CN=b", [], MqttClientIdProfile.CommonName, null, "more than one Common Name" },
        { "CN=tenant:dev", [], MqttClientIdProfile.Cumulocity, null, "must not contain ':'" },
        { "CN=d:thermo:dev7", [], MqttClientIdProfile.IbmWatsonIot, null, "needs the organization id" },
        { "CN=d:thermo:dev7", [], MqttClientIdProfile.IbmWatsonIot, "a:b", "needs the organization id" },
        { "CN=thermo-dev7", ["d:onlytwo"], MqttClientIdProfile.IbmWatsonIot, "org001", "d:{type}:{id}" },
        { "CN=d::dev7", [], MqttClientIdProfile.IbmWatsonIot, "org001", "d:{type}:{id}" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Certificates_without_a_valid_identity_are_refused_with_a_reason(string subject, string[] emails, MqttClientIdProfile profile, string? org, string sentence)
    {
        var e = Assert.Throws<MqttCredentialException>(() => MqttClientIdentity.FromCertificate(_pki.Custom(subject, emails), profile, org));
        Assert.Equal(MqttCredentialError.InvalidClientIdentity, e.Error);
        Assert.Contains(sentence, e.Message, StringComparison.Ordinal);
    }
}
