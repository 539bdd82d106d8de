using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core.Tests.Model;

namespace IoTCerts.Core.Tests.Platforms;

/// <summary>
/// Every rule of every profile: one passing and one failing certificate file, table-driven; the failing one must
/// report that rule's code with a sentence naming the rule (R-20..R-22, R-30..R-31, R-40..R-41, R-50).
/// </summary>
public sealed class ProfileRuleTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly Lazy<Pki> Shared = new(() => new Pki());

    private sealed class Pki
    {
        public ProfileCert GoodCa { get; } = ProfileCert.Create(new ProfileSpec());

        public ProfileCert Root { get; } = ProfileCert.Create(new ProfileSpec { Subject = "CN=Profile Root,O=IoTCerts", PathLength = null, Key = "ec" });

        public ProfileCert Int { get; }

        public ProfileCert Device { get; }

        public ProfileCert DirectDevice { get; }

        public ProfileCert[] LongChain { get; }

        public Pki()
        {
            Int = Root.Issue(new ProfileSpec { Subject = "CN=Profile Issuing CA,O=IoTCerts", Key = "ec" });
            Device = Int.Issue(DeviceSpec("CN=device-0001,OU=Devices,O=IoTCerts,C=DE"));
            DirectDevice = Root.Issue(DeviceSpec("CN=device-direct"));

            // Root → 9 intermediates → device: 11 certificates, one more than Cumulocity allows.
            var chain = new List<ProfileCert> { Root };
            for (var i = 0; i < 9; i++)
            {
                chain.Add(chain[^1].Issue(new ProfileSpec { Subject = $"CN=Long CA {i}", PathLength = null, Key = "ec" }));
            }

            chain.Add(chain[^1].Issue(DeviceSpec("CN=device-long")));
            chain.Reverse();
            LongChain = [.. chain];
        }
    }

    private static ProfileSpec DeviceSpec(string subject) => new()
    {
        Subject = subject,
        Ca = false,
        PathLength = null,
        KeyUsage = X509KeyUsageFlags.DigitalSignature,
        Key = "ec",
    };

    private static Pki P => Shared.Value;

    private static ProfileReport Upload(string profile, ProfileCheckOptions? options, params ProfileCert[] file) =>
        PlatformProfile.Get(profile).CheckCaUpload(ThroughFile(file), options ?? new ProfileCheckOptions { At = Now });

    private static ProfileReport Connect(string profile, ProfileCheckOptions options, params ProfileCert[] chain) =>
        PlatformProfile.Get(profile).CheckDeviceChain(ThroughFile(chain), options);

    private static ProfileCheckOptions Uploaded(params ProfileCert[] cas) => new() { At = Now, UploadedCaCertificates = [.. cas.Select(c => c.Certificate)] };

    // Each case goes through a real PEM file and the loader, as an operator's file would.
    private static IReadOnlyList<Certificate> ThroughFile(ProfileCert[] certificates)
    {
        var path = Path.Combine(Path.GetTempPath(), $"iotcerts-profile-{Guid.NewGuid():N}.pem");
        try
        {
            File.WriteAllText(path, string.Concat(certificates.Select(c => PemWriter.Write("CERTIFICATE", c.Certificate.RawData.Span))));
            return MaterialLoader.LoadFile(path).Certificates;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ProfileCert Ca(ProfileSpec spec) => ProfileCert.Create(spec);

    private static ProfileCheckOptions CrlResults(CrlFetchStatus status) => new()
    {
        At = Now,
        CrlFetchResults = new Dictionary<string, CrlFetchResult>
        {
            ["http://crl.example/profile-ca.crl"] = new("http://crl.example/profile-ca.crl", status, null, status == CrlFetchStatus.HttpError ? 404 : 200,
                status == CrlFetchStatus.Fetched ? "fetched" : "CRL location not reachable: http://crl.example/profile-ca.crl answered HTTP 404", Now),
        },
    };

    private static readonly Dictionary<string, (Func<ProfileReport> Pass, Func<ProfileReport> Fail)> Cases = new()
    {
        ["generic/ca-basic-constraints"] = (() => Upload("generic", null, P.GoodCa), () => Upload("generic", null, Ca(new ProfileSpec { Ca = false }))),
        ["generic/ca-key-cert-sign"] = (() => Upload("generic", null, P.GoodCa), () => Upload("generic", null, Ca(new ProfileSpec { KeyUsage = X509KeyUsageFlags.CrlSign }))),
        ["generic/ca-valid-dates"] = (() => Upload("generic", null, P.GoodCa), () => Upload("generic", null, Ca(new ProfileSpec { NotAfter = Now.AddDays(-1), NotBefore = Now.AddDays(-30) }))),
        ["generic/ca-key-strength"] = (() => Upload("generic", null, P.GoodCa), () => Upload("generic", null, Ca(new ProfileSpec { Key = "rsa1024" }))),
        ["generic/ca-signature-hash"] = (() => Upload("generic", null, P.GoodCa), () => Upload("generic", null, Ca(new ProfileSpec { Sha1 = true }))),
        ["generic/device-valid-dates"] = (() => Connect("generic", Uploaded(P.Root), P.Device, P.Int),
            () => Connect("generic", Uploaded(P.Root), P.Int.Issue(DeviceSpec("CN=expired") with { NotAfter = Now.AddDays(-2), NotBefore = Now.AddDays(-10) }), P.Int)),
        ["generic/device-key-strength"] = (() => Connect("generic", Uploaded(P.Root), P.Device, P.Int),
            () => Connect("generic", Uploaded(P.Root), P.Int.Issue(DeviceSpec("CN=weak") with { Key = "rsa1024" }), P.Int)),

        ["cumulocity/c8y-ca-v3"] = (() => Upload("cumulocity", null, P.GoodCa), () => PlatformProfile.Get("cumulocity").CheckCaUpload([VersionOneCa()], new ProfileCheckOptions { At = Now })),
        ["cumulocity/c8y-ca-basic-constraints"] = (() => Upload("cumulocity", null, P.GoodCa), () => Upload("cumulocity", null, Ca(new ProfileSpec { Ca = null }))),
        ["cumulocity/c8y-chain-includes-ca"] = (() => Connect("cumulocity", Uploaded(P.Int), P.Device), () => Connect("cumulocity", Uploaded(P.Root), P.Device)),
        ["cumulocity/c8y-chain-length"] = (() => Connect("cumulocity", Uploaded(P.Root), P.Device, P.Int, P.Root), () => Connect("cumulocity", Uploaded(P.Root), P.LongChain)),
        ["cumulocity/c8y-device-common-name"] = (() => Connect("cumulocity", Uploaded(P.Int), P.Device), () => Connect("cumulocity", Uploaded(P.Int), P.Int.Issue(DeviceSpec("CN=dev:0001")))),
        ["cumulocity-legacy/c8y-ca-v3"] = (() => Upload("cumulocity-legacy", null, P.GoodCa), () => PlatformProfile.Get("cumulocity-legacy").CheckCaUpload([VersionOneCa()], new ProfileCheckOptions { At = Now })),
        ["cumulocity-legacy/c8y-ca-basic-constraints"] = (() => Upload("cumulocity-legacy", null, P.GoodCa), () => Upload("cumulocity-legacy", null, Ca(new ProfileSpec { Ca = false }))),
        ["cumulocity-legacy/c8y-chain-includes-ca"] = (() => Connect("cumulocity-legacy", Uploaded(P.Root), P.DirectDevice, P.Root), () => Connect("cumulocity-legacy", Uploaded(P.GoodCa), P.DirectDevice)),
        ["cumulocity-legacy/c8y-chain-length"] = (() => Connect("cumulocity-legacy", Uploaded(P.Root), P.DirectDevice, P.Root), () => Connect("cumulocity-legacy", Uploaded(P.Root), P.Device, P.Int, P.Root)),
        ["cumulocity-legacy/c8y-device-common-name"] = (() => Connect("cumulocity-legacy", Uploaded(P.Root), P.DirectDevice), () => Connect("cumulocity-legacy", Uploaded(P.Root), P.Root.Issue(DeviceSpec("O=No Common Name")))),

        ["ibm-watson-iot/ibm-ca-single-certificate"] = (() => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.Fetched), P.GoodCa), () => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.Fetched), P.GoodCa, P.Root)),
        ["ibm-watson-iot/ibm-ca-valid-dates"] = (() => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.Fetched), P.GoodCa),
            () => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.Fetched), Ca(new ProfileSpec { NotBefore = Now.AddDays(2), NotAfter = Now.AddDays(30) }))),
        ["ibm-watson-iot/ibm-ca-crl-reachable"] = (() => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.Fetched), P.GoodCa), () => Upload("ibm-watson-iot", CrlResults(CrlFetchStatus.HttpError), P.GoodCa)),
        ["ibm-watson-iot/ibm-device-identity"] = (() => Connect("ibm-watson-iot", Uploaded(P.Int), P.Int.Issue(DeviceSpec("CN=d:sensor:dev-01"))), () => Connect("ibm-watson-iot", Uploaded(P.Int), P.Device)),

        ["azure-iot-edge/azure-edge-ca-ski"] = (() => Upload("azure-iot-edge", null, P.GoodCa), () => Upload("azure-iot-edge", null, Ca(new ProfileSpec { Ski = false }))),
        ["azure-iot-edge/azure-edge-ca-aki"] = (() => Upload("azure-iot-edge", null, P.GoodCa), () => Upload("azure-iot-edge", null, Ca(new ProfileSpec { Aki = false }))),
        ["azure-iot-edge/azure-edge-ca-basic-constraints"] = (() => Upload("azure-iot-edge", null, P.GoodCa), () => Upload("azure-iot-edge", null, Ca(new ProfileSpec { PathLength = null }))),
        ["azure-iot-edge/azure-edge-ca-key-usage"] = (() => Upload("azure-iot-edge", null, P.GoodCa), () => Upload("azure-iot-edge", null, Ca(new ProfileSpec { KeyUsageCritical = false }))),
        ["azure-iot-edge/azure-device-id"] = (() => Connect("azure-iot-edge", new ProfileCheckOptions { At = Now, ExpectedDeviceId = "device-0001" }, P.Device),
            () => Connect("azure-iot-edge", new ProfileCheckOptions { At = Now, ExpectedDeviceId = "device-0002" }, P.Device)),

        ["defender-iot/defender-signature-algorithm"] = (() => Upload("defender-iot", null, P.GoodCa), () => Upload("defender-iot", null, Ca(new ProfileSpec { Key = "ec" }))),
        ["defender-iot/defender-rsa-key-size"] = (() => Upload("defender-iot", null, P.GoodCa), () => Upload("defender-iot", null, Ca(new ProfileSpec { Key = "rsa3072" }))),
        ["defender-iot/defender-valid-dates"] = (() => Upload("defender-iot", null, P.GoodCa), () => Upload("defender-iot", null, Ca(new ProfileSpec { NotAfter = Now.AddDays(-1), NotBefore = Now.AddDays(-9) }))),
        ["defender-iot/defender-crl-distribution-point"] = (() => Upload("defender-iot", null, P.GoodCa), () => Upload("defender-iot", null, Ca(new ProfileSpec { Cdp = [] }))),
        ["defender-iot/defender-subject-fields"] = (() => Upload("defender-iot", null, P.GoodCa), () => Upload("defender-iot", null, Ca(new ProfileSpec { Subject = "CN=appliance.example,O=IoTCerts,C=DE" }))),
        ["defender-iot/defender-chain-valid-dates"] = (() => Connect("defender-iot", Uploaded(P.Root), P.Device, P.Int),
            () => Connect("defender-iot", Uploaded(P.Root), P.Device, P.Root.Issue(new ProfileSpec { Subject = "CN=Profile Issuing CA,O=IoTCerts", Key = "ec", NotAfter = Now.AddDays(-1), NotBefore = Now.AddDays(-20) }))),
        ["defender-iot/defender-chain-crl-distribution-point"] = (() => Connect("defender-iot", Uploaded(P.Root), P.Device, P.Int),
            () => Connect("defender-iot", Uploaded(P.Root), P.Int.Issue(DeviceSpec("CN=no-cdp") with { Cdp = [] }), P.Int)),
        ["defender-iot/chain-order"] = (() => Connect("defender-iot", Uploaded(P.Root), P.Device, P.Int, P.Root), () => Connect("defender-iot", Uploaded(P.Root), P.Root, P.Int, P.Device)),
        ["cumulocity/chain-order"] = (() => Connect("cumulocity", Uploaded(P.Root), P.Device, P.Int, P.Root), () => Connect("cumulocity", Uploaded(P.Root), P.Root, P.Int, P.Device)),
        ["cumulocity-legacy/chain-order"] = (() => Connect("cumulocity-legacy", Uploaded(P.Root), P.DirectDevice, P.Root), () => Connect("cumulocity-legacy", Uploaded(P.Root), P.Root, P.DirectDevice)),
        ["ibm-watson-iot/chain-order"] = (() => Connect("ibm-watson-iot", Uploaded(P.Root), P.Device, P.Int), () => Connect("ibm-watson-iot", Uploaded(P.Root), P.Int, P.Device)),
    };

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Cases.Keys)
        {
            data.Add(id);
        }

        return data;
    }

    [Fact]
    public void Every_rule_of_every_profile_has_a_case()
    {
        var all = PlatformProfile.All.SelectMany(p => p.Rules.Select(r => $"{p.Name}/{r.Code}")).ToList();

        Assert.Equal(["generic", "cumulocity", "cumulocity-legacy", "ibm-watson-iot", "azure-iot-edge", "defender-iot"], PlatformProfile.All.Select(p => p.Name));
        Assert.Empty(all.Except(Cases.Keys));
        Assert.Empty(Cases.Keys.Except(all));
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Passing_file_passes_and_failing_file_names_the_rule(string id)
    {
        var (pass, fail) = Cases[id];
        var code = id.Split('/')[1];

        var passed = pass();
        var failed = fail();

        Assert.Contains(passed.CheckedRules, r => r.Code == code);
        Assert.DoesNotContain(passed.Violations, v => v.Code == code);
        var violation = Assert.Single(failed.Violations, v => v.Code == code);
        Assert.StartsWith(violation.Rule.Requirement + ": ", violation.Message, StringComparison.Ordinal);
        Assert.False(failed.IsCompliant);
        Assert.Contains(id.Split('/')[0] switch
        {
            "cumulocity" or "cumulocity-legacy" => "Cumulocity",
            "ibm-watson-iot" => "IBM Watson IoT",
            "azure-iot-edge" => "Azure IoT",
            "defender-iot" => "Defender for IoT",
            _ => " ",
        }, violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_documented_sentence_names_the_Cumulocity_rule()
    {
        var report = Upload("cumulocity", null, Ca(new ProfileSpec { Ca = false }));

        Assert.StartsWith("Cumulocity requires the uploaded CA certificate to have basicConstraints CA:true", report.Violations.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_broken_rule_is_reported_not_only_the_first()
    {
        var bad = Ca(new ProfileSpec { Key = "ec", Cdp = [], Subject = "CN=only-cn", NotAfter = Now.AddDays(-1), NotBefore = Now.AddDays(-5) });

        var report = Upload("defender-iot", null, bad);

        Assert.Equal(["defender-signature-algorithm", "defender-rsa-key-size", "defender-valid-dates", "defender-crl-distribution-point", "defender-subject-fields"],
            report.Violations.Select(v => v.Code));
    }

    [Fact]
    public void Rules_that_need_more_input_are_reported_as_not_checked()
    {
        var ibm = Upload("ibm-watson-iot", null, P.GoodCa);
        var c8y = Connect("cumulocity", new ProfileCheckOptions { At = Now }, P.Device, P.Int);

        Assert.Equal("ibm-ca-crl-reachable", Assert.Single(ibm.NotChecked).Rule.Code);
        Assert.Equal("c8y-chain-includes-ca", Assert.Single(c8y.NotChecked).Rule.Code);
        Assert.True(c8y.IsCompliant);
    }

    [Fact]
    public void Unknown_profile_names_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => PlatformProfile.Get("aws"));

        Assert.Contains("cumulocity-legacy", error.Message, StringComparison.Ordinal);
        Assert.True(PlatformProfile.TryGet("Cumulocity", out var profile));
        Assert.Equal(10, profile.MaxChainLength);
        Assert.Equal(2, PlatformProfile.Get("cumulocity-legacy").MaxChainLength);
    }

    private static Certificate VersionOneCa()
    {
        using var w = new OpenSslWorkspace();
        w.Run("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "v1.key", "-out", "v1.csr", "-subj", "/CN=Version 1 CA");
        w.Run("x509", "-req", "-in", "v1.csr", "-signkey", "v1.key", "-days", "30", "-out", "v1.pem");
        var certificate = Certificate.Parse(w.ReadDer("v1.pem"));
        Assert.Equal(1, certificate.Version);
        return certificate;
    }
}
