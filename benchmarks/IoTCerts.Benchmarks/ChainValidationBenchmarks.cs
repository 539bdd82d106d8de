using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Core;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace IoTCerts.Benchmarks;

/// <summary>
/// Validating root → intermediate → leaf: ChainValidator warm (issuer chain seen before, a fresh leaf parsed from DER
/// each operation) and cold (a new validator, all three certificates parsed from DER), against the limits (raw
/// signature verifications with keys imported) and the alternatives (X509Chain, BouncyCastle's PKIX validator).
/// Run: dotnet run -c Release --project benchmarks/IoTCerts.Benchmarks -- --filter '*ChainValidationBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 6)]
public class ChainValidationBenchmarks
{
    private BenchmarkChain _chain = null!;
    private ChainValidator _validator = null!;
    private Certificate[] _intermediates = [];
    private ValidationContext _context = null!;
    private AsymmetricAlgorithm _intKey = null!;
    private AsymmetricAlgorithm _rootKey = null!;
    private X509Certificate2 _x509Root = null!;
    private X509Certificate2 _x509Int = null!;
    private X509Certificate2[] _x509Leaves = [];
    private BcCertificate[] _bcLeaves = [];
    private BcCertificate _bcInt = null!;
    private Org.BouncyCastle.Pkix.PkixParameters _bcParameters = null!;
    private int _next;
    private int _nextCold;
    private ChainValidator _coldValidator = null!;

    /// <summary>The chain type.</summary>
    [Params(ChainKind.Rsa2048, ChainKind.P256, ChainKind.Rsa4096Rsa2048P256)]
    public ChainKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chain = BenchmarkChain.Create(Kind);
        _context = new ValidationContext { ValidationTime = BenchmarkChain.ValidationTime, Purpose = CertificatePurpose.ClientAuth };
        _validator = new ChainValidator([_chain.Root]);
        _intermediates = [_chain.Intermediate];
        if (!_validator.Validate(_chain.Leaves[0], _intermediates, _context).IsValid)
        {
            throw new InvalidOperationException("the benchmark chain does not validate");
        }

        _coldValidator = new ChainValidator([_chain.Root]);
        for (var i = 0; i < BenchmarkChain.ColdPoolSize; i++)
        {
            if (!_coldValidator.Validate(Certificate.Parse(_chain.ColdLeafDers[i]), [Certificate.Parse(_chain.ColdIntermediateDers[i])], _context).IsValid)
            {
                throw new InvalidOperationException("the cold benchmark chain does not validate");
            }
        }

        _intKey = Import(_chain.Intermediate.PublicKey.RawData.Span, _chain.Intermediate.PublicKey.Kind);
        _rootKey = Import(_chain.Root.PublicKey.RawData.Span, _chain.Root.PublicKey.Kind);

        _x509Root = X509CertificateLoader.LoadCertificate(_chain.RootDer);
        _x509Int = X509CertificateLoader.LoadCertificate(_chain.IntermediateDer);
        _x509Leaves = [.. _chain.LeafDers.Select(d => X509CertificateLoader.LoadCertificate(d))];

        var parser = new Org.BouncyCastle.X509.X509CertificateParser();
        _bcInt = parser.ReadCertificate(_chain.IntermediateDer);
        _bcLeaves = [.. _chain.LeafDers.Select(parser.ReadCertificate)];
        var anchors = new HashSet<Org.BouncyCastle.Pkix.TrustAnchor> { new Org.BouncyCastle.Pkix.TrustAnchor(parser.ReadCertificate(_chain.RootDer), null) };
        _bcParameters = new Org.BouncyCastle.Pkix.PkixParameters(anchors)
        {
            IsRevocationEnabled = false,
            Date = BenchmarkChain.ValidationTime.UtcDateTime,
        };
    }

    private int NextLeaf() => _next = (_next + 1) % _chain.LeafDers.Length;

    private static AsymmetricAlgorithm Import(ReadOnlySpan<byte> spki, PublicKeyKind kind)
    {
        AsymmetricAlgorithm key = kind == PublicKeyKind.Rsa ? RSA.Create() : ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return key;
    }

    private static bool Verify(AsymmetricAlgorithm key, Certificate subject) => key switch
    {
        RSA rsa => rsa.VerifyData(subject.TbsCertificate.Span, subject.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => ec.VerifyData(subject.TbsCertificate.Span, subject.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
        _ => false,
    };

    /// <summary>The limit of the warm path: one leaf signature verification with the issuer key already imported.</summary>
    [Benchmark(Baseline = true)]
    public bool Raw_LeafVerify() => Verify(_intKey, _chain.Leaves[NextLeaf()]);

    /// <summary>
    /// One leaf verification the way the validator does it: for ECDSA the DER signature converted to r‖s and the digest
    /// computed on the stack (what is left allocated is .NET's own per-call encoding inside <c>ECDsa.VerifyHash</c>).
    /// </summary>
    [Benchmark]
    public bool Raw_LeafVerifyStackDigest()
    {
        var leaf = _chain.Leaves[NextLeaf()];
        return _intKey is ECDsa ec
            ? EcdsaDerSignature.Verify(ec, leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, EcdsaDerSignature.FieldSizeOf(_chain.Intermediate.PublicKey.CurveOid))
            : Verify(_intKey, leaf);
    }

    /// <summary>Two verifications (leaf and intermediate), keys imported.</summary>
    [Benchmark]
    public bool Raw_TwoVerifies() => Verify(_intKey, _chain.Leaves[NextLeaf()]) & Verify(_rootKey, _chain.Intermediate);

    /// <summary>The limit of the cold path: import the intermediate's key, then two verifications.</summary>
    [Benchmark]
    public bool Raw_TwoVerifiesOneImport()
    {
        using var intKey = Import(_chain.Intermediate.PublicKey.RawData.Span, _chain.Intermediate.PublicKey.Kind);
        return Verify(intKey, _chain.Leaves[NextLeaf()]) & Verify(_rootKey, _chain.Intermediate);
    }

    /// <summary>Warm: the validator has seen the issuer chain; a new leaf arrives as DER.</summary>
    [Benchmark]
    public bool ChainValidator_Warm() => _validator.Validate(Certificate.Parse(_chain.LeafDers[NextLeaf()]), _intermediates, _context).IsValid;

    /// <summary>
    /// Cold: the validator holds its trust anchors (keys imported when it was built) and nothing else — learned
    /// keys and edges are forgotten first; an intermediate it has never seen and its leaf arrive as DER.
    /// </summary>
    [Benchmark]
    public bool ChainValidator_Cold()
    {
        var i = _nextCold = (_nextCold + 1) % BenchmarkChain.ColdPoolSize;
        _coldValidator.ForgetLearned();
        return _coldValidator.Validate(Certificate.Parse(_chain.ColdLeafDers[i]), [Certificate.Parse(_chain.ColdIntermediateDers[i])], _context).IsValid;
    }

    /// <summary>Cold with a new validator each time: the trust anchor's key import is paid too.</summary>
    [Benchmark]
    public bool ChainValidator_ColdNewValidator()
    {
        var validator = new ChainValidator([Certificate.Parse(_chain.RootDer)]);
        return validator.Validate(Certificate.Parse(_chain.LeafDers[NextLeaf()]), [Certificate.Parse(_chain.IntermediateDer)], _context).IsValid;
    }

    /// <summary>X509Chain with custom root trust, all three certificates loaded from DER.</summary>
    [Benchmark]
    public bool X509Chain_FromDer()
    {
        using var root = X509CertificateLoader.LoadCertificate(_chain.RootDer);
        using var intermediate = X509CertificateLoader.LoadCertificate(_chain.IntermediateDer);
        using var leaf = X509CertificateLoader.LoadCertificate(_chain.LeafDers[NextLeaf()]);
        return BuildX509(root, intermediate, leaf);
    }

    /// <summary>X509Chain on certificates loaded before.</summary>
    [Benchmark]
    public bool X509Chain_FromParsed() => BuildX509(_x509Root, _x509Int, _x509Leaves[NextLeaf()]);

    /// <summary>BouncyCastle 1.8.10 PkixCertPathValidator on certificates parsed before (path given in order).</summary>
    [Benchmark]
    public bool BouncyCastle_Pkix()
    {
        var path = new Org.BouncyCastle.Pkix.PkixCertPath(new List<BcCertificate> { _bcLeaves[NextLeaf()], _bcInt });
        new Org.BouncyCastle.Pkix.PkixCertPathValidator().Validate(path, _bcParameters);
        return true;
    }

    private static bool BuildX509(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = BenchmarkChain.ValidationTime.UtcDateTime;
        return chain.Build(leaf);
    }
}

/// <summary>
/// Warm validation on one shared validator from one and from two threads (operations per second scale), with the
/// machine's ceiling in the same run: the leaf signature verifications alone (one shared issuer key, as the
/// validator shares its cached key) on the same number of threads.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 6)]
public class ChainValidationThroughputBenchmarks
{
    private const int Operations = 256;
    private BenchmarkChain _chain = null!;
    private ChainValidator _validator = null!;
    private Certificate[] _intermediates = [];
    private ValidationContext _context = null!;
    private AsymmetricAlgorithm _intKey = null!;

    /// <summary>The chain type.</summary>
    [Params(ChainKind.Rsa2048, ChainKind.P256)]
    public ChainKind Kind { get; set; }

    /// <summary>Threads validating concurrently.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _chain = BenchmarkChain.Create(Kind, Operations);
        _context = new ValidationContext { ValidationTime = BenchmarkChain.ValidationTime };
        _validator = new ChainValidator([_chain.Root]);
        _intermediates = [_chain.Intermediate];
        _validator.Validate(_chain.Leaves[0], _intermediates, _context);
        _intKey = _chain.Intermediate.PublicKey.Kind == PublicKeyKind.Rsa ? RSA.Create() : ECDsa.Create();
        _intKey.ImportSubjectPublicKeyInfo(_chain.Intermediate.PublicKey.RawData.Span, out _);
    }

    /// <summary>The ceiling: 256 leaf signature verifications with the issuer key imported once and shared, split over <see cref="Threads"/> threads.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int RawLeafVerifies()
    {
        var valid = 0;
        var perThread = Operations / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var count = 0;
            for (var i = t * perThread; i < (t + 1) * perThread; i++)
            {
                var leaf = _chain.Leaves[i];
                var ok = _intKey switch
                {
                    RSA rsa => rsa.VerifyData(leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                    ECDsa ec => ec.VerifyData(leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                    _ => false,
                };
                if (ok)
                {
                    count++;
                }
            }

            Interlocked.Add(ref valid, count);
        });
        return valid;
    }

    /// <summary>256 warm validations (a fresh leaf from DER each), split over <see cref="Threads"/> threads.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public int WarmValidations()
    {
        var valid = 0;
        var perThread = Operations / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var count = 0;
            for (var i = t * perThread; i < (t + 1) * perThread; i++)
            {
                if (_validator.Validate(Certificate.Parse(_chain.LeafDers[i]), _intermediates, _context).IsValid)
                {
                    count++;
                }
            }

            Interlocked.Add(ref valid, count);
        });
        return valid;
    }
}
