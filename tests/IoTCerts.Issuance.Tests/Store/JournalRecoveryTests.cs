using System.Text;

namespace IoTCerts.Issuance.Tests.Store;

/// <summary>
/// R-61 with the journal: a torn append is ignored and cut off, a committed certificate whose file is missing is
/// rewritten from the journal, real corruption is reported, and an interrupted compaction replays to the same state.
/// </summary>
public sealed class JournalRecoveryTests
{
    [Fact]
    public void ATornAppendIsIgnoredCutOffAndItsSerialHandedOutAgain()
    {
        using var dir = new TempDir();
        IssueSequential(dir["ca"], 3);
        var journal = Path.Combine(dir["ca"], "index.journal");
        var committed = File.ReadAllBytes(journal);

        // The process died in the middle of appending the transaction that would have issued serial 04.
        using (var other = TestCa.Root(dir["other"]))
        {
            var (unfinished, key) = other.IssueWithNewKey("CN=torn", CertificateProfile.Device());
            key.Dispose();
            var record = new CertificateRecord("04", CertificateStatus.Valid, unfinished.Certificate.NotAfter, null, null, "/CN=torn");
            var line = CaJournal.Encode([new IssuedEvent(record, unfinished.Certificate.RawData), new CounterEvent('S', 5)]);
            File.AppendAllText(journal, line[..(line.Length / 2)]);
        }

        var reader = new DirectoryCaDatabase(dir["ca"]);
        Assert.Equal(["01", "02", "03"], reader.ReadRecords().Select(r => r.SerialNumber));
        Assert.True(File.ReadAllBytes(journal).Length > committed.Length, "a reader without the lock leaves the file alone");

        using var ca = CertificateAuthority.Open(new DirectoryCaDatabase(dir["ca"]), TestCa.Password);
        using var deviceKey = SigningKey.Generate(KeyAlgorithm.EcP256);
        var next = ca.Issue(new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=after-torn"), PublicKey = deviceKey.PublicKey });

        Assert.Equal("04", next.SerialNumber);
        Assert.Equal(committed, File.ReadAllBytes(journal).AsSpan(0, committed.Length).ToArray());
        Assert.Equal(["01", "02", "03", "04"], new DirectoryCaDatabase(dir["ca"]).ReadRecords().Select(r => r.SerialNumber));
        Assert.Equal(["after-torn"], new DirectoryCaDatabase(dir["ca"]).ReadRecords().Where(r => r.SerialNumber == "04").Select(r => r.CommonName));
    }

    [Fact]
    public void ACommittedCertificateWithoutItsFileOrWithAShortOrForeignOneIsRewrittenFromTheJournal()
    {
        using var dir = new TempDir();
        var issued = IssueSequential(dir["ca"], 3);
        var database = new DirectoryCaDatabase(dir["ca"]);
        var lost = database.CertificatePath("02");
        Assert.False(File.Exists(lost)); // nothing but the journal line is written per transaction
        var shortened = database.CertificatePath("01");
        File.WriteAllText(shortened, PemOf(issued[0])[..100]); // as left by an older version killed while writing it
        var foreign = database.CertificatePath("03");
        File.WriteAllText(foreign, PemOf(issued[1])); // a same-serial file a power loss left from an undone transaction

        database.Compact();

        Assert.Equal(issued[1], System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(lost).RawData);
        Assert.Equal(issued[0], System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(shortened).RawData);
        Assert.Equal(issued[2], System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(foreign).RawData);
        Assert.Equal(IoTCerts.Core.AtomicFile.PublicMode, File.GetUnixFileMode(lost));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(dir["ca"], "newcerts"), ".*"));
    }

    private static string PemOf(byte[] der) => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    [Fact]
    public void ADamagedRecordBeforeTheLastIsReportedNotSkipped()
    {
        using var dir = new TempDir();
        IssueSequential(dir["ca"], 2);
        var journal = Path.Combine(dir["ca"], "index.journal");
        var bytes = File.ReadAllBytes(journal);
        bytes[CaJournal.HeaderLength + 40] ^= 0x01;
        File.WriteAllBytes(journal, bytes);

        var ex = Assert.Throws<IssuanceException>(() => new DirectoryCaDatabase(dir["ca"]).ReadRecords());

        Assert.Equal(IssuanceErrorCode.StoreCorrupt, ex.Code);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompactionFoldsTheJournalIntoTheOpenSslFilesAndAnInterruptedOneReplaysToTheSameState()
    {
        using var dir = new TempDir();
        TestCa.Root(dir["ca"], settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential }).Dispose();
        var database = new DirectoryCaDatabase(dir["ca"]) { CompactAfterTransactions = 3 };
        using var ca = CertificateAuthority.Open(database, TestCa.Password);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        for (var i = 0; i < 4; i++)
        {
            ca.Issue(new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=c{i}"), PublicKey = key.PublicKey });
        }

        // The third transaction compacted: index.txt and serial hold three, the journal the fourth.
        var index = Path.Combine(dir["ca"], "index.txt");
        Assert.Equal(3, File.ReadAllLines(index).Length);
        Assert.Equal("04", File.ReadAllText(Path.Combine(dir["ca"], "serial")).Trim());
        ca.Revoke("02", System.Security.Cryptography.X509Certificates.X509RevocationReason.KeyCompromise);
        var journal = Path.Combine(dir["ca"], "index.journal");
        var journalBefore = File.ReadAllBytes(journal);
        var expected = database.ReadRecords();

        // A compaction killed after writing the snapshot, before replacing the journal: the old journal replays over it.
        database.Compact();
        Assert.Equal(4, File.ReadAllLines(index).Length);
        Assert.Equal(CaJournal.HeaderLength, new FileInfo(journal).Length);
        File.WriteAllBytes(journal, journalBefore);

        var reopened = new DirectoryCaDatabase(dir["ca"]);
        Assert.Equal(expected, reopened.ReadRecords());
        Assert.Equal(5, (int)reopened.Update(tx => tx.TakeSequentialSerial()));
        var revoked = Assert.Single(reopened.ReadRecords(), r => r.Status == CertificateStatus.Revoked);
        Assert.Equal("02", revoked.SerialNumber);

        // openssl ca reads what the compaction wrote.
        Assert.Contains("R\t", File.ReadAllText(index), StringComparison.Ordinal);
        Assert.Contains("keyCompromise", File.ReadAllText(index), StringComparison.Ordinal);
    }

    private static List<byte[]> IssueSequential(string caDir, int count)
    {
        TestCa.Root(caDir, settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential }).Dispose();

        // Opened without disposing afterwards, so the journal is not compacted away.
        var ca = CertificateAuthority.Open(new DirectoryCaDatabase(caDir), TestCa.Password);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var issued = Enumerable.Range(0, count)
            .Select(i => ca.Issue(new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=j{i}"), PublicKey = key.PublicKey }).Certificate.RawData)
            .ToList();
        ca.Key.Dispose();
        Assert.Equal(CaJournal.HeaderPrefix, Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(caDir, "index.journal")).AsSpan(0, 19)));
        return issued;
    }
}

public sealed class FileSystemSyncTests
{
    [Fact]
    public void SyncfsFlushesTheFileSystemOnLinuxAndAMissingPathFallsBack()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["f"], "x");

        Assert.Equal(OperatingSystem.IsLinux(), FileSystemSync.TrySync(dir["f"]));
        Assert.False(FileSystemSync.TrySync(dir["missing"]));
    }
}
