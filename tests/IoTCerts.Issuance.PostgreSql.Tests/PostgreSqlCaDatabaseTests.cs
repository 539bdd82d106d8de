using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>The CA on PostgreSQL, one process: policy, renewals, revocations, CRL numbers, audit rows, errors.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlCaDatabaseTests(PostgreSqlCluster cluster)
{
    [Fact]
    public void Issues_records_and_reopens_the_ca_from_the_database_and_the_key_file()
    {
        using var ca = new TestCa(cluster);
        var issued = ca.Authority.Issue(TestCa.Request("device-1"));

        using var other = ca.Open();
        using var reopened = CertificateAuthority.Open(other, passphrase: null);
        Assert.Equal(ca.Authority.Certificate.Thumbprint, reopened.Certificate.Thumbprint);
        var record = Assert.Single(other.ReadRecords());
        Assert.Equal(issued.SerialNumber, record.SerialNumber);
        Assert.Equal("device-1", record.CommonName);
        Assert.Equal(issued.RawData.ToArray(), other.ReadCertificate(issued.SerialNumber));

        // The key is not in the database: only the key file holds it.
        Assert.Empty(ca.Query<string>("SELECT column_name::text FROM information_schema.columns WHERE table_schema = '{s}' AND column_name LIKE '%key%' AND column_name <> 'key_uri'"));
        Assert.True(File.Exists(ca.KeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ca.KeyFile));
    }

    [Fact]
    public void A_valid_common_name_is_refused_until_revoked_and_a_renewal_shares_it()
    {
        using var ca = new TestCa(cluster);
        var first = ca.Authority.Issue(TestCa.Request("device-2"));

        var taken = Assert.Throws<IssuanceException>(() => ca.Authority.Issue(TestCa.Request("device-2")));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, taken.Code);

        var renewal = ca.Authority.Issue(TestCa.Request("device-2", renews: first.SerialNumber));
        Assert.Equal(first.SerialNumber, ca.Database.ReadRecords().Single(r => r.SerialNumber == renewal.SerialNumber).Renews);

        ca.Authority.Revoke(first.SerialNumber, X509RevocationReason.Superseded);
        Assert.Equal(IssuanceErrorCode.PolicyViolation, Assert.Throws<IssuanceException>(() => ca.Authority.Issue(TestCa.Request("device-2"))).Code);
        ca.Authority.Revoke(renewal.SerialNumber);
        ca.Authority.Issue(TestCa.Request("device-2"));
    }

    [Fact]
    public void The_partial_unique_index_refuses_a_second_valid_first_certificate_even_without_the_issuer_s_check()
    {
        using var ca = new TestCa(cluster);
        var one = ca.Authority.Issue(TestCa.Request("device-3"));

        // Straight through the transaction, skipping the signing policy: the database itself refuses.
        var refused = Assert.Throws<IssuanceException>(() => ca.Database.Update(tx =>
        {
            tx.AddIssued(one.Record with { SerialNumber = "7F01" }, one.RawData);
            return 0;
        }));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, refused.Code);
        Assert.Single(ca.Database.ReadRecords());
    }

    [Fact]
    public void Revocation_errors_carry_codes_and_crl_numbers_increase_with_parallel_publishers()
    {
        using var ca = new TestCa(cluster);
        var a = ca.Authority.Issue(TestCa.Request("device-4"));
        ca.Authority.Revoke(a.SerialNumber, X509RevocationReason.KeyCompromise);
        Assert.Equal(IssuanceErrorCode.AlreadyRevoked, Assert.Throws<IssuanceException>(() => ca.Authority.Revoke(a.SerialNumber)).Code);
        Assert.Equal(IssuanceErrorCode.UnknownSerial, Assert.Throws<IssuanceException>(() => ca.Authority.Revoke("0BADC0DE")).Code);

        // Eight publishers on eight connections at once: every number once, and a later commit never has a smaller one.
        var numbers = new System.Collections.Concurrent.ConcurrentBag<(System.Numerics.BigInteger Number, DateTimeOffset At)>();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var crl = ca.Authority.PublishCrl();
            Assert.Equal(1, crl.RevokedCount);
            numbers.Add((crl.CrlNumber, DateTimeOffset.UtcNow));
        });
        Assert.Equal(Enumerable.Range(1, 40).Select(i => new System.Numerics.BigInteger(i)), numbers.Select(n => n.Number).Order());
        Assert.Equal(41, ca.Database.ReadCounters().NextCrlNumber);

        var audit = ca.Query<string>("SELECT action || ' ' || coalesce(serial, '-') FROM {s}.audit ORDER BY id");
        Assert.Equal("init -", audit[0]);
        Assert.Contains($"issue {a.SerialNumber}", audit);
        Assert.Contains($"revoke {a.SerialNumber}", audit);
        Assert.Equal(40, audit.Count(x => x.StartsWith("crl ", StringComparison.Ordinal)));
        Assert.DoesNotContain(ca.Query<string>("SELECT coalesce(detail, '') FROM {s}.audit"), d => d.Contains("PRIVATE", StringComparison.Ordinal));
    }

    [Fact]
    public void Sequential_serials_come_from_the_sequence_and_a_rolled_back_one_is_not_reused()
    {
        using var ca = new TestCa(cluster, SerialNumberMode.Sequential);
        var first = ca.Authority.Issue(TestCa.Request("seq-1"));
        Assert.Equal("01", first.SerialNumber);

        // A batch refused by the policy after taking serials rolls back; the serials it took stay used.
        Assert.Throws<IssuanceException>(() => ca.Database.Update<int>(tx =>
        {
            tx.TakeSequentialSerial();
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, "refused after taking a serial");
        }));
        Assert.Equal("03", ca.Authority.Issue(TestCa.Request("seq-2")).SerialNumber);
    }

    [Fact]
    public void Bad_options_and_an_unreachable_server_are_clear_errors()
    {
        Assert.Equal(IssuanceErrorCode.InvalidOption, Assert.Throws<IssuanceException>(() => new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = "Host=127.0.0.1", Schema = "x; drop" })).Code);
        Assert.Equal(IssuanceErrorCode.InvalidOption, Assert.Throws<IssuanceException>(() => new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = "Nonsense=1" })).Code);

        using var nowhere = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = "Host=127.0.0.1;Port=1;Database=x;Username=u;Timeout=2", MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var e = Assert.Throws<IssuanceException>(() => nowhere.ReadRecords());
        Assert.Equal(IssuanceErrorCode.StoreUnavailable, e.Code);
        Assert.Contains("127.0.0.1:1", e.Message, StringComparison.Ordinal);
    }
}
