using System.Security.Cryptography.X509Certificates;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Issuance.Tests.Store;

public sealed class DirectoryCaDatabaseTests
{
    [Property]
    public Property IndexFormatRoundTrips()
    {
        var serial = ArbMap.Default.GeneratorFor<byte[]>().Where(b => b.Length is > 0 and <= 20).Select(b => OpenSslIndex.NormalizeSerial(Convert.ToHexString(b))!);
        var time = Gen.Choose(0, 200 * 365).Select(d => new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(d).AddSeconds(d % 86400));
        var reason = Gen.Elements(X509RevocationReason.Unspecified, X509RevocationReason.KeyCompromise, X509RevocationReason.Superseded, X509RevocationReason.CessationOfOperation, X509RevocationReason.CACompromise);
        var cn = ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => new string([.. s.Get.Where(c => c is > ' ' and not '/' and < (char)0x7f)])).Where(s => s.Length > 0);
        var record =
            from s in serial
            from notAfter in time
            from revoked in ArbMap.Default.GeneratorFor<bool>()
            from at in time
            from why in reason
            from name in cn
            select revoked
                ? new CertificateRecord(s, CertificateStatus.Revoked, notAfter, at, why, $"/O=Acme/CN={name}")
                : new CertificateRecord(s, CertificateStatus.Valid, notAfter, null, null, $"/CN={name}");

        return Prop.ForAll(record.ListOf().ToArbitrary(), records =>
        {
            var parsed = OpenSslIndex.Parse(OpenSslIndex.Format(records), "test");
            return parsed.SequenceEqual(records);
        });
    }

    [Theory]
    [InlineData("X\t271122104736Z\t\t01\tunknown\t/CN=x\n", "status")]
    [InlineData("V\tyesterday\t\t01\tunknown\t/CN=x\n", "expiry")]
    [InlineData("V\t271122104736Z\t\tZZ\tunknown\t/CN=x\n", "serial")]
    [InlineData("V\t271122104736Z\t01\n", "6 tab-separated")]
    public void ACorruptIndexIsReportedWithItsLine(string index, string detail)
    {
        var ex = Assert.Throws<IssuanceException>(() => OpenSslIndex.Parse("V\t271122104736Z\t\t02\tunknown\t/CN=ok\n" + index, "index.txt"));

        Assert.Equal(IssuanceErrorCode.StoreCorrupt, ex.Code);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(detail, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UtcTimeAndGeneralizedTimeFollowRfc5280()
    {
        Assert.Equal("491231235959Z", OpenSslIndex.FormatTime(new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal("20500101000000Z", OpenSslIndex.FormatTime(new DateTimeOffset(2050, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(1999, OpenSslIndex.ParseTime("990101000000Z")!.Value.Year);
        Assert.Equal(2049, OpenSslIndex.ParseTime("490101000000Z")!.Value.Year);
    }

    [Fact]
    public void RecoveryPublishesCommittedPendingCertificatesAndDropsUncommittedOnes()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["ca"]);
        var (issued, key) = root.IssueWithNewKey("CN=committed", CertificateProfile.Device());
        key.Dispose();
        var database = (DirectoryCaDatabase)root.Database;
        var final = database.CertificatePath(issued.SerialNumber);

        // Directories written before the journal committed through ".pending" batch files. Simulate their crashes: one
        // after the index commit (the batch file is still there, the published copy not yet), one before it (a batch
        // whose certificate the index does not list: its serial was never handed out).
        using var other = TestCa.Root(dir["other"]);
        var (uncommitted, otherKey) = other.IssueWithNewKey("CN=uncommitted", CertificateProfile.Device());
        otherKey.Dispose();
        File.Delete(final);
        File.WriteAllText(Path.Combine(dir["ca"], "newcerts", "batch-1.pending"), issued.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(dir["ca"], "newcerts", "batch-2.pending"), uncommitted.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(dir["ca"], "newcerts", ".x.pem.123456.tmp"), "stray");

        // Recovery runs when a database object first loads the directory (a new process).
        database = new DirectoryCaDatabase(dir["ca"]);
        database.Update(_ => 0);

        Assert.True(File.Exists(final));
        Assert.Equal(issued.Certificate.RawData, System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(final).RawData);
        Assert.Equal(["committed"], database.ReadRecords().Select(r => r.CommonName));
        Assert.Equal([Path.GetFileName(final)], Directory.EnumerateFiles(Path.Combine(dir["ca"], "newcerts")).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailedTransactionChangesNothing()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["ca"], settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential });
        var database = root.Database;
        var indexBefore = File.ReadAllText(Path.Combine(dir["ca"], "index.txt"));

        Assert.Throws<InvalidOperationException>(() => database.Update<int>(tx =>
        {
            tx.TakeSequentialSerial();
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal(indexBefore, File.ReadAllText(Path.Combine(dir["ca"], "index.txt")));
        Assert.Equal("01", File.ReadAllText(Path.Combine(dir["ca"], "serial")).Trim());
        Assert.False(File.Exists(Path.Combine(dir["ca"], "index.journal")));

        // The same database object forgets the failed transaction's serial: the next one takes 01 again.
        Assert.Equal(1, (int)database.Update(tx => tx.TakeSequentialSerial()));
    }

    [Fact]
    public void ALockHeldByAnotherHolderMakesUpdateWaitThenFailWithStoreBusy()
    {
        using var dir = new TempDir();
        TestCa.Root(dir["ca"]).Dispose();
        var database = new DirectoryCaDatabase(dir["ca"]) { LockTimeout = TimeSpan.FromMilliseconds(300) };

        using (FileLock.Acquire(Path.Combine(dir["ca"], "ca.lock"), TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<IssuanceException>(() => database.Update(_ => 0));
            Assert.Equal(IssuanceErrorCode.StoreBusy, ex.Code);
        }

        Assert.Equal(0, database.Update(_ => 0));
    }

    [Fact]
    public void OpeningSomethingThatIsNotACaDirectoryIsAClearError()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<IssuanceException>(() => CertificateAuthority.Open(new DirectoryCaDatabase(dir.Path), null));

        Assert.Equal(IssuanceErrorCode.StoreCorrupt, ex.Code);
        Assert.Contains("iotcerts ca init", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class UnflushedDatabaseTests
{
    [Fact]
    public void WithoutFlushingTheDatabaseStillCommitsAndReadsBack()
    {
        using var dir = new TempDir();
        TestCa.Root(dir["ca"], settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential }).Dispose();
        using var ca = CertificateAuthority.Open(new DirectoryCaDatabase(dir["ca"]) { FlushToDisk = false }, TestCa.Password);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);

        var issued = ca.IssueBatch([.. Enumerable.Range(0, 3).Select(i => new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=u{i}"), PublicKey = key.PublicKey })]);

        Assert.Equal(["01", "02", "03"], new DirectoryCaDatabase(dir["ca"]).ReadRecords().Select(r => r.SerialNumber));

        // The OpenSSL files follow at compaction.
        ((DirectoryCaDatabase)ca.Database).Compact();
        Assert.All(issued, c => Assert.True(File.Exists(Path.Combine(dir["ca"], "newcerts", c.SerialNumber + ".pem"))));
        Assert.Equal("04", File.ReadAllText(Path.Combine(dir["ca"], "serial")).Trim());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir["ca"], "index.txt")).Length);
    }
}
