using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Issuance;

namespace IoTCerts.Benchmarks;

/// <summary>
/// Device certificates issued from a CSR, per second: the library (CSR signature check, signing policy, serial,
/// signing, crash-safe directory database with its journal) against the documented <c>openssl ca</c> recipe, one
/// process per certificate, measured in the same run. Two parameters: the device key in the CSR (what the issue's
/// "EC P-256 and RSA-2048 keys" are) and the CA key that signs. Recipe and library use the same CA key type in each
/// row, so every ratio is like-for-like. Each iteration starts from a fresh CA directory so the index size is the
/// same for every iteration. Forty warm-up iterations (8,000 library certificates, a few seconds) bring the library to
/// the steady state of a long-running CA process: with one warm-up iteration most of it still ran as tier-0 code while
/// the JIT's background compiler took the second core (measured: a batch on both cores was then no faster than on
/// one, and 15 warm-up iterations were still not enough in every process). Each recipe process is native code that
/// starts cold every time, so warming up cannot change its cost.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 40, iterationCount: 10, invocationCount: 1)]
public class IssuanceBenchmarks
{
    private const int LibraryCount = 200;
    private const int RecipeBatch = 20;

    private const string RecipeConfig = """
        [ ca ]
        default_ca = CA_default
        [ CA_default ]
        dir = .
        database = $dir/database.txt
        new_certs_dir = $dir/newcerts
        certificate = $dir/caCert.pem
        serial = $dir/serial
        private_key = $dir/caKey.pem
        crlnumber = $dir/crlnumber
        default_md = sha256
        default_days = 365
        policy = signing_policy
        unique_subject = no
        copy_extensions = none
        [ signing_policy ]
        organizationName = optional
        commonName = supplied
        [ req ]
        distinguished_name = req_dn
        prompt = no
        [ req_dn ]
        CN = unused
        [ v3_ca ]
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid:always,issuer
        basicConstraints = critical,CA:true
        keyUsage = critical,digitalSignature,cRLSign,keyCertSign
        [ v3_signed ]
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid,issuer
        basicConstraints = critical,CA:false
        keyUsage = nonRepudiation,digitalSignature,keyEncipherment
        extendedKeyUsage = clientAuth
        """;

    private string work = string.Empty;
    private string libraryTemplate = string.Empty;
    private string recipeTemplate = string.Empty;
    private byte[] csr = [];
    private CertificateAuthority? ca;
    private int generation;

    /// <summary>The device key in the CSR: verified once per certificate (an RSA check is cheap, an EC one is not).</summary>
    [Params("ec-p256", "rsa2048")]
    public string DeviceKey { get; set; } = "ec-p256";

    /// <summary>
    /// The CA key, the same for recipe and library: ec-p256 (the iotcerts default for an issuing CA) and rsa2048 (the
    /// key of the earlier RSA runs, where device and CA key were the same, and the cheapest RSA CA key R-15 allows).
    /// With an RSA CA both sides pay one RSA signature per certificate; a larger RSA key only adds to both.
    /// </summary>
    [Params("ec-p256", "rsa2048")]
    public string CaKey { get; set; } = "ec-p256";

    [GlobalSetup]
    public void Setup()
    {
        Sync();
        work = Directory.CreateTempSubdirectory("iotcerts-bench-").FullName;
        var caAlgorithm = KeyAlgorithms.Parse(CaKey);

        // The library CA, kept as a template directory.
        libraryTemplate = Path.Combine(work, "library-template");
        using (CertificateAuthority.CreateRoot(new DirectoryCaDatabase(libraryTemplate), new CaOptions { Subject = "CN=Bench Root", KeyAlgorithm = caAlgorithm }))
        {
        }

        // The recipe CA, made by openssl with the same key type; the device CSR made by openssl too.
        recipeTemplate = Path.Combine(work, "recipe-template");
        Directory.CreateDirectory(Path.Combine(recipeTemplate, "newcerts"));
        File.WriteAllText(Path.Combine(recipeTemplate, "ca.cnf"), RecipeConfig);
        OpenSsl(recipeTemplate, GenPkey(caAlgorithm, "caKey.pem"));
        OpenSsl(recipeTemplate, "req", "-new", "-x509", "-days", "7300", "-key", "caKey.pem", "-out", "caCert.pem", "-config", "ca.cnf", "-extensions", "v3_ca", "-subj", "/CN=Recipe Root");
        OpenSsl(recipeTemplate, GenPkey(KeyAlgorithms.Parse(DeviceKey), "device.key"));
        OpenSsl(recipeTemplate, "req", "-new", "-key", "device.key", "-out", "device.csr", "-config", "ca.cnf", "-subj", "/O=Acme/CN=bench-device");
        File.WriteAllText(Path.Combine(recipeTemplate, "database.txt"), string.Empty);
        File.WriteAllText(Path.Combine(recipeTemplate, "serial"), "01\n");
        File.WriteAllText(Path.Combine(recipeTemplate, "crlnumber"), "01\n");
        csr = File.ReadAllBytes(Path.Combine(recipeTemplate, "device.csr"));
    }

    [IterationSetup(Targets = [nameof(Library), nameof(LibraryBatch), nameof(LibraryBatchCompacted), nameof(LibraryBatchAllCores), nameof(LibraryBatchAllCoresCompacted)])]
    public void FreshLibraryCa() => OpenFreshLibraryCa(flushToDisk: true);

    [IterationSetup(Targets = [nameof(LibraryNoFlush), nameof(LibraryBatchNoFlush), nameof(LibraryBatchNoFlushCompacted), nameof(LibraryBatchAllCoresNoFlushCompacted)])]
    public void FreshUnflushedLibraryCa() => OpenFreshLibraryCa(flushToDisk: false);

    [IterationSetup(Target = nameof(OpenSslCaRecipe))]
    public void FreshRecipeCa() => CopyDirectory(recipeTemplate, Path.Combine(work, $"recipe-{generation++}"));

    /// <summary>The documented recipe: one <c>openssl ca</c> process per certificate.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = RecipeBatch)]
    public void OpenSslCaRecipe()
    {
        var dir = Path.Combine(work, $"recipe-{generation - 1}");
        for (var i = 0; i < RecipeBatch; i++)
        {
            OpenSsl(dir, "ca", "-batch", "-notext", "-config", "ca.cnf", "-extensions", "v3_signed", "-in", "device.csr", "-out", $"out-{i}.pem");
        }
    }

    /// <summary>
    /// The library, one <see cref="CertificateAuthority.Issue"/> per certificate: verify the CSR, apply the signing
    /// policy, sign, record (one journal append and one flush each).
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int Library()
    {
        var issued = 0;
        for (var i = 0; i < LibraryCount; i++)
        {
            // A fresh CSR parse + signature check per certificate, as openssl ca does; unique CNs for the policy.
            var fromCsr = IssuanceRequest.FromCertificationRequest(csr);
            ca!.Issue(new IssuanceRequest { Subject = DistinguishedNames.Parse($"/O=Acme/CN=bench-device-{i}"), PublicKey = fromCsr.PublicKey });
            issued++;
        }

        return issued;
    }

    /// <summary>
    /// As <see cref="Library"/> with <see cref="DirectoryCaDatabase.FlushToDisk"/> off: still safe against killed
    /// processes, but like <c>openssl ca</c> it does not wait for the disk, so this is the like-for-like comparison.
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryNoFlush() => Library();

    /// <summary>
    /// The library enrolling a fleet on one core: the same work, committed with <see cref="CertificateAuthority.IssueBatch"/>
    /// in batches of 50, every CSR check and signature on the calling thread (the recipe's one core).
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatch() => IssueInBatches(parallelism: 1);

    /// <summary>As <see cref="LibraryBatch"/> without flushing: what is left when the disk does not count (the CPU share).</summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchNoFlush() => IssueInBatches(parallelism: 1);

    /// <summary>
    /// The library enrolling a fleet as it does by default: the 50 CSRs of a batch checked with
    /// <see cref="IssuanceRequest.FromCertificationRequests"/> and the batch signed by <see cref="CertificateAuthority.IssueBatch"/>,
    /// both on every core; serials, policy and the flushed journal line stay one transaction under the lock. The recipe
    /// cannot do the same: <c>openssl ca</c> takes no lock on database.txt and serial, so two processes on one CA lose
    /// or duplicate entries.
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchAllCores() => IssueInBatches(parallelism: -1);

    /// <summary>As <see cref="LibraryBatchAllCores"/>, then <see cref="DirectoryCaDatabase.Compact"/> (the pessimistic share, as in <see cref="LibraryBatchCompacted"/>).</summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchAllCoresCompacted()
    {
        var issued = IssueInBatches(parallelism: -1);
        ((DirectoryCaDatabase)ca!.Database).Compact();
        return issued;
    }

    /// <summary>
    /// As <see cref="LibraryBatch"/>, then <see cref="DirectoryCaDatabase.Compact"/>: the journal is folded into
    /// index.txt and the <c>newcerts/</c> copies are written and flushed. The library compacts every 1024 transactions
    /// and when a CA is closed; the copies cost the same per certificate whenever that is, the index rewrite is charged
    /// to 200 certificates here (pessimistic).
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchCompacted()
    {
        var issued = IssueInBatches(parallelism: 1);
        ((DirectoryCaDatabase)ca!.Database).Compact();
        return issued;
    }

    /// <summary>
    /// The like-for-like row: the same files as the recipe writes per certificate (the <c>newcerts/</c> copy, the index,
    /// the serial), none of them flushed, as <c>openssl ca</c> never flushes; one core. <see cref="DirectoryCaDatabase.Compact"/>
    /// writes the copies and the index from the journal.
    /// </summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchNoFlushCompacted()
    {
        var issued = IssueInBatches(parallelism: 1);
        ((DirectoryCaDatabase)ca!.Database).Compact();
        return issued;
    }

    /// <summary>As <see cref="LibraryBatchNoFlushCompacted"/> on every core.</summary>
    [Benchmark(OperationsPerInvoke = LibraryCount)]
    public int LibraryBatchAllCoresNoFlushCompacted()
    {
        var issued = IssueInBatches(parallelism: -1);
        ((DirectoryCaDatabase)ca!.Database).Compact();
        return issued;
    }

    private int IssueInBatches(int parallelism)
    {
        var issued = 0;
        var csrs = Enumerable.Repeat<ReadOnlyMemory<byte>>(csr, 50).ToList();
        for (var batch = 0; batch < LibraryCount / 50; batch++)
        {
            // A fresh CSR parse + signature check per certificate, as openssl ca does; unique CNs for the policy.
            var fromCsrs = IssuanceRequest.FromCertificationRequests(csrs, maxDegreeOfParallelism: parallelism);
            var requests = new List<IssuanceRequest>(50);
            for (var i = 0; i < 50; i++)
            {
                requests.Add(new IssuanceRequest { Subject = DistinguishedNames.Parse($"/O=Acme/CN=bench-device-{batch}-{i}"), PublicKey = fromCsrs[i].PublicKey });
            }

            issued += ca!.IssueBatch(requests, parallelism).Count;
        }

        return issued;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ca?.Dispose();
        Directory.Delete(work, recursive: true);

        // This machine's ext4 is mounted with online discard: deleting thousands of files queues TRIMs that run at the
        // next journal commit, which then slowed the fsyncs of the next benchmark process (measured: the library's
        // journal step grew from 80 us to 300-550 us per certificate over a run). Settle them here, unmeasured.
        Sync();
    }

    private static void Sync()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })!;
        sync.WaitForExit();
    }

    private void OpenFreshLibraryCa(bool flushToDisk)
    {
        ca?.Dispose();
        var dir = Path.Combine(work, $"library-{generation++}");
        CopyDirectory(libraryTemplate, dir);
        ca = CertificateAuthority.Open(new DirectoryCaDatabase(dir) { FlushToDisk = flushToDisk }, null);
    }

    private static string[] GenPkey(KeyAlgorithm algorithm, string output) => algorithm == KeyAlgorithm.EcP256
        ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", output]
        : ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", output];

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        Directory.CreateDirectory(Path.Combine(to, "newcerts"));
    }

    private static void OpenSsl(string workingDirectory, params string[] arguments)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed: {stderr.Result}");
        }
    }
}
