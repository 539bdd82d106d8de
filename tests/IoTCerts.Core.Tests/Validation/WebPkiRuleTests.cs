using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// Table-driven <see cref="ChainRuleSet"/> rows on generated chains: each row is validated with
/// <see cref="ChainRuleSet.Rfc5280"/> and with <see cref="ChainRuleSet.WebPki"/>, with the expected first code
/// (or valid) and certificate index under each.
/// </summary>
public sealed class WebPkiRuleTests
{
    private const string ServerAuth = CertificateRules.ServerAuthOid;
    private const string ClientAuth = CertificateRules.ClientAuthOid;
    private const string AnyEku = CertificateRules.AnyExtendedKeyUsageOid;

    private static readonly TestCert Root = TestPki.Root("WebPki Root");
    private static readonly TestCert Int = Root.IssueCa("WebPki Issuing CA");
    private static readonly CertSpec ServerLeaf = new() { Ca = false, Dns = ["leaf.example"], Eku = [ServerAuth] };

    public sealed record Case(
        string Name,
        Func<(TestCert Leaf, TestCert[] Bag, TestCert[] Anchors)> Build,
        CertificatePurpose Purpose,
        ChainStatus? UnderRfc5280,
        int RfcIndex,
        ChainStatus? UnderWebPki,
        int WebPkiIndex)
    {
        public override string ToString() => Name;
    }

    private static (TestCert, TestCert[], TestCert[]) UnderInt(CertSpec leafSpec) => (Int.Issue("leaf", leafSpec), [Int], [Root]);

    private static X509Extension CriticalEku(params string[] oids)
    {
        var collection = new OidCollection();
        foreach (var oid in oids)
        {
            collection.Add(new Oid(oid));
        }

        return new X509EnhancedKeyUsageExtension(collection, critical: true);
    }

    public static readonly TheoryData<Case> Cases =
    [
        // Controls: a proper server or device certificate is valid under both rule sets.
        new("serverAuth leaf for serverAuth", () => UnderInt(ServerLeaf), CertificatePurpose.ServerAuth, null, 0, null, 0),
        new("clientAuth device leaf for clientAuth", () => UnderInt(ServerLeaf with { Eku = [ClientAuth] }), CertificatePurpose.ClientAuth, null, 0, null, 0),
        new("serverAuth leaf for any purpose", () => UnderInt(ServerLeaf), CertificatePurpose.Any, null, 0, null, 0),

        // BR 7.1.2.7.8 / 7.1.2.7.11: a CA certificate as the end entity.
        new("CA certificate (CA:TRUE, keyCertSign) as the end entity", () => UnderInt(ServerLeaf with { Ca = true, KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature }),
            CertificatePurpose.ServerAuth, null, 0, ChainStatus.CaCertificateAsEndEntity, 0),
        new("self-signed CA trusted and validated as the end entity", () =>
        {
            var pinned = TestPki.Create("Pinned CA", new CertSpec { Ca = true, Dns = ["pinned.example"], Eku = [ServerAuth] }, null);
            return (pinned, [], [pinned]);
        }, CertificatePurpose.ServerAuth, null, 0, ChainStatus.CaCertificateAsEndEntity, 0),
        new("keyCertSign without CA:TRUE in the end entity", () => UnderInt(ServerLeaf with { KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature }),
            CertificatePurpose.ServerAuth, ChainStatus.InvalidBasicConstraints, 0, ChainStatus.CaCertificateAsEndEntity, 0),

        // BR 7.1.2.7.6 / 7.1.2.7.10 and rustls-webpki: the end entity names its purpose explicitly.
        new("leaf without extendedKeyUsage", () => UnderInt(ServerLeaf with { Eku = null }), CertificatePurpose.ServerAuth, null, 0, ChainStatus.NotValidForUsage, 0),
        new("leaf without extendedKeyUsage, any purpose", () => UnderInt(ServerLeaf with { Eku = null }), CertificatePurpose.Any, null, 0, ChainStatus.NotValidForUsage, 0),
        new("leaf with serverAuth and anyExtendedKeyUsage", () => UnderInt(ServerLeaf with { Eku = [ServerAuth, AnyEku] }), CertificatePurpose.ServerAuth, null, 0, ChainStatus.NotValidForUsage, 0),
        new("leaf with only anyExtendedKeyUsage", () => UnderInt(ServerLeaf with { Eku = [AnyEku] }), CertificatePurpose.ServerAuth, null, 0, ChainStatus.NotValidForUsage, 0),
        new("leaf with a critical extendedKeyUsage", () => UnderInt(ServerLeaf with { Eku = null, ExtraExtensions = [CriticalEku(ServerAuth)] }),
            CertificatePurpose.ServerAuth, null, 0, ChainStatus.InvalidExtension, 0),
        new("clientAuth leaf asked for serverAuth fails under both", () => UnderInt(ServerLeaf with { Eku = [ClientAuth] }),
            CertificatePurpose.ServerAuth, ChainStatus.NotValidForUsage, 0, ChainStatus.NotValidForUsage, 0),

        // BR 7.1.2.1.2: a root CA carries no extendedKeyUsage; an intermediate anchor (partial chain) may.
        new("root with extendedKeyUsage", () =>
        {
            var ekuRoot = TestPki.Create("EKU Root", new CertSpec { Ca = true, Eku = [ServerAuth] }, null);
            var i = ekuRoot.IssueCa("Under EKU Root");
            return (i.Issue("leaf", ServerLeaf), [i], [ekuRoot]);
        }, CertificatePurpose.ServerAuth, null, 0, ChainStatus.InvalidExtension, 2),
        new("intermediate with extendedKeyUsage as the trust anchor", () =>
        {
            var ekuCa = Root.Issue("EKU Issuing CA", new CertSpec { Ca = true, Eku = [ServerAuth] });
            return (ekuCa.Issue("leaf", ServerLeaf), [], [ekuCa]);
        }, CertificatePurpose.ServerAuth, null, 0, null, 0),

        // BR 7.1.2.10.8: nameConstraints may be non-critical, and still constrain.
        new("non-critical nameConstraints permitting the leaf", () =>
        {
            var constrained = Root.Issue("Non-critical NC CA", new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("2.5.29.30", TestPki.PermittedDns("example"), critical: false)] });
            return (constrained.Issue("leaf", ServerLeaf), [constrained], [Root]);
        }, CertificatePurpose.ServerAuth, null, 0, null, 0),
        new("non-critical nameConstraints not permitting the leaf", () =>
        {
            var constrained = Root.Issue("Non-critical NC CA 2", new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("2.5.29.30", TestPki.PermittedDns("example.org"), critical: false)] });
            return (constrained.Issue("leaf", ServerLeaf), [constrained], [Root]);
        }, CertificatePurpose.ServerAuth, ChainStatus.HasNotPermittedNameConstraint, 0, ChainStatus.HasNotPermittedNameConstraint, 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_under_each_rule_set(Case c)
    {
        var (leaf, bag, anchors) = c.Build();
        var context = TestPki.At(purpose: c.Purpose);
        foreach (var (rules, expected, index) in new[] { (ChainRuleSet.Rfc5280, c.UnderRfc5280, c.RfcIndex), (ChainRuleSet.WebPki, c.UnderWebPki, c.WebPkiIndex) })
        {
            var validator = new ChainValidator(anchors.Select(a => a.Certificate), new ChainPolicy { Rules = rules });

            // Twice: the second run takes the issuers' cached rule results (the warm path).
            for (var run = 0; run < 2; run++)
            {
                var result = validator.Validate(leaf.Certificate, bag.Select(b => b.Certificate), context);
                if (expected is null)
                {
                    Assert.True(result.IsValid, $"{rules}: " + string.Join("\n", result.Errors));
                }
                else
                {
                    Assert.False(result.IsValid, $"{rules}: expected {expected}, got a valid chain");
                    var first = result.Errors[0];
                    Assert.True(expected == first.Status, $"{rules}: expected {expected} first, got: {string.Join("\n", result.Errors)}");
                    Assert.Equal(index, first.CertificateIndex);
                    Assert.False(string.IsNullOrWhiteSpace(first.Message));
                }
            }
        }
    }

    [Fact]
    public void The_CA_as_end_entity_message_names_the_certificate_and_the_rule()
    {
        var ca = Int.Issue("device-ca-0001", ServerLeaf with { Ca = true, KeyUsage = X509KeyUsageFlags.KeyCertSign });
        var result = new ChainValidator([Root.Certificate], ChainPolicy.WebPki).Validate(ca.Certificate, [Int.Certificate], TestPki.At());

        var error = Assert.Single(result.Errors, e => e.Status == ChainStatus.CaCertificateAsEndEntity);
        Assert.Equal("CaCertificateAsEndEntity", error.Code);
        Assert.Contains("device-ca-0001", error.Message, StringComparison.Ordinal);
        Assert.Contains("BR 7.1.2.7.8", error.Message, StringComparison.Ordinal);
        Assert.Contains("could issue other identities", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_presets_and_refused_values()
    {
        Assert.Equal(ChainRuleSet.Rfc5280, ChainPolicy.Default.Rules);
        Assert.Equal(ChainRuleSet.Rfc5280, new ChainPolicy().Rules);
        Assert.Equal(ChainRuleSet.WebPki, ChainPolicy.WebPki.Rules);
        Assert.Equal(ChainPolicy.Default.MaxDepth, ChainPolicy.WebPki.MaxDepth);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChainPolicy { Rules = (ChainRuleSet)7 });
    }

    [Fact]
    public void Rule_sets_do_not_share_cached_issuer_results()
    {
        // The same certificate objects under two validators: the non-critical nameConstraints verdict is per rule set.
        var constrained = Root.Issue("Shared NC CA", new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("2.5.29.30", TestPki.PermittedDns("example"), critical: false)] });
        var leaf = constrained.Issue("leaf", ServerLeaf);
        var rfc = new ChainValidator([Root.Certificate], ChainPolicy.Strict);
        var webPki = new ChainValidator([Root.Certificate], ChainPolicy.WebPki);

        Assert.True(webPki.Validate(leaf.Certificate, [constrained.Certificate], TestPki.At()).IsValid);
        Assert.False(rfc.Validate(leaf.Certificate, [constrained.Certificate], TestPki.At()).IsValid);
        Assert.True(webPki.Validate(leaf.Certificate, [constrained.Certificate], TestPki.At()).IsValid);
    }
}
