using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>Path building (Go crypto/x509 / rustls-webpki style): bags, alternatives, loops, budget, caches.</summary>
public sealed class PathBuildingTests
{
    private static readonly TestCert Root = TestPki.Root("Path Root");
    private static readonly TestCert I1 = Root.IssueCa("Path CA 1");
    private static readonly TestCert I2 = I1.IssueCa("Path CA 2");
    private static readonly TestCert Leaf = I2.IssueLeaf("device-1");

    [Property]
    public Property Unordered_and_duplicated_bags_build_the_same_chain()
    {
        var validator = new ChainValidator([Root.Certificate]);
        var noise = TestPki.Root("Unrelated Root").IssueCa("Unrelated CA");
        var pool = new[] { I1, I2, noise, Leaf, Root };
        var expected = new[] { Leaf.Der, I2.Der, I1.Der, Root.Der };

        // Any order, any repetition of the bag (including the leaf and the root themselves) yields leaf -> I2 -> I1 -> root.
        var bags = Gen.ListOf(Gen.Elements(pool)).Select(extra => extra.Concat([I1, I2]).OrderBy(_ => Random.Shared.Next()).ToArray());
        return Prop.ForAll(bags.ToArbitrary(), bag =>
        {
            var result = validator.Validate(Leaf.Certificate, bag.Select(b => b.Certificate), TestPki.At());
            return result.IsValid && result.Chain.Select(c => c.RawData.ToArray()).SequenceEqual(expected, ByteArrayComparer.Instance);
        });
    }

    [Fact]
    public void A_failing_candidate_makes_the_search_try_the_alternative_issuer()
    {
        // Two certificates for the same CA name and key: one cross-signed by an untrusted root (offered first),
        // one by the trusted root. Also an expired copy. Only backtracking finds the valid path.
        var key = TestPki.NewKey(KeyKind.P256);
        var untrusted = TestPki.Root("Untrusted Cross Root");
        var viaUntrusted = untrusted.Issue("Shared CA", new CertSpec { Ca = true, ExistingKey = key });
        var expired = Root.Issue("Shared CA", new CertSpec { Ca = true, ExistingKey = key, NotAfter = TestPki.Now.AddDays(-2) });
        var viaTrusted = Root.Issue("Shared CA", new CertSpec { Ca = true, ExistingKey = key });
        var leaf = viaTrusted.IssueLeaf("device-2");

        var result = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [viaUntrusted.Certificate, expired.Certificate, untrusted.Certificate, viaTrusted.Certificate], TestPki.At());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(viaTrusted.Der, result.Chain[1].RawData.ToArray());
    }

    [Fact]
    public void When_every_path_fails_the_most_complete_attempt_is_reported()
    {
        var expired = Root.Issue("Only CA", new CertSpec { Ca = true, NotAfter = TestPki.Now.AddDays(-2) });
        var leaf = expired.IssueLeaf("device-3");

        var result = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [expired.Certificate], TestPki.At());

        Assert.False(result.IsValid);
        Assert.Equal(3, result.Chain.Count);
        Assert.Equal(ChainStatus.Expired, result.Errors[0].Status);
        Assert.Equal(1, result.Errors[0].CertificateIndex);
        Assert.Contains("expired on", result.Errors[0].Message);
    }

    [Fact]
    public void A_loop_of_cross_signed_CAs_ends_without_a_trust_anchor()
    {
        // A and B certify each other; neither reaches the trust anchor.
        var keyA = TestPki.NewKey(KeyKind.P256);
        var keyB = TestPki.NewKey(KeyKind.P256);
        var selfA = TestPki.Create("Loop A", new CertSpec { Ca = true, ExistingKey = keyA }, null);
        var selfB = TestPki.Create("Loop B", new CertSpec { Ca = true, ExistingKey = keyB }, null);
        var aByB = selfB.Issue("Loop A", new CertSpec { Ca = true, ExistingKey = keyA });
        var bByA = selfA.Issue("Loop B", new CertSpec { Ca = true, ExistingKey = keyB });
        var leaf = aByB.IssueLeaf("device-loop");

        var result = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [aByB.Certificate, bByA.Certificate], TestPki.At());

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Status is ChainStatus.PartialChain or ChainStatus.UntrustedRoot);
        Assert.Contains("chain of trust cannot be validated: certificate and root CA do not match", result.Errors[0].Message);
    }

    [Fact]
    public void Thirty_intermediates_with_the_same_name_exhaust_the_budget_quickly()
    {
        // 30 self-issued CAs named alike, each issued by the next: every one is a candidate issuer of every other.
        var chain = new List<TestCert> { TestPki.Create("Same Name", new CertSpec { Ca = true }, null) };
        for (var i = 1; i < 30; i++)
        {
            chain.Add(chain[^1].Issue("Same Name", new CertSpec { Ca = true }));
        }

        var leaf = chain[^1].IssueLeaf("device-dos");
        var validator = new ChainValidator([Root.Certificate]);
        var stopwatch = Stopwatch.StartNew();

        var result = validator.Validate(leaf.Certificate, chain.Select(c => c.Certificate), TestPki.At());

        stopwatch.Stop();
        Assert.False(result.IsValid);
        Assert.Equal(ChainStatus.BudgetExceeded, result.Errors[0].Status);
        Assert.Contains("budget", result.Errors[0].Message);

        // A hang guard, not a timing test: the budget bounds the work to ~100 signature checks.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void A_smaller_budget_stops_earlier_with_the_budget_status()
    {
        var policy = new ChainPolicy { Budget = new ValidationBudget { MaxSignatureChecks = 2 } };
        var result = new ChainValidator([Root.Certificate], policy).Validate(Leaf.Certificate, [I1.Certificate, I2.Certificate], TestPki.At());

        Assert.False(result.IsValid);
        Assert.Equal(ChainStatus.BudgetExceeded, result.Errors[0].Status);
    }

    [Fact]
    public void The_warm_path_costs_one_signature_verification_per_new_leaf()
    {
        var validator = new ChainValidator([Root.Certificate]);
        Assert.True(validator.Validate(Leaf.Certificate, [I1.Certificate, I2.Certificate], TestPki.At()).IsValid);
        Assert.Equal(3, validator.Verifier.Verifications);

        // The issuer chain is known: each new device costs its own signature only, even when its intermediates
        // arrive as freshly parsed copies (caches are keyed by content hashes, not by object identity).
        for (var i = 0; i < 5; i++)
        {
            var leaf = I2.IssueLeaf($"warm-{i}");
            Assert.True(validator.Validate(leaf.Certificate, [Certificate.Parse(I2.Der), Certificate.Parse(I1.Der)], TestPki.At()).IsValid);
        }

        Assert.Equal(3 + 5, validator.Verifier.Verifications);
    }

    [Fact]
    public void The_build_step_limit_stops_the_search_with_the_budget_status()
    {
        var policy = new ChainPolicy { Budget = new ValidationBudget { MaxBuildSteps = 1 } };
        var result = new ChainValidator([Root.Certificate], policy).Validate(Leaf.Certificate, [I1.Certificate, I2.Certificate], TestPki.At());

        Assert.Equal(ChainStatus.BudgetExceeded, result.Errors[0].Status);
        Assert.Contains("candidate issuers", result.Errors[0].Message);
    }

    [Fact]
    public void The_name_constraint_comparison_limit_stops_hostile_constraints()
    {
        // 200 permitted subtrees against a leaf with 200 names: 40,000 comparisons, over a limit of 1,000.
        var subtrees = Enumerable.Range(0, 200).Select(i => $"zone{i}.example").ToArray();
        var constrained = Root.Issue("Many Constraints CA", new CertSpec { Ca = true, NameConstraints = TestPki.PermittedDns(subtrees) });
        var leaf = constrained.Issue("many-names", new CertSpec { Ca = false, Dns = [.. Enumerable.Range(0, 200).Select(i => $"host{i}.zone199.example")] });
        var policy = new ChainPolicy { Budget = new ValidationBudget { MaxNameConstraintComparisons = 1000 } };

        var limited = new ChainValidator([Root.Certificate], policy).Validate(leaf.Certificate, [constrained.Certificate], TestPki.At());
        var unlimited = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [constrained.Certificate], TestPki.At());

        Assert.Equal(ChainStatus.BudgetExceeded, limited.Errors[0].Status);
        Assert.Contains("name constraints", limited.Errors[0].Message);
        Assert.True(unlimited.IsValid, string.Join("\n", unlimited.Errors));
    }

    [Fact]
    public void A_forged_intermediate_with_the_same_name_is_not_trusted_after_the_real_one_was_cached()
    {
        var validator = new ChainValidator([Root.Certificate]);
        Assert.True(validator.Validate(Leaf.Certificate, [I1.Certificate, I2.Certificate], TestPki.At()).IsValid);

        // Same subject names, attacker's keys: the caches are keyed by content hashes, so nothing carries over.
        var forgedI2 = TestPki.Create("Path CA 2", new CertSpec { Ca = true }, ImpostorOf(I1));
        var forgedLeaf = forgedI2.IssueLeaf("device-1");
        var forged = validator.Validate(forgedLeaf.Certificate, [I1.Certificate, forgedI2.Certificate], TestPki.At());
        Assert.False(forged.IsValid);
        Assert.Equal(ChainStatus.NotSignatureValid, forged.Errors[0].Status);

        // A leaf claiming the real issuer but signed by another key fails its own signature check.
        var impostor = TestPki.Create("device-1", new CertSpec { Ca = false, Dns = ["device-1"] }, ImpostorOf(I2));
        var result = validator.Validate(impostor.Certificate, [I1.Certificate, I2.Certificate], TestPki.At());
        Assert.False(result.IsValid);
        Assert.Equal(ChainStatus.NotSignatureValid, result.Errors[0].Status);
        Assert.Equal(0, result.Errors[0].CertificateIndex);
    }

    // Signs with the real CA's name and key identifier but a key the attacker holds.
    private static TestCert ImpostorOf(TestCert real) =>
        new(real.X509, TestPki.NewKey(KeyKind.P256));

    [Fact]
    public void Validation_is_thread_safe_on_a_shared_validator()
    {
        var validator = new ChainValidator([Root.Certificate]);
        var leaves = Enumerable.Range(0, 16).Select(i => I2.IssueLeaf($"parallel-{i}")).ToArray();
        var failures = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var result = validator.Validate(leaves[i % leaves.Length].Certificate, [I2.Certificate, I1.Certificate], TestPki.At());
            if (!result.IsValid)
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }

    [Fact]
    public void The_end_entity_itself_may_be_the_trust_anchor()
    {
        var pinned = TestPki.Create("pinned-device", new CertSpec { Ca = false, Dns = ["pinned-device"] }, null);
        var result = new ChainValidator([pinned.Certificate]).Validate(pinned.Certificate, [], TestPki.At());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Single(result.Chain);
    }

    [Fact]
    public void Validation_time_comes_from_the_time_provider_when_not_given()
    {
        var clock = new FixedClock(TestPki.Now.AddYears(5));
        var result = new ChainValidator([Root.Certificate], timeProvider: clock).Validate(Leaf.Certificate, [I1.Certificate, I2.Certificate]);

        Assert.Equal(ChainStatus.Expired, result.Errors[0].Status);
        Assert.Equal(clock.GetUtcNow(), result.ValidationTime);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => obj.Length;
}
