using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// Differential test: .NET's X509Chain (CustomRootTrust, fixed VerificationTime, RevocationMode NoCheck) and
/// ChainValidator must agree on valid/invalid for generated chains whose rules both implement.
/// </summary>
public sealed class X509ChainDifferentialTests
{
    private static readonly TestCert Root = TestPki.Root("Diff Root", 3);
    private static readonly TestCert Int = Root.IssueCa("Diff CA");

    public sealed record Case(string Name, Func<(TestCert Leaf, TestCert[] Bag, TestCert[] Anchors)> Build, bool ExpectedValid)
    {
        public override string ToString() => Name;
    }

    private static readonly CertSpec Leaf = new() { Ca = false, Dns = ["diff.example"] };

    public static readonly TheoryData<Case> Cases =
    [
        new("P-256 chain", () => (Int.Issue("leaf", Leaf), [Int], [Root]), true),
        new("RSA-2048 chain", () =>
        {
            var r = TestPki.Root("Diff RSA Root", key: KeyKind.Rsa2048);
            var i = r.IssueCa("Diff RSA CA", key: KeyKind.Rsa2048);
            return (i.Issue("leaf", Leaf with { Key = KeyKind.Rsa2048 }), [i], [r]);
        }, true),
        new("P-384 leaf, unordered bag with extras", () =>
        {
            var i2 = Int.IssueCa("Diff CA 2");
            return (i2.Issue("leaf", Leaf with { Key = KeyKind.P384 }), [Root, i2, TestPki.Root("Noise"), Int], [Root]);
        }, true),
        new("expired leaf", () => (Int.Issue("leaf", Leaf with { NotAfter = TestPki.Now.AddHours(-1) }), [Int], [Root]), false),
        new("not yet valid intermediate", () =>
        {
            var i = Root.Issue("Diff future CA", new CertSpec { Ca = true, NotBefore = TestPki.Now.AddHours(1) });
            return (i.Issue("leaf", Leaf), [i], [Root]);
        }, false),
        new("CA:FALSE signer", () =>
        {
            var i = Root.Issue("Diff not CA", new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature });
            return (i.Issue("leaf", Leaf), [i], [Root]);
        }, false),
        new("signer without keyCertSign", () =>
        {
            var i = Root.Issue("Diff no certsign", new CertSpec { Ca = true, KeyUsage = X509KeyUsageFlags.DigitalSignature });
            return (i.Issue("leaf", Leaf), [i], [Root]);
        }, false),
        new("pathlen 0 exceeded", () =>
        {
            var i0 = Root.IssueCa("Diff PL0", 0);
            var below = i0.IssueCa("Diff below PL0");
            return (below.Issue("leaf", Leaf), [i0, below], [Root]);
        }, false),
        new("untrusted root", () =>
        {
            var other = TestPki.Root("Diff Other Root");
            var i = other.IssueCa("Diff Other CA");
            return (i.Issue("leaf", Leaf), [i, other], [Root]);
        }, false),
        new("missing intermediate", () => (Int.Issue("leaf", Leaf), [], [Root]), false),
        new("forged signature (same names)", () =>
        {
            var impostor = new TestCert(Int.X509, TestPki.NewKey(KeyKind.P256));
            return (impostor.Issue("leaf", Leaf), [Int], [Root]);
        }, false),
        new("clientAuth-only CA chain used for any purpose", () =>
        {
            var i = Root.Issue("Diff client CA", new CertSpec { Ca = true, Eku = [CertificateRules.ClientAuthOid] });
            return (i.Issue("leaf", Leaf with { Eku = [CertificateRules.ClientAuthOid] }), [i], [Root]);
        }, true),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_X509Chain(Case c)
    {
        var (leaf, bag, anchors) = c.Build();

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = TestPki.Now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        foreach (var anchor in anchors)
        {
            chain.ChainPolicy.CustomTrustStore.Add(anchor.X509);
        }

        foreach (var extra in bag)
        {
            chain.ChainPolicy.ExtraStore.Add(extra.X509);
        }

        var dotnetValid = chain.Build(leaf.X509);
        var ours = new ChainValidator(anchors.Select(a => a.Certificate)).Validate(leaf.Certificate, bag.Select(b => b.Certificate), TestPki.At());

        Assert.Equal(c.ExpectedValid, dotnetValid);
        Assert.True(dotnetValid == ours.IsValid,
            $"X509Chain: {dotnetValid} ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))}); ChainValidator: {ours.IsValid} ({string.Join("; ", ours.Errors)})");
    }
}
