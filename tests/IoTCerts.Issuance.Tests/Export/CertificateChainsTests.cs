namespace IoTCerts.Issuance.Tests.Export;

public sealed class CertificateChainsTests
{
    [Fact]
    public void AnUnorderedBagBecomesLeafThenEachIssuer()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var a = TestCa.Intermediate(root, dir["a"], "A");
        using var b = TestCa.Intermediate(a, dir["b"], "B");
        var (issued, key) = b.IssueWithNewKey("CN=leaf", CertificateProfile.Device());
        key.Dispose();

        var ordered = CertificateChains.Order([root.Certificate, issued.Certificate, a.Certificate, b.Certificate]);

        Assert.Equal(issued.Chain.Select(c => c.Thumbprint), ordered.Select(c => c.Thumbprint));
        Assert.Equal(4, issued.Chain.Count);
    }

    [Fact]
    public void TwoUnrelatedLeavesAreNotOneChain()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (one, k1) = root.IssueWithNewKey("CN=one", CertificateProfile.Device());
        var (two, k2) = root.IssueWithNewKey("CN=two", CertificateProfile.Device());
        k1.Dispose();
        k2.Dispose();

        var ex = Assert.Throws<IssuanceException>(() => CertificateChains.Order([one.Certificate, two.Certificate, root.Certificate]));
        Assert.Equal(IssuanceErrorCode.InvalidOption, ex.Code);
    }

    [Fact]
    public void KeystoreRefusesAKeyThatDoesNotBelongToTheLeaf()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=leaf", CertificateProfile.Device());
        key.Dispose();
        using var other = SigningKey.Generate(KeyAlgorithm.EcP256);

        var ex = Assert.Throws<IssuanceException>(() => Pkcs12Files.CreateKeystore(other, issued.Chain, "pw"));
        Assert.Contains("certificate and key do not match", ex.Message, StringComparison.Ordinal);
    }
}
