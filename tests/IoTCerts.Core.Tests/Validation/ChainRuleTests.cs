using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>Table-driven R-11/R-12/R-15 rules on generated chains: each row is a chain, the expected code and index.</summary>
public sealed class ChainRuleTests
{
    private static readonly TestCert Root = TestPki.Root("Rules Root");
    private static readonly TestCert Int = Root.IssueCa("Rules Issuing CA");

    public sealed record Case(string Name, Func<(TestCert Leaf, TestCert[] Bag, TestCert[] Anchors)> Build, ValidationContext Context, ChainStatus? Expected, int Index = 0, ChainPolicy? Policy = null)
    {
        public override string ToString() => Name;
    }

    private static (TestCert, TestCert[], TestCert[]) Simple(CertSpec leafSpec) => (Int.Issue("leaf", leafSpec), [Int], [Root]);

    private static readonly CertSpec Leaf = new() { Ca = false, Dns = ["leaf.example"] };

    public static readonly TheoryData<Case> Cases =
    [
        new("valid leaf under issuing CA", () => Simple(Leaf), TestPki.At(), null),
        new("pathlen 2 -> 1 -> 0 -> leaf is valid", () =>
        {
            var r = TestPki.Root("PL Root", 2);
            var i1 = r.IssueCa("PL 1", 1);
            var i0 = i1.IssueCa("PL 0", 0);
            return (i0.IssueLeaf("leaf"), [i0, i1], [r]);
        }, TestPki.At(), null),
        new("one CA too many under pathlen 0", () =>
        {
            var r = TestPki.Root("PLX Root", 2);
            var i1 = r.IssueCa("PLX 1", 1);
            var i0 = i1.IssueCa("PLX 0", 0);
            var extra = i0.IssueCa("PLX extra");
            return (extra.IssueLeaf("leaf"), [i0, i1, extra], [r]);
        }, TestPki.At(), ChainStatus.PathLengthExceeded, 2),
        new("CA:FALSE signer", () =>
        {
            var notCa = Root.Issue("Not a CA", new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.DigitalSignature });
            return (notCa.IssueLeaf("leaf"), [notCa], [Root]);
        }, TestPki.At(), ChainStatus.InvalidBasicConstraints, 1),
        new("signer without basicConstraints", () =>
        {
            var noBc = Root.Issue("No BC", new CertSpec { Ca = null, KeyUsage = X509KeyUsageFlags.KeyCertSign });
            return (noBc.IssueLeaf("leaf"), [noBc], [Root]);
        }, TestPki.At(), ChainStatus.InvalidBasicConstraints, 1),
        new("CA without keyCertSign", () =>
        {
            var noSign = Root.Issue("No keyCertSign", new CertSpec { Ca = true, KeyUsage = X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature });
            return (noSign.IssueLeaf("leaf"), [noSign], [Root]);
        }, TestPki.At(), ChainStatus.NotValidForUsage, 1),
        new("expired leaf", () => Simple(Leaf with { NotAfter = TestPki.Now.AddDays(-1) }), TestPki.At(), ChainStatus.Expired, 0),
        new("not yet valid leaf", () => Simple(Leaf with { NotBefore = TestPki.Now.AddDays(1) }), TestPki.At(), ChainStatus.NotYetValid, 0),
        new("expired intermediate", () =>
        {
            var old = Root.Issue("Expired CA", new CertSpec { Ca = true, NotAfter = TestPki.Now.AddDays(-1) });
            return (old.Issue("leaf", Leaf), [old], [Root]);
        }, TestPki.At(), ChainStatus.Expired, 1),
        new("not yet valid intermediate", () =>
        {
            var future = Root.Issue("Future CA", new CertSpec { Ca = true, NotBefore = TestPki.Now.AddDays(1) });
            return (future.Issue("leaf", Leaf), [future], [Root]);
        }, TestPki.At(), ChainStatus.NotYetValid, 1),
        new("expired root", () =>
        {
            var oldRoot = TestPki.Create("Expired Root", new CertSpec { Ca = true, NotAfter = TestPki.Now.AddSeconds(-1) }, null);
            var i = oldRoot.IssueCa("Under expired root");
            return (i.Issue("leaf", Leaf), [i], [oldRoot]);
        }, TestPki.At(), ChainStatus.Expired, 2),
        new("not yet valid root", () =>
        {
            var newRoot = TestPki.Create("Future Root", new CertSpec { Ca = true, NotBefore = TestPki.Now.AddSeconds(1) }, null);
            return (newRoot.Issue("leaf", Leaf), [], [newRoot]);
        }, TestPki.At(), ChainStatus.NotYetValid, 1),
        new("clientAuth leaf asked for serverAuth", () => Simple(Leaf with { Eku = [CertificateRules.ClientAuthOid] }), TestPki.At(purpose: CertificatePurpose.ServerAuth), ChainStatus.NotValidForUsage, 0),
        new("clientAuth leaf asked for clientAuth", () => Simple(Leaf with { Eku = [CertificateRules.ClientAuthOid] }), TestPki.At(purpose: CertificatePurpose.ClientAuth), null),
        new("anyExtendedKeyUsage leaf serves any purpose", () => Simple(Leaf with { Eku = [CertificateRules.AnyExtendedKeyUsageOid] }), TestPki.At(purpose: CertificatePurpose.ServerAuth), null),
        new("CA restricted to serverAuth cannot issue client certificates", () =>
        {
            var serverOnly = Root.Issue("Server-only CA", new CertSpec { Ca = true, Eku = [CertificateRules.ServerAuthOid] });
            return (serverOnly.Issue("leaf", Leaf with { Eku = [CertificateRules.ClientAuthOid] }), [serverOnly], [Root]);
        }, TestPki.At(purpose: CertificatePurpose.ClientAuth), ChainStatus.NotValidForUsage, 1),
        new("RSA-1024 leaf", () => Simple(Leaf with { Key = KeyKind.Rsa1024 }), TestPki.At(), ChainStatus.WeakKey, 0),
        new("RSA-1024 intermediate", () =>
        {
            var weak = Root.IssueCa("Weak CA", key: KeyKind.Rsa1024);
            return (weak.Issue("leaf", Leaf), [weak], [Root]);
        }, TestPki.At(), ChainStatus.WeakKey, 1),
        new("RSA-1024 allowed by a legacy policy", () => Simple(Leaf with { Key = KeyKind.Rsa1024 }), TestPki.At(), null, 0, new ChainPolicy { Algorithms = new AlgorithmPolicy { MinimumRsaKeySize = 1024 } }),
        new("RSA-2048 leaf under RSA-4096 root", () =>
        {
            var rsaRoot = TestPki.Root("RSA Root", key: KeyKind.Rsa2048);
            return (rsaRoot.Issue("leaf", Leaf with { Key = KeyKind.Rsa2048 }), [], [rsaRoot]);
        }, TestPki.At(), null),
        new("SHA-1 signed leaf", () =>
        {
            var rsaCa = Root.IssueCa("RSA CA", key: KeyKind.Rsa2048);
            return (rsaCa.Issue("leaf", Leaf with { Hash = HashAlgorithmName.SHA1 }), [rsaCa], [Root]);
        }, TestPki.At(), ChainStatus.WeakSignatureAlgorithm, 0),
        new("SHA-1 allowed by a legacy policy", () =>
        {
            var rsaCa = Root.IssueCa("RSA CA 2", key: KeyKind.Rsa2048);
            return (rsaCa.Issue("leaf", Leaf with { Hash = HashAlgorithmName.SHA1 }), [rsaCa], [Root]);
        }, TestPki.At(), null, 0, new ChainPolicy { Algorithms = new AlgorithmPolicy { MinimumSignatureHash = SignatureHashStrength.Sha1 } }),
        new("RSA-PSS signed leaf", () =>
        {
            var rsaCa = Root.IssueCa("RSA PSS CA", key: KeyKind.Rsa2048);
            return (rsaCa.Issue("leaf", Leaf with { Pss = true, Hash = HashAlgorithmName.SHA384 }), [rsaCa], [Root]);
        }, TestPki.At(), null),
        new("P-384 CA signing with ECDSA SHA-384", () =>
        {
            var ec384 = Root.IssueCa("P-384 CA", key: KeyKind.P384);
            return (ec384.Issue("leaf", Leaf with { Hash = HashAlgorithmName.SHA384 }), [ec384], [Root]);
        }, TestPki.At(), null),
        new("trust anchored at the intermediate (partial chain)", () => (Int.Issue("leaf", Leaf), [], [Int]), TestPki.At(), null),
        new("missing intermediate", () => (Int.Issue("leaf", Leaf), [], [Root]), TestPki.At(), ChainStatus.PartialChain, 0),
        new("untrusted self-signed root", () =>
        {
            var other = TestPki.Root("Other Root");
            var i = other.IssueCa("Other CA");
            return (i.Issue("leaf", Leaf), [i, other], [Root]);
        }, TestPki.At(), ChainStatus.UntrustedRoot, 2),
        new("peer name matches", () => Simple(Leaf), TestPki.At(peer: PeerName.Dns("LEAF.example")), null),
        new("peer name does not match", () => Simple(Leaf), TestPki.At(peer: PeerName.Dns("other.example")), ChainStatus.NameMismatch, 0),
        new("more intermediates than the maximum depth", () =>
        {
            var i1 = Root.IssueCa("Depth 1");
            var i2 = i1.IssueCa("Depth 2");
            return (i2.Issue("leaf", Leaf), [i1, i2], [Root]);
        }, TestPki.At(), ChainStatus.ChainTooLong, 1, new ChainPolicy { MaxDepth = 1 }),
        new("unknown critical extension in the leaf", () => Simple(Leaf with { ExtraExtensions = [new X509Extension("1.3.6.1.4.1.55555.1", [0x05, 0x00], critical: true)] }), TestPki.At(), ChainStatus.HasNotSupportedCriticalExtension, 0),
        new("unknown non-critical extension is ignored", () => Simple(Leaf with { ExtraExtensions = [new X509Extension("1.3.6.1.4.1.55555.1", [0x05, 0x00], critical: false)] }), TestPki.At(), null),
        new("unknown critical extension in the intermediate", () =>
        {
            var odd = Root.Issue("Odd CA", new CertSpec { Ca = true, ExtraExtensions = [new X509Extension("1.3.6.1.4.1.55555.2", [0x05, 0x00], critical: true)] });
            return (odd.Issue("leaf", Leaf), [odd], [Root]);
        }, TestPki.At(), ChainStatus.HasNotSupportedCriticalExtension, 1),
        new("serial number zero", () => Simple(Leaf with { Serial = [0x00] }), TestPki.At(), ChainStatus.Malformed, 0),
        new("leaf without authorityKeyIdentifier (strict)", () => Simple(Leaf with { OmitAuthorityKeyId = true }), TestPki.At(), ChainStatus.InvalidExtension, 0, ChainPolicy.Strict),
        new("name constraints permit the leaf", () =>
        {
            var constrained = Root.Issue("Constrained CA", new CertSpec { Ca = true, NameConstraints = TestPki.PermittedDns("example") });
            return (constrained.Issue("leaf", Leaf), [constrained], [Root]);
        }, TestPki.At(), null),
        new("name constraints exclude the leaf", () =>
        {
            var constrained = Root.Issue("Constrained CA 2", new CertSpec { Ca = true, NameConstraints = TestPki.PermittedDns("example.org") });
            return (constrained.Issue("leaf", Leaf), [constrained], [Root]);
        }, TestPki.At(), ChainStatus.HasNotPermittedNameConstraint, 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule(Case c)
    {
        var (leaf, bag, anchors) = c.Build();
        var validator = new ChainValidator(anchors.Select(a => a.Certificate), c.Policy);
        var result = validator.Validate(leaf.Certificate, bag.Select(b => b.Certificate), c.Context);
        if (c.Expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.Equal(leaf.Der, result.Chain[0].RawData.ToArray());
            Assert.True(anchors.Any(a => a.Der.AsSpan().SequenceEqual(result.Chain[^1].RawData.Span)), "the chain ends at a trust anchor");
        }
        else
        {
            Assert.False(result.IsValid);
            var first = result.Errors[0];
            Assert.True(c.Expected == first.Status, $"expected {c.Expected} first, got: {string.Join("\n", result.Errors)}");
            Assert.Equal(c.Index, first.CertificateIndex);
            Assert.False(string.IsNullOrWhiteSpace(first.Message));
        }
    }
}
