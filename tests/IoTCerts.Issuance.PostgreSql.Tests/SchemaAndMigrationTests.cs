using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>The versioned schema (an older one migrates once, with nodes starting together) and the move of a CA directory made by openssl ca and iotcerts.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class SchemaAndMigrationTests(PostgreSqlCluster cluster)
{
    [Fact]
    public void Nodes_starting_together_against_an_older_schema_migrate_it_once()
    {
        var connectionString = cluster.CreateDatabase();
        using (var old = NpgsqlDataSource.Create(connectionString))
        {
            Assert.Equal([1], CaSchema.Migrate(old, "iotcerts", targetVersion: 1));
        }

        var nodes = Enumerable.Range(0, 4).Select(_ => new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connectionString })).ToList();
        try
        {
            var applied = new IReadOnlyList<int>[nodes.Count];
            Parallel.For(0, nodes.Count, i => applied[i] = nodes[i].EnsureSchema());
            Assert.Equal(1, applied.Count(a => a.SequenceEqual([2])));
            Assert.Equal(3, applied.Count(a => a.Count == 0));
            Assert.Empty(nodes[0].EnsureSchema());

            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT string_agg(version::text, ',' ORDER BY version) FROM iotcerts.schema_version", connection);
            Assert.Equal("1,2", command.ExecuteScalar());
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }

    [Fact]
    public void A_newer_schema_is_refused_with_a_clear_error()
    {
        var connectionString = cluster.CreateDatabase();
        using var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connectionString });
        database.EnsureSchema();
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand("INSERT INTO iotcerts.schema_version (version) VALUES (99)", connection);
            command.ExecuteNonQuery();
        }

        using var newer = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connectionString });
        var e = Assert.Throws<IssuanceException>(() => newer.EnsureSchema());
        Assert.Equal(IssuanceErrorCode.StoreCorrupt, e.Code);
        Assert.Contains("version 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_ca_with_a_thousand_records_from_openssl_ca_and_iotcerts_moves_and_its_counters_continue()
    {
        var work = Directory.CreateTempSubdirectory("iotcerts-pgmig-").FullName;
        try
        {
            var dir = Path.Combine(work, "ca");
            var revokedByUs = new List<string>();
            using (var source = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(dir), new CaOptions
            {
                Subject = "CN=Directory CA",
                KeyAlgorithm = KeyAlgorithm.EcP256,
                Settings = new CaSettings { SerialNumbers = SerialNumberMode.Sequential },
            }))
            {
                var issued = source.IssueBatch(Enumerable.Range(0, 500).Select(i => TestCa.Request($"ours-{i}")).ToList());
                foreach (var c in issued.Take(10))
                {
                    source.Revoke(c.SerialNumber, X509RevocationReason.KeyCompromise);
                    revokedByUs.Add(c.SerialNumber);
                }
            }

            // 500 more by the real openssl ca from CSRs, 10 of them revoked by openssl, and two CRLs.
            File.WriteAllText(Path.Combine(dir, "openssl.cnf"), OpenSslConfig);
            using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var csrs = new List<string>();
            for (var i = 0; i < 500; i++)
            {
                var csr = Path.Combine(work, $"theirs-{i}.csr");
                File.WriteAllText(csr, new CertificateRequest($"CN=theirs-{i}", deviceKey, HashAlgorithmName.SHA256).CreateSigningRequestPem());
                csrs.Add(csr);
            }

            OpenSsl(dir, ["ca", "-batch", "-config", "openssl.cnf", "-extensions", "v3_signed", "-days", "365", "-infiles", .. csrs]);
            var revokedByOpenSsl = new List<string>();
            foreach (var serial in new[] { "0201", "0210", "0250", "0280", "02A0", "02C0", "02E0", "0300", "0350", "03E8" })
            {
                OpenSsl(dir, "ca", "-config", "openssl.cnf", "-revoke", Path.Combine(dir, "newcerts", serial + ".pem"), "-crl_reason", "superseded");
                revokedByOpenSsl.Add(serial);
            }

            OpenSsl(dir, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "1.crl");
            OpenSsl(dir, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "2.crl");
            var nextSerial = File.ReadAllText(Path.Combine(dir, "serial")).Trim();
            var nextCrl = File.ReadAllText(Path.Combine(dir, "crlnumber")).Trim();
            Assert.Equal("03E9", nextSerial);
            Assert.Equal("03", nextCrl);

            using var target = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = cluster.CreateDatabase(), KeyFile = Path.Combine(dir, "caKey.pem") });
            Assert.Equal(1000, target.MigrateFrom(new DirectoryCaDatabase(dir)));
            var records = target.ReadRecords();
            Assert.Equal(1000, records.Count);
            Assert.Equal(revokedByUs.Concat(revokedByOpenSsl).Order(), records.Where(r => r.Status == CertificateStatus.Revoked).Select(r => r.SerialNumber).Order());
            Assert.Equal(X509RevocationReason.Superseded, records.Single(r => r.SerialNumber == "0201").Reason);
            Assert.All(records, r => Assert.NotNull(target.ReadCertificate(r.SerialNumber)));
            Assert.Equal((0x3E9L, 3L), target.ReadCounters());
            Assert.Equal(IssuanceErrorCode.AlreadyExists, Assert.Throws<IssuanceException>(() => target.MigrateFrom(new DirectoryCaDatabase(dir))).Code);

            // The counters continue where openssl stopped, and the names stay taken.
            using var ca = CertificateAuthority.Open(target, passphrase: null);
            Assert.Equal("03E9", ca.Issue(TestCa.Request("after-migration")).SerialNumber);
            Assert.Equal(IssuanceErrorCode.PolicyViolation, Assert.Throws<IssuanceException>(() => ca.Issue(TestCa.Request("theirs-7"))).Code);
            var crl = ca.PublishCrl();
            Assert.Equal(3, crl.CrlNumber);
            Assert.Equal(20, crl.RevokedCount);
            File.WriteAllBytes(Path.Combine(work, "3.crl"), crl.Der);
            Assert.Contains("X509v3 CRL Number: \n                3", OpenSsl(work, "crl", "-inform", "DER", "-in", "3.crl", "-noout", "-text").Replace("\r", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private const string OpenSslConfig = """
        [ ca ]
        default_ca = CA_default

        [ CA_default ]
        dir = .
        database = $dir/index.txt
        new_certs_dir = $dir/newcerts
        certificate = $dir/caCert.pem
        serial = $dir/serial
        private_key = $dir/caKey.pem
        crlnumber = $dir/crlnumber
        default_md = sha256
        default_days = 365
        default_crl_days = 30
        policy = signing_policy
        unique_subject = no
        copy_extensions = none

        [ signing_policy ]
        commonName = supplied

        [ v3_signed ]
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid,issuer
        basicConstraints = critical,CA:false
        keyUsage = digitalSignature
        extendedKeyUsage = clientAuth
        """;

    private static string OpenSsl(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {arguments[0]}: {error.Result}");
        return output.Result;
    }
}
