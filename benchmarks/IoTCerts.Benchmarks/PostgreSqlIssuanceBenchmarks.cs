using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Issuance;
using IoTCerts.Issuance.PostgreSql;
using IoTCerts.Issuance.PostgreSql.Tests;

namespace IoTCerts.Benchmarks;

/// <summary>
/// Issuance per second with the CA records on PostgreSQL (one node, and two nodes — two CAs with their own connection
/// pools on one database, issuing at once) against the directory store (the baseline), one certificate per
/// transaction and in batches of 100. EC P-256 CA key, the same device key for every certificate (no CSR check: this
/// measures the store). The PostgreSQL server is a private cluster started for the run (as the tests do:
/// fsync off, so the numbers show the CA's cost, not the disk's), or the one IOTCERTS_BENCH_PG names.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10, invocationCount: 1)]
public class PostgreSqlIssuanceBenchmarks
{
    private const int Certificates = 200;
    private PostgreSqlCluster? cluster;
    private string work = string.Empty;
    private readonly List<IDisposable> owned = [];
    private CertificateAuthority directory = null!;
    private CertificateAuthority[] oneNode = [];
    private CertificateAuthority[] twoNodes = [];
    private PublicKey devicePublicKey = null!;
    private int generation;

    /// <summary>Certificates per transaction: 1 (one Issue each) or 100 (IssueBatch).</summary>
    [Params(1, 100)]
    public int Batch { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        work = Directory.CreateTempSubdirectory("iotcerts-bench-pg-").FullName;
        using (var device = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            devicePublicKey = new CertificateRequest("CN=x", device, HashAlgorithmName.SHA256).PublicKey;
        }

        CaOptions Options() => new() { Subject = "CN=Bench CA", KeyAlgorithm = KeyAlgorithm.EcP256, Overwrite = true };
        directory = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(Path.Combine(work, "ca")), Options());
        string connection;
        if (Environment.GetEnvironmentVariable("IOTCERTS_BENCH_PG") is { Length: > 0 } given)
        {
            connection = given;
        }
        else
        {
            cluster = new PostgreSqlCluster();
            connection = cluster.CreateDatabase();
        }

        PostgreSqlCaDatabase Open(string schema)
        {
            var database = new PostgreSqlCaDatabase(new PostgreSqlCaDatabaseOptions { ConnectionString = connection, KeyFile = Path.Combine(work, schema + ".pem"), Schema = schema });
            owned.Add(database);
            return database;
        }

        oneNode = [CertificateAuthority.CreateRoot(Open("bench_one"), Options())];
        twoNodes = [CertificateAuthority.CreateRoot(Open("bench_two"), Options()), null!];
        twoNodes[1] = CertificateAuthority.Open(Open("bench_two"), passphrase: null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var node in (CertificateAuthority[])[directory, .. oneNode, .. twoNodes])
        {
            node.Dispose();
        }

        owned.ForEach(o => o.Dispose());
        cluster?.Dispose();
        Directory.Delete(work, recursive: true);
    }

    /// <summary>The directory store (journal, file lock, one flush per transaction): the baseline.</summary>
    [Benchmark(Baseline = true)]
    public int DirectoryStore() => Run([directory]);

    /// <summary>One node on PostgreSQL.</summary>
    [Benchmark]
    public int PostgreSqlOneNode() => Run(oneNode);

    /// <summary>Two nodes on one PostgreSQL database, issuing at the same time.</summary>
    [Benchmark]
    public int PostgreSqlTwoNodes() => Run(twoNodes);

    // 200 certificates per invocation, split over the nodes, which issue at the same time.
    private int Run(CertificateAuthority[] nodes)
    {
        var round = Interlocked.Increment(ref generation);
        var perNode = Certificates / nodes.Length;
        var issued = 0;
        Parallel.For(0, nodes.Length, n =>
        {
            for (var i = 0; i < perNode; i += Batch)
            {
                var requests = Enumerable.Range(i, Math.Min(Batch, perNode - i)).Select(k => new IssuanceRequest
                {
                    Subject = new X500DistinguishedName($"CN=r{round}-n{n}-{k}"),
                    PublicKey = devicePublicKey,
                    Profile = CertificateProfile.Device(),
                }).ToList();
                Interlocked.Add(ref issued, nodes[n].IssueBatch(requests, maxDegreeOfParallelism: 1).Count);
            }
        });
        return issued;
    }
}
