using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// The rule sets side by side: the default follows the RFC 5280 §6.1 algorithm; the §4 rules for conforming CAs
/// (criticality, key identifiers) belong to <see cref="ChainRuleSet.Strict"/>. Each row cites the section the strict
/// profile enforces and shows the default accepting the same chain.
/// </summary>
public sealed class StrictRuleTests
{
    private static readonly TestCert Root = TestPki.Root("Strict Rules Root");
    private static readonly CertSpec Leaf = new() { Ca = false, Dns = ["leaf.example"] };

    public sealed record Case(string Name, Func<(TestCert Leaf, TestCert[] Bag)> Build, ChainStatus? UnderDefault, ChainStatus? UnderStrict, int StrictIndex)
    {
        public override string ToString() => Name;
    }

    private static (TestCert, TestCert[]) UnderCa(CertSpec caSpec, CertSpec? leafSpec = null)
    {
        var ca = Root.Issue("Strict CA " + Guid.NewGuid().ToString("N")[..6], caSpec);
        return (ca.Issue("leaf", leafSpec ?? Leaf), [ca]);
    }

    public static readonly TheoryData<Case> Cases =
    [
        new("§4.2.1.9 CA with non-critical basicConstraints", () => UnderCa(new CertSpec { Ca = null, KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ExtraExtensions = [new X509BasicConstraintsExtension(true, false, 0, critical: false)] }),
            null, ChainStatus.InvalidBasicConstraints, 1),
        new("§4.2.1.10 CA with non-critical nameConstraints (still enforced)", () => UnderCa(new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("2.5.29.30", TestPki.PermittedDns("example"), critical: false)] }),
            null, ChainStatus.InvalidNameConstraints, 1),
        new("§4.2.1.11 CA with non-critical policyConstraints", () => UnderCa(new CertSpec { Ca = true, ExtraExtensions = new PolicySpec { Policies = [PolicyDer.Any], RequireExplicitPolicy = 5, PolicyConstraintsCritical = false }.Extensions() }),
            null, ChainStatus.InvalidExtension, 1),
        new("§4.2.1.11 CA with an empty policyConstraints", () => UnderCa(new CertSpec { Ca = true, ExtraExtensions = new PolicySpec { EmptyPolicyConstraints = true }.Extensions() }),
            null, ChainStatus.InvalidExtension, 1),
        new("§4.2.1.14 CA with non-critical inhibitAnyPolicy", () => UnderCa(new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("2.5.29.54", PolicyDer.Integer(3), critical: false)] }),
            null, ChainStatus.InvalidExtension, 1),
        new("§4.2.1.1 intermediate without authorityKeyIdentifier", () => UnderCa(new CertSpec { Ca = true, OmitAuthorityKeyId = true }),
            null, ChainStatus.InvalidExtension, 1),
        new("§4.2.1.1 end entity without authorityKeyIdentifier", () => UnderCa(new CertSpec { Ca = true }, Leaf with { OmitAuthorityKeyId = true }),
            null, ChainStatus.InvalidExtension, 0),
        new("§6.1.4 (k) CA:FALSE signer fails under both", () => UnderCa(new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.KeyCertSign }),
            ChainStatus.InvalidBasicConstraints, ChainStatus.InvalidBasicConstraints, 1),
        new("a conforming chain passes under both", () => UnderCa(new CertSpec { Ca = true }), null, null, 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Default_follows_section_6_1_and_strict_adds_the_CA_profile(Case c)
    {
        var (leaf, bag) = c.Build();
        foreach (var (policy, expected, index) in new[] { (ChainPolicy.Default, c.UnderDefault, 1), (ChainPolicy.Strict, c.UnderStrict, c.StrictIndex) })
        {
            var result = new ChainValidator([Root.Certificate], policy).Validate(leaf.Certificate, bag.Select(b => b.Certificate).ToList(), TestPki.At());
            if (expected is null)
            {
                Assert.True(result.IsValid, $"{policy.Rules}: {string.Join("\n", result.Errors)}");
            }
            else
            {
                Assert.False(result.IsValid, policy.Rules.ToString());
                Assert.True(expected == result.Errors[0].Status, $"{policy.Rules}: expected {expected}, got {string.Join("\n", result.Errors)}");
                Assert.Equal(index, result.Errors[0].CertificateIndex);
            }
        }
    }
}
