using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance.Tests.Authority;

/// <summary>
/// R-61 with renewals: a request that names the certificate it renews may reuse its commonName while that
/// certificate (and earlier renewals of it) stay valid; anything else keeps the unique-commonName rule.
/// </summary>
public sealed class RenewalPolicyTests
{
    private static IssuanceRequest Request(string subject, SigningKey key, string? renews = null) => new()
    {
        Subject = DistinguishedNames.Parse(subject),
        PublicKey = key.PublicKey,
        Renews = renews,
    };

    [Fact]
    public void RenewalKeepsTheRenewedCertificateValidAndRecordsTheRelation()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (first, key) = root.IssueWithNewKey("CN=device-1,O=Acme", CertificateProfile.Device());
        using var _ = key;

        var renewed = root.Issue(Request("CN=device-1,O=Acme", key, renews: first.Certificate.SerialNumber.ToLowerInvariant()));

        Assert.Equal(first.SerialNumber, renewed.Record.Renews);
        var records = new DirectoryCaDatabase(dir["root"]).ReadRecords();
        Assert.Equal(2, records.Count(r => r.CommonName == "device-1" && r.IsValidAt(DateTimeOffset.UtcNow)));
        Assert.Equal(first.SerialNumber, records.Single(r => r.SerialNumber == renewed.SerialNumber).Renews);
        Assert.Null(records.Single(r => r.SerialNumber == first.SerialNumber).Renews);
        Assert.Equal(0, root.PublishCrl().RevokedCount);

        // The index stays the 6-column openssl format; the relation lives beside it (written at compaction).
        ((DirectoryCaDatabase)root.Database).Compact();
        Assert.DoesNotContain(first.SerialNumber + "\n", File.ReadAllText(Path.Combine(dir["root"], "index.txt")), StringComparison.Ordinal);
        Assert.Equal($"{renewed.SerialNumber}\t{first.SerialNumber}\n", File.ReadAllText(Path.Combine(dir["root"], "renewals.txt")));
    }

    [Fact]
    public void RenewalsOfOneLineageMayOverlapButAnotherHolderStillBlocks()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (first, key) = root.IssueWithNewKey("CN=device-2", CertificateProfile.Device());
        using var _ = key;

        // A re-enrollment whose answer was lost is retried with the same current certificate: both renewals are issued.
        var second = root.Issue(Request("CN=device-2", key, renews: first.SerialNumber));
        var retried = root.Issue(Request("CN=device-2", key, renews: first.SerialNumber));
        // The device then renews its newest certificate while the older ones are still valid.
        var third = root.Issue(Request("CN=device-2", key, renews: second.SerialNumber));
        Assert.Equal(second.SerialNumber, third.Record.Renews);
        Assert.NotEqual(second.SerialNumber, retried.SerialNumber);

        // A second lineage for the same name cannot start while the first one is valid...
        var stranger = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=device-2", key)));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, stranger.Code);
        Assert.Contains("already used by the valid certificate", stranger.Message, StringComparison.Ordinal);
        Assert.Contains("signing policy: commonName unique", stranger.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherValidHolderOfTheNameOutsideTheLineageBlocksTheRenewal()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (a, keyA) = root.IssueWithNewKey("CN=shared,O=A", CertificateProfile.Device());
        using var _ = keyA;
        root.Revoke(a.SerialNumber);
        var (b, keyB) = root.IssueWithNewKey("CN=other", CertificateProfile.Device());
        using var __ = keyB;
        var (c, keyC) = root.IssueWithNewKey("CN=shared,O=C", CertificateProfile.Device());
        using var ___ = keyC;

        // b renews into the name that c holds: refused by the renewal rule (the name must stay).
        var renamed = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=shared", keyB, renews: b.SerialNumber)));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, renamed.Code);
        Assert.Contains("a renewal keeps the commonName", renamed.Message, StringComparison.Ordinal);

        // c's renewal is fine; a's (revoked) is refused even though the name is free of other holders.
        Assert.Equal(c.SerialNumber, root.Issue(Request("CN=shared", keyC, renews: c.SerialNumber)).Record.Renews);
        var revoked = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=shared", keyA, renews: a.SerialNumber)));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, revoked.Code);
        Assert.Contains("is revoked", revoked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenewingAnExpiredUnknownOrMalformedSerialIsRefused()
    {
        using var dir = new TempDir();
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        using var root = TestCa.Root(dir["root"], time: clock);
        var (first, key) = root.IssueWithNewKey("CN=device-3", CertificateProfile.Device(), validity: TimeSpan.FromDays(1));
        using var _ = key;

        var unknown = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=device-3", key, renews: "7FFF0001")));
        Assert.Equal(IssuanceErrorCode.UnknownSerial, unknown.Code);
        var malformed = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=device-3", key, renews: "not-hex")));
        Assert.Equal(IssuanceErrorCode.InvalidOption, malformed.Code);

        clock.Now += TimeSpan.FromDays(2);
        var expired = Assert.Throws<IssuanceException>(() => root.Issue(Request("CN=device-3", key, renews: first.SerialNumber)));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, expired.Code);
        Assert.Contains("is expired", expired.Message, StringComparison.Ordinal);

        // Without Renews, the expired certificate no longer holds the name: a fresh enrollment goes through.
        Assert.Null(root.Issue(Request("CN=device-3", key)).Record.Renews);
    }

    [Fact]
    public void RenewalRelationsSurviveRevocationAndAreIgnoredForSerialsTheIndexLacks()
    {
        using var dir = new TempDir();
        using (var root = TestCa.Root(dir["root"]))
        {
            var (first, key) = root.IssueWithNewKey("CN=device-4", CertificateProfile.Device());
            using var _ = key;
            var second = root.Issue(Request("CN=device-4", key, renews: first.SerialNumber));
            root.Revoke(first.SerialNumber, X509RevocationReason.Superseded);
            Assert.Equal(first.SerialNumber, new DirectoryCaDatabase(dir["root"]).ReadRecords().Single(r => r.SerialNumber == second.SerialNumber).Renews);
        }

        // A crash between the renewal list and the index leaves a line for a serial that was never committed.
        File.AppendAllText(Path.Combine(dir["root"], "renewals.txt"), "0ABC\t01\n");
        Assert.Equal(2, new DirectoryCaDatabase(dir["root"]).ReadRecords().Count);

        File.AppendAllText(Path.Combine(dir["root"], "renewals.txt"), "garbage\n");
        var corrupt = Assert.Throws<IssuanceException>(() => new DirectoryCaDatabase(dir["root"]).ReadRecords());
        Assert.Equal(IssuanceErrorCode.StoreCorrupt, corrupt.Code);
    }

    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
