using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Mqtt;

namespace IoTCerts.Device.Tests.Identity;

/// <summary>
/// One decision for a subject with several Common Names, pinned across the packages (DeviceIdentityRules): the CA
/// refuses to issue it, every platform profile reads no identity from it, and the MQTT client derives no client id
/// from it; a one-CN certificate the CA issues is read the same way by the profile and the MQTT client.
/// </summary>
public sealed class MultipleCommonNamesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("iotcerts-multi-cn-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Several_common_names_are_refused_by_the_CA_the_profiles_and_the_MQTT_client_alike()
    {
        using var ca = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(Path.Combine(_directory, "ca")),
            new CaOptions { Subject = "CN=Multi CN Test Root", KeyAlgorithm = KeyAlgorithm.EcP256 });

        // Issuance: the CA issues one CN and refuses two, with a code.
        var (issued, key) = ca.IssueWithNewKey("CN=device-7,O=Acme", CertificateProfile.Device());
        key.Dispose();
        var refused = Assert.Throws<IssuanceException>(() => ca.IssueWithNewKey("CN=device-7,CN=device-8,O=Acme", CertificateProfile.Device()));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, refused.Code);
        Assert.Contains("more than one Common Name", refused.Message, StringComparison.Ordinal);

        // The same two-CN subject made without the CA (as a foreign CA could).
        using X509Certificate2 twoNames = SelfSigned("CN=device-7, CN=device-8, O=Acme");
        using X509Certificate2 oneName = X509CertificateLoader.LoadCertificate(issued.RawData.Span);

        foreach (var (profileName, clientIdProfile) in new[] { ("generic", MqttClientIdProfile.CommonName), ("cumulocity", MqttClientIdProfile.Cumulocity) })
        {
            PlatformProfile profile = PlatformProfile.Get(profileName);

            // Core: the profile reads the issued certificate's identity, and refuses the two-CN one with its own code.
            Assert.Equal("device-7", profile.ReadDeviceIdentity(Certificate.Parse(oneName.RawData)).DeviceId);
            var ambiguous = Assert.Throws<MaterialException>(() => profile.ReadDeviceIdentity(Certificate.Parse(twoNames.RawData)));
            Assert.Equal(MaterialErrorCode.AmbiguousCommonName, ambiguous.Code);

            // Mqtt: the client id is the profile's identity, and there is none for two CNs.
            Assert.Equal("device-7", MqttClientIdentity.FromCertificate(oneName, clientIdProfile));
            var noClientId = Assert.Throws<MqttCredentialException>(() => MqttClientIdentity.FromCertificate(twoNames, clientIdProfile));
            Assert.Equal(MqttCredentialError.InvalidClientIdentity, noClientId.Error);
            Assert.Equal(MaterialErrorCode.AmbiguousCommonName, Assert.IsType<MaterialException>(noClientId.InnerException).Code);
        }

        // Core's connection-time check reports it as a broken Cumulocity CN rule, not as a pass.
        ProfileReport report = PlatformProfile.Get("cumulocity").CheckDeviceChain([Certificate.Parse(twoNames.RawData)]);
        Assert.Contains(report.Violations, v => v.Code == "c8y-device-common-name" && v.Message.Contains("more than one Common Name", StringComparison.Ordinal));
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
