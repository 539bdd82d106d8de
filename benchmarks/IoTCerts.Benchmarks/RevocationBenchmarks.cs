using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Core;

namespace IoTCerts.Benchmarks;

/// <summary>
/// What offline CRL checking adds to a warm validation: the same shared validator work (a fresh leaf parsed from
/// DER, the intermediate seen before) without revocation (baseline) and with a <see cref="CrlRevocationChecker"/> holding
/// the issuing CA's CRL of 10,000 entries and the root's CRL, both parsed once; each certificate of the chain is looked
/// up by serial. Target: at most 10% over the baseline.
/// Run: dotnet run -c Release --project benchmarks/IoTCerts.Benchmarks -- --filter '*RevocationBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 6)]
public class RevocationBenchmarks
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _leafDers = [];
    private Certificate[] _intermediates = [];
    private ValidationContext _context = null!;
    private ChainValidator _plain = null!;
    private ChainValidator _withCrl = null!;
    private byte[] _bigCrlDer = [];
    private CrlRevocationChecker _checker = null!;
    private Certificate _anchor = null!;
    private Certificate[] _leaves = [];
    private int _next;

    /// <summary>The key type of the whole chain.</summary>
    [Params("P256", "Rsa2048")]
    public string Kind { get; set; } = "P256";

    [GlobalSetup]
    public void Setup()
    {
        // The same keys in every benchmark process: each row runs in its own process, and rows that differ only by
        // the revocation checker must not also differ by freshly generated keys.
        using var rootKey = StableKey("root");
        using var intKey = StableKey("issuing-ca");
        using var leafKey = StableKey("leaf");
        using var root = Create("CN=Revocation Bench Root", rootKey, null, ca: true, 1);
        using var intermediate = Create("CN=Revocation Bench CA", intKey, root, ca: true, 2);
        _leafDers = [.. Enumerable.Range(0, 512).Select(i =>
        {
            using var leaf = Create($"CN=bench-device-{i:D4}", leafKey, intermediate, ca: false, 1_000_000 + i);
            return leaf.RawData;
        })];

        // 10,000 revoked serials, none of them a benchmark leaf's.
        var builder = new CertificateRevocationListBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            builder.AddEntry(Serial(5_000_000 + i), At.AddDays(-1), X509RevocationReason.KeyCompromise);
        }

        _bigCrlDer = builder.Build(intermediate, 42, At.AddDays(7), HashAlgorithmName.SHA256, Padding(), At.AddDays(-1));
        var rootCrl = new CertificateRevocationListBuilder().Build(root, 7, At.AddDays(7), HashAlgorithmName.SHA256, Padding(), At.AddDays(-1));

        var anchor = Certificate.Parse(root.RawData);
        _intermediates = [Certificate.Parse(intermediate.RawData)];
        _context = new ValidationContext { ValidationTime = At, Purpose = CertificatePurpose.ClientAuth };
        _plain = new ChainValidator([anchor]);
        var checker = new CrlRevocationChecker(RevocationPolicy.Offline, [CertificateRevocationList.Parse(_bigCrlDer), CertificateRevocationList.Parse(rootCrl)]);
        _withCrl = new ChainValidator([anchor], revocationChecker: checker);
        _checker = checker;
        _anchor = anchor;
        _leaves = [.. _leafDers.Select(d => Certificate.Parse(d))];
        foreach (var validator in new[] { _plain, _withCrl })
        {
            var result = validator.Validate(Certificate.Parse(_leafDers[0]), _intermediates, _context);
            if (!result.IsValid)
            {
                throw new InvalidOperationException("the revocation benchmark chain does not validate: " + string.Join("; ", result.Errors));
            }
        }
    }

    /// <summary>Warm validation without revocation checking.</summary>
    [Benchmark(Baseline = true)]
    public bool Warm_NoRevocation() => _plain.Validate(Certificate.Parse(_leafDers[NextLeaf()]), _intermediates, _context).IsValid;

    /// <summary>Warm validation with the 10,000-entry CRL (leaf) and the root's CRL (intermediate), parsed once.</summary>
    [Benchmark]
    public bool Warm_OfflineCrl10k() => _withCrl.Validate(Certificate.Parse(_leafDers[NextLeaf()]), _intermediates, _context).IsValid;

    /// <summary>
    /// Only what revocation adds to a validation: the two checks the validator makes (leaf against the 10,000-entry CRL,
    /// intermediate against the root's CRL), on parsed certificates. Measured in isolation because, at a few hundred
    /// nanoseconds, the difference between the two warm rows drowns in the noise of a shared machine.
    /// </summary>
    [Benchmark]
    public bool ChecksOnly_Crl10k() =>
        _checker.Check(_leaves[NextLeaf()], _intermediates[0], At).Status == RevocationStatus.Good
        & _checker.Check(_intermediates[0], _anchor, At).Status == RevocationStatus.Good;

    /// <summary>For scale: parsing the 10,000-entry CRL and building its serial index once (paid per CRL, not per validation).</summary>
    [Benchmark]
    public bool ParseCrl10kAndIndex() => CertificateRevocationList.Parse(_bigCrlDer).TryGetRevoked(new byte[] { 0x01 }, out _);

    private int NextLeaf() => _next = (_next + 1) % _leafDers.Length;

    private RSASignaturePadding? Padding() => Kind == "Rsa2048" ? RSASignaturePadding.Pkcs1 : null;

    private AsymmetricAlgorithm NewKey() => Kind == "Rsa2048" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);

    // Generated once per machine into the temp directory (PKCS#8), then read back by every later process.
    private AsymmetricAlgorithm StableKey(string role)
    {
        var directory = Path.Combine(Path.GetTempPath(), "iotcerts-benchmark-keys");
        var path = Path.Combine(directory, $"revocation-{Kind}-{role}.p8");
        var key = NewKey();
        if (File.Exists(path))
        {
            key.ImportPkcs8PrivateKey(File.ReadAllBytes(path), out _);
            return key;
        }

        Directory.CreateDirectory(directory);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        File.WriteAllBytes(temporary, key.ExportPkcs8PrivateKey());
        File.Move(temporary, path, overwrite: true);
        return key;
    }

    private static byte[] Serial(int value)
    {
        // A leading 0x01 keeps the INTEGER minimal and positive whatever the value.
        var bytes = BitConverter.GetBytes(value);
        Array.Reverse(bytes);
        return [0x01, .. bytes];
    }

    private static X509Certificate2 Create(string subject, AsymmetricAlgorithm key, X509Certificate2? issuer, bool ca, int serial)
    {
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        request.CertificateExtensions.Add(issuer is null
            ? X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski)
            : X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ExtendedKeyUsageOids.ClientAuth)], false));
        }

        var notBefore = At.AddYears(-1);
        var notAfter = At.AddYears(1);
        if (issuer is null)
        {
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        using var created = request.Create(issuer, notBefore, notAfter, Serial(serial));

        // CA certificates carry their key: they sign the CRLs below.
        return !ca ? X509CertificateLoader.LoadCertificate(created.RawData)
            : key is RSA caRsa ? created.CopyWithPrivateKey(caRsa) : created.CopyWithPrivateKey((ECDsa)key);
    }
}
