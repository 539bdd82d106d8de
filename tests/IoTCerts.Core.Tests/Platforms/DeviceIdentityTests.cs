namespace IoTCerts.Core.Tests.Platforms;

/// <summary>Device identity per profile: read from the certificate, or a clear error naming the rule.</summary>
public sealed class DeviceIdentityTests
{
    private static readonly Lazy<ProfileCert> Issuer = new(() => ProfileCert.Create(new ProfileSpec { Subject = "CN=Identity CA", Key = "ec" }));

    private static Certificate Device(string subject, params string[] emails) => Issuer.Value.Issue(new ProfileSpec
    {
        Subject = subject,
        Ca = false,
        PathLength = null,
        KeyUsage = System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature,
        Key = "ec",
        EmailSan = emails,
    }).Certificate;

    [Theory]
    [InlineData("cumulocity", "CN=device-0001,O=Fleet", "device-0001", null, "device-0001")]
    [InlineData("cumulocity-legacy", "CN=device-0001", "device-0001", null, "device-0001")]
    [InlineData("generic", "CN=a:b", "a:b", null, "a:b")]
    [InlineData("azure-iot-edge", "CN=edge-device-7", "edge-device-7", null, "edge-device-7")]
    [InlineData("ibm-watson-iot", "CN=d:sensor:dev-01", "dev-01", "sensor", "d:myorg:sensor:dev-01")]
    public void Identity_is_read_from_the_common_name(string profile, string subject, string id, string? type, string clientId)
    {
        var identity = PlatformProfile.Get(profile).ReadDeviceIdentity(Device(subject));

        Assert.Equal(id, identity.DeviceId);
        Assert.Equal(type, identity.DeviceType);
        Assert.Equal("commonName", identity.Source);
        Assert.Equal(clientId, identity.ClientId("myorg"));
    }

    [Fact]
    public void Ibm_identity_comes_from_the_email_SAN_when_the_CN_is_not_one()
    {
        var identity = PlatformProfile.Get("ibm-watson-iot").ReadDeviceIdentity(Device("CN=Gateway 7", "ops@example.com", "d:gateway:gw-7"));

        Assert.Equal("gw-7", identity.DeviceId);
        Assert.Equal("gateway", identity.DeviceType);
        Assert.Equal("subjectAltName email", identity.Source);
        Assert.Throws<ArgumentException>(() => identity.ClientId());
        Assert.Equal("d:org1:gateway:gw-7", identity.ClientId("org1"));
    }

    [Theory]
    [InlineData("cumulocity", "CN=dev:0001", "must not contain ':'")]
    [InlineData("cumulocity", "O=No Common Name", "has no Common Name")]
    [InlineData("ibm-watson-iot", "CN=device-0001", "d:{type}:{id}")]
    [InlineData("ibm-watson-iot", "CN=d:too:many:parts", "d:{type}:{id}")]
    [InlineData("azure-iot-edge", "CN=device with spaces", "not a valid device id")]
    [InlineData("azure-iot-edge", "O=Fleet", "has no Common Name")]
    public void A_certificate_without_an_identity_gives_a_sentence(string profile, string subject, string expected)
    {
        var platform = PlatformProfile.Get(profile);

        Assert.False(platform.TryReadDeviceIdentity(Device(subject), out var identity, out var error));
        Assert.Null(identity);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<MaterialException>(() => platform.ReadDeviceIdentity(Device(subject)));
        Assert.Equal(MaterialErrorCode.NothingFound, thrown.Code);
    }
}
