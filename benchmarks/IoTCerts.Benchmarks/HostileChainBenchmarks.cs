using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Core;
using IoTCerts.Core.Tests.Validation;

namespace IoTCerts.Benchmarks;

/// <summary>
/// The hostile bags of issue 17 (a 12-CA mesh of cross-certificates, 5,000 same-name decoys around the real
/// intermediate — with honest key identifiers, forged ones, and forged ones plus the anchor's name as issuer — and a
/// 40-rung ladder), each validated cold (a new
/// validator, the bag parsed before, and with parsing) and warm, against one raw leaf verification in the same run.
/// The target: every bag ends in at most 50 ms cold. The bags are made by tests/…/Validation/HostileBags.cs (linked).
/// Run: dotnet run -c Release --project benchmarks/IoTCerts.Benchmarks -- --filter '*HostileChainBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class HostileChainBenchmarks
{
    private HostileBag _bag = null!;
    private ValidationContext _context = null!;
    private ChainValidator _warm = null!;
    private ECDsa _leafIssuerKey = null!;

    /// <summary>The hostile bag.</summary>
    [Params(HostileBagKind.Mesh12, HostileBagKind.Decoys5000, HostileBagKind.Decoys5000ForgedKeyIds, HostileBagKind.Decoys5000ForgedKeyIdsAndIssuer, HostileBagKind.Ladder40)]
    public HostileBagKind Bag { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _bag = Bag switch
        {
            HostileBagKind.Mesh12 => HostileBag.Mesh(12),
            HostileBagKind.Decoys5000 => HostileBag.Decoys(5000),
            HostileBagKind.Decoys5000ForgedKeyIds => HostileBag.Decoys(5000, forgedKeyId: true),
            HostileBagKind.Decoys5000ForgedKeyIdsAndIssuer => HostileBag.Decoys(5000, forgedKeyId: true, forgedIssuer: true),
            _ => HostileBag.Ladder(40),
        };
        _context = _bag.Context;
        _warm = new ChainValidator([_bag.Anchor]);
        _warm.Validate(_bag.Leaf, _bag.Intermediates, _context);
        var issuer = _bag.Intermediates.Last(c => c.Subject.RawData.Span.SequenceEqual(_bag.Leaf.Issuer.RawData.Span) && _bag.Leaf.IsSignatureValid(c.PublicKey));
        _leafIssuerKey = ECDsa.Create();
        _leafIssuerKey.ImportSubjectPublicKeyInfo(issuer.PublicKey.RawData.Span, out _);
    }

    [GlobalCleanup]
    public void Cleanup() => _leafIssuerKey.Dispose();

    /// <summary>One leaf signature verification with the issuer key imported: what a valid warm validation costs at least.</summary>
    [Benchmark(Baseline = true)]
    public bool Raw_LeafVerify() =>
        _leafIssuerKey.VerifyData(_bag.Leaf.TbsCertificate.Span, _bag.Leaf.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>A new validator (anchor key imported on construction) on the parsed bag: nothing learned yet.</summary>
    [Benchmark]
    public ChainStatus? Hostile_Cold() => First(new ChainValidator([_bag.Anchor]).Validate(_bag.Leaf, _bag.Intermediates, _context));

    /// <summary>Cold, with the leaf and the whole bag parsed from DER in the operation.</summary>
    [Benchmark]
    public ChainStatus? Hostile_ColdWithParsing()
    {
        var intermediates = Array.ConvertAll(_bag.IntermediateDers, d => Certificate.Parse(d));
        return First(new ChainValidator([_bag.Anchor]).Validate(Certificate.Parse(_bag.LeafDer), intermediates, _context));
    }

    /// <summary>The same validator again: learned keys and edges are cached.</summary>
    [Benchmark]
    public ChainStatus? Hostile_Warm() => First(_warm.Validate(_bag.Leaf, _bag.Intermediates, _context));

    private static ChainStatus? First(ChainValidationResult result) => result.IsValid ? null : result.Errors[0].Status;
}

/// <summary>The hostile bags.</summary>
public enum HostileBagKind
{
    /// <summary>12 CAs, each certified by the 11 others.</summary>
    Mesh12,

    /// <summary>The real intermediate after 5,000 same-name decoys with their own key identifiers.</summary>
    Decoys5000,

    /// <summary>5,000 same-name decoys carrying the real intermediate's subject key identifier.</summary>
    Decoys5000ForgedKeyIds,

    /// <summary>5,000 same-name decoys carrying the real intermediate's key identifier and issued under the anchor's name.</summary>
    Decoys5000ForgedKeyIdsAndIssuer,

    /// <summary>40 rungs of two CAs, each certified by both CAs of the rung above.</summary>
    Ladder40,
}
