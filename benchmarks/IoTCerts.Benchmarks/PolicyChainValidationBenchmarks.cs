using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using IoTCerts.Core;
using IoTCerts.Core.Tests.Validation;

namespace IoTCerts.Benchmarks;

/// <summary>
/// A policy-heavy P-256 chain, root → CA 1 (8 policies, 8 mappings, requireExplicitPolicy 0, inhibitAnyPolicy) →
/// CA 2 (8 policies and anyPolicy) → leaf (3 policies), validated warm with an explicit user-initial-policy-set (RFC
/// 5280 §6.1 policy processing on every validation), next to the same chain shape without policy extensions and the
/// raw leaf verification (the limit of the warm path).
/// Run: dotnet run -c Release --project benchmarks/IoTCerts.Benchmarks -- --filter '*PolicyChainValidationBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 6)]
public class PolicyChainValidationBenchmarks
{
    private static readonly DateTimeOffset At = BenchmarkChain.ValidationTime;

    private (Certificate Root, Certificate[] Intermediates, byte[][] Leaves) _withPolicies;
    private (Certificate Root, Certificate[] Intermediates, byte[][] Leaves) _withoutPolicies;
    private ChainValidator _policyValidator = null!;
    private ChainValidator _plainValidator = null!;
    private ValidationContext _policyContext = null!;
    private ValidationContext _plainContext = null!;
    private Certificate[] _parsedLeaves = [];
    private ECDsa _issuerKey = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _withPolicies = Build(policies: true, out _issuerKey);
        _withoutPolicies = Build(policies: false, out _);
        _parsedLeaves = [.. _withPolicies.Leaves.Select(d => Certificate.Parse(d))];
        _policyValidator = new ChainValidator([_withPolicies.Root]);
        _plainValidator = new ChainValidator([_withoutPolicies.Root]);
        _policyContext = new ValidationContext { ValidationTime = At, UserInitialPolicySet = [Policy(0)], InitialExplicitPolicy = true };
        _plainContext = new ValidationContext { ValidationTime = At };
        var policy = _policyValidator.Validate(Certificate.Parse(_withPolicies.Leaves[0]), _withPolicies.Intermediates, _policyContext);
        if (!policy.IsValid || policy.UserConstrainedPolicies.Count != 1)
        {
            throw new InvalidOperationException("the policy chain does not validate: " + string.Join("; ", policy.Errors));
        }

        if (!_plainValidator.Validate(Certificate.Parse(_withoutPolicies.Leaves[0]), _withoutPolicies.Intermediates, _plainContext).IsValid)
        {
            throw new InvalidOperationException("the plain chain does not validate");
        }
    }

    private int NextLeaf() => _next = (_next + 1) % _withPolicies.Leaves.Length;

    /// <summary>The limit: one leaf signature verification with the issuer key imported.</summary>
    [Benchmark(Baseline = true)]
    public bool Raw_LeafVerify()
    {
        var leaf = _parsedLeaves[NextLeaf()];
        return _issuerKey.VerifyData(leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>Warm, two intermediates, no policy extensions (policy processing is skipped without a graph).</summary>
    [Benchmark]
    public bool ChainValidator_Warm_NoPolicies() => _plainValidator.Validate(Certificate.Parse(_withoutPolicies.Leaves[NextLeaf()]), _withoutPolicies.Intermediates, _plainContext).IsValid;

    /// <summary>Warm, the policy-heavy chain with an explicit policy required.</summary>
    [Benchmark]
    public bool ChainValidator_Warm_PolicyHeavy() => _policyValidator.Validate(Certificate.Parse(_withPolicies.Leaves[NextLeaf()]), _withPolicies.Intermediates, _policyContext).IsValid;

    private static string Policy(int i) => $"1.3.6.1.4.1.55555.7.{i}";

    private static (Certificate, Certificate[], byte[][]) Build(bool policies, out ECDsa leafIssuerKey)
    {
        var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ca1Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ca2Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tag = policies ? "Policy" : "Plain";
        var root = Make($"CN={tag} Bench Root", rootKey, null, null, true, []);
        var ca1Extensions = policies
            ? new[]
            {
                new X509Extension("2.5.29.32", PolicyDer.CertificatePolicies(Enumerable.Range(0, 8).Select(Policy)), false),
                new X509Extension("2.5.29.33", PolicyDer.PolicyMappings(Enumerable.Range(0, 8).Select(i => (Policy(i), Policy(i + 8)))), true),
                new X509Extension("2.5.29.36", [0x30, 0x03, 0x80, 0x01, 0x00], true),
                new X509Extension("2.5.29.54", [0x02, 0x01, 0x02], true),
            }
            : [];
        var ca1 = Make($"CN={tag} Bench CA 1", ca1Key, $"CN={tag} Bench Root", rootKey, true, ca1Extensions, root);
        var ca2Extensions = policies ? new[] { new X509Extension("2.5.29.32", PolicyDer.CertificatePolicies([.. Enumerable.Range(8, 8).Select(Policy), "2.5.29.32.0"]), false) } : [];
        var ca2 = Make($"CN={tag} Bench CA 2", ca2Key, $"CN={tag} Bench CA 1", ca1Key, true, ca2Extensions, ca1);
        var leaves = new byte[64][];
        for (var i = 0; i < leaves.Length; i++)
        {
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leafExtensions = policies ? new[] { new X509Extension("2.5.29.32", PolicyDer.CertificatePolicies([Policy(8), Policy(9), Policy(10)]), false) } : [];
            leaves[i] = Make($"CN={tag} device {i}", leafKey, $"CN={tag} Bench CA 2", ca2Key, false, leafExtensions, ca2);
        }

        leafIssuerKey = ca2Key;
        return (Certificate.Parse(root), [Certificate.Parse(ca1), Certificate.Parse(ca2)], leaves);
    }

    private static byte[] Make(string subject, ECDsa key, string? issuer, ECDsa? issuerKey, bool ca, X509Extension[] extensions, byte[]? issuerDer = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuerDer is not null)
        {
            using var issuerCert = X509CertificateLoader.LoadCertificate(issuerDer);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuerCert, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        }

        foreach (var extension in extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var cert = request.Create(new X500DistinguishedName(issuer ?? subject), X509SignatureGenerator.CreateForECDsa(issuerKey ?? key), At.AddDays(-10), At.AddDays(ca ? 3650 : 365), serial);
        return cert.RawData;
    }
}
