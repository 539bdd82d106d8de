using System.Diagnostics;
using IoTCerts.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>The CLI's --database (init remembers it in the directory; issue/revoke/crl use it; ca migrate) and the DI registration.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class CliAndDependencyInjectionTests(PostgreSqlCluster cluster)
{
    [Fact]
    public void Ca_init_with_a_database_remembers_it_and_issue_revoke_crl_use_it()
    {
        var work = Directory.CreateTempSubdirectory("iotcerts-pgcli-").FullName;
        try
        {
            var connection = cluster.CreateDatabase();
            var dir = Path.Combine(work, "ca");
            Cli(work, "ca", "init", "--dir", dir, "--subject", "CN=Cli PG CA", "--key", "ec-p256", "--no-password", "--sequential-serials", "--database", connection);
            Assert.True(File.Exists(Path.Combine(dir, "caKey.pem")));
            Assert.Contains("connection = ", File.ReadAllText(Path.Combine(dir, "database.conf")), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "index.txt")));

            Cli(work, "issue", "--ca", dir, "--subject", "CN=cli-device", "--key-out", Path.Combine(work, "d.key"), "--out", Path.Combine(work, "d.pem"));
            Cli(work, "revoke", "--ca", dir, "--serial", "01");
            Cli(work, "crl", "--ca", dir, "--out", Path.Combine(work, "ca.crl"));

            using var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connection });
            var record = Assert.Single(database.ReadRecords());
            Assert.Equal(CertificateStatus.Revoked, record.Status);
            Assert.Equal(2, database.ReadCounters().NextCrlNumber);

            // A password on the command line is refused before anything connects.
            var refused = Cli(work, expectSuccess: false, "crl", "--ca", dir, "--out", Path.Combine(work, "x.crl"), "--database", connection + ";Password=secret");
            Assert.Contains("secret-on-command-line", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("secret;", refused, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Issue_csr_dir_uses_the_remembered_database_and_an_explicit_database_overrides_it()
    {
        var work = Directory.CreateTempSubdirectory("iotcerts-pgcli-").FullName;
        try
        {
            var connection = cluster.CreateDatabase();
            var dir = Path.Combine(work, "ca");
            var csrs = Directory.CreateDirectory(Path.Combine(work, "csrs")).FullName;
            Cli(work, "ca", "init", "--dir", dir, "--subject", "CN=Fleet PG CA", "--key", "ec-p256", "--no-password", "--database", connection);
            foreach (var name in new[] { "fleet-1", "fleet-2" })
            {
                Cli(work, "csr", "--subject", $"CN={name}", "--key-out", Path.Combine(work, name + ".key"), "--out", Path.Combine(csrs, name + ".csr"));
            }

            // The directory's database.conf: the fleet lands in PostgreSQL.
            Cli(work, "issue", "--ca", dir, "--csr-dir", csrs, "--out-dir", Path.Combine(work, "out"));
            using (var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connection }))
            {
                Assert.Equal(2, database.ReadRecords().Count);
            }

            // An explicit --database wins over the remembered one (here a server nobody listens on: a store error).
            var overridden = Cli(work, expectSuccess: false, "issue", "--ca", dir, "--csr-dir", csrs, "--out-dir", Path.Combine(work, "out2"), "--database", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");
            Assert.Contains("ca-store-unavailable", overridden, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Ca_migrate_moves_a_directory_ca_and_the_directory_then_names_the_database()
    {
        var work = Directory.CreateTempSubdirectory("iotcerts-pgcli-").FullName;
        try
        {
            var dir = Path.Combine(work, "ca");
            Cli(work, "ca", "init", "--dir", dir, "--subject", "CN=Dir CA", "--key", "ec-p256", "--no-password", "--sequential-serials");
            Cli(work, "issue", "--ca", dir, "--subject", "CN=before", "--key-out", Path.Combine(work, "a.key"), "--out", Path.Combine(work, "a.pem"));
            var connection = cluster.CreateDatabase();
            Assert.Contains("migrated 1 records", Cli(work, "ca", "migrate", "--from", dir, "--database", connection), StringComparison.Ordinal);
            Cli(work, "issue", "--ca", dir, "--subject", "CN=after", "--key-out", Path.Combine(work, "b.key"), "--out", Path.Combine(work, "b.pem"));

            using var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connection });
            Assert.Equal(["01", "02"], database.ReadRecords().Select(r => r.SerialNumber));
            Assert.Contains("already", Cli(work, expectSuccess: false, "ca", "migrate", "--from", dir, "--database", connection), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Add_certificate_authority_with_use_postgresql_opens_the_ca_on_the_database()
    {
        using var ca = new TestCa(cluster);
        var services = new ServiceCollection();
        services.AddIoTCertsCertificateAuthority(o => o.UsePostgreSql(new PostgreSqlCaDatabaseOptions { ConnectionString = ca.ConnectionString, KeyFile = ca.KeyFile }));
        using var provider = services.BuildServiceProvider();
        Assert.IsType<PostgreSqlCaDatabase>(provider.GetRequiredService<ICaDatabase>());
        var authority = provider.GetRequiredService<CertificateAuthority>();
        var issued = authority.Issue(TestCa.Request("from-di"));
        Assert.Contains(ca.Database.ReadRecords(), r => r.SerialNumber == issued.SerialNumber);
    }

    private static string Cli(string work, params string[] arguments) => Cli(work, expectSuccess: true, arguments);

    private static string Cli(string work, bool expectSuccess, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "iotcerts.dll"));
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000));
        Assert.True((process.ExitCode == 0) == expectSuccess, $"iotcerts {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result}{output.Result}");
        return output.Result + error.Result;
    }
}
