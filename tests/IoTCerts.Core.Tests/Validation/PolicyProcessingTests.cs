using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>The policy extensions of one test certificate (RFC 5280 §4.2.1.4, §4.2.1.5, §4.2.1.11, §4.2.1.14).</summary>
public sealed record PolicySpec
{
    /// <summary>certificatePolicies OIDs; null for no extension.</summary>
    public string[]? Policies { get; init; }

    /// <summary>policyMappings (issuerDomainPolicy, subjectDomainPolicy); null for no extension.</summary>
    public (string Issuer, string Subject)[]? Mappings { get; init; }

    public int? RequireExplicitPolicy { get; init; }

    public int? InhibitPolicyMapping { get; init; }

    /// <summary>policyConstraints with neither field (an empty SEQUENCE).</summary>
    public bool EmptyPolicyConstraints { get; init; }

    public bool PolicyConstraintsCritical { get; init; } = true;

    public int? InhibitAnyPolicy { get; init; }

    public X509Extension[] Extensions()
    {
        var list = new List<X509Extension>();
        if (Policies is { } policies)
        {
            list.Add(new X509Extension("2.5.29.32", PolicyDer.CertificatePolicies(policies), critical: false));
        }

        if (Mappings is { } mappings)
        {
            list.Add(new X509Extension("2.5.29.33", PolicyDer.PolicyMappings(mappings), critical: true));
        }

        if (RequireExplicitPolicy is not null || InhibitPolicyMapping is not null || EmptyPolicyConstraints)
        {
            list.Add(new X509Extension("2.5.29.36", PolicyDer.PolicyConstraints(RequireExplicitPolicy, InhibitPolicyMapping), PolicyConstraintsCritical));
        }

        if (InhibitAnyPolicy is { } skip)
        {
            list.Add(new X509Extension("2.5.29.54", PolicyDer.Integer(skip), critical: true));
        }

        return [.. list];
    }
}

/// <summary>
/// Table-driven RFC 5280 §6.1.2–§6.1.5 certificate policy processing: each row is a chain (root, CAs from the top, end
/// entity), the §6.1.1 inputs, and the expected outcome with the user-constrained-policy-set. Each row cites the step.
/// </summary>
public sealed class PolicyProcessingTests
{
    private const string P1 = "1.3.6.1.4.1.55555.1.1";
    private const string P2 = "1.3.6.1.4.1.55555.1.2";
    private const string P3 = "1.3.6.1.4.1.55555.1.3";
    private const string Any = PolicyDer.Any;

    /// <summary>One CA of the chain: its policy extensions, and whether it is self-issued (same name as the CA above it).</summary>
    public sealed record Ca(PolicySpec Spec, bool SelfIssued = false);

    public sealed record Case(string Name, Ca[] Cas, PolicySpec Leaf, ValidationContext Context, ChainStatus? Expected, int Index = 0, string[]? UserPolicies = null, string[]? AuthorityPolicies = null)
    {
        public override string ToString() => Name;
    }

    private static PolicySpec Asserts(params string[] policies) => new() { Policies = policies };

    private static ValidationContext Inputs(string[]? user = null, bool explicitPolicy = false, bool inhibitMapping = false, bool inhibitAny = false) => new()
    {
        ValidationTime = TestPki.Now,
        UserInitialPolicySet = user,
        InitialExplicitPolicy = explicitPolicy,
        InitialPolicyMappingInhibit = inhibitMapping,
        InitialAnyPolicyInhibit = inhibitAny,
    };

    private static readonly ValidationContext Default = Inputs();

    public static readonly TheoryData<Case> Cases = BuildCases();

    private static TheoryData<Case> BuildCases()
    {
        var data = new TheoryData<Case>
        {
            // §6.1.3 (e): without certificatePolicies the tree is NULL; without a requirement the chain is valid.
            new("§6.1.3 (e) no policies anywhere: valid, empty sets", [new(new()), new(new())], new(), Default, null, UserPolicies: [], AuthorityPolicies: []),
            new("§6.1.3 (d)(1) every certificate asserts P1", [new(Asserts(P1)), new(Asserts(P1))], Asserts(P1), Default, null, UserPolicies: [P1], AuthorityPolicies: [P1]),
            new("§6.1.3 (d)(1) a second policy dies where a certificate drops it", [new(Asserts(P1, P2)), new(Asserts(P1))], Asserts(P1, P2), Default, null, UserPolicies: [P1], AuthorityPolicies: [P1]),
            new("§6.1.3 (d)(2) anyPolicy throughout: unconstrained", [new(Asserts(Any)), new(Asserts(Any))], Asserts(Any), Default, null, UserPolicies: [Any], AuthorityPolicies: [Any]),
            new("§6.1.3 (d)(1)(ii) P1 below anyPolicy CAs", [new(Asserts(Any)), new(Asserts(Any))], Asserts(P1), Default, null, UserPolicies: [P1], AuthorityPolicies: [P1]),

            // §6.1.1 (f) + §6.1.5 (g): initial-explicit-policy with the user-initial-policy-set.
            new("§6.1.5 (g)(iii) explicit policy, acceptable P1 asserted", [new(Asserts(P1))], Asserts(P1), Inputs([P1], explicitPolicy: true), null, UserPolicies: [P1], AuthorityPolicies: [P1]),
            new("§6.1.5 (g)(iii) explicit policy, only P2 acceptable", [new(Asserts(P1))], Asserts(P1), Inputs([P2], explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.5 (g)(iii) P2 not acceptable but no explicit policy: valid, empty user set", [new(Asserts(P1))], Asserts(P1), Inputs([P2]), null, UserPolicies: [], AuthorityPolicies: [P1]),
            new("§6.1.5 (g)(iii)(3) anyPolicy leaf stands for the acceptable P2", [new(Asserts(Any))], Asserts(Any), Inputs([P2], explicitPolicy: true), null, UserPolicies: [P2], AuthorityPolicies: [Any]),
            new("§6.1.3 (f) explicit policy and a CA without policies", [new(new())], Asserts(P1), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 1),

            // §6.1.4 (a)/(b): policy mapping 1 -> 2.
            new("§6.1.4 (b)(1) mapping P1 -> P2", [new(Asserts(P1) with { Mappings = [(P1, P2)] }), new(Asserts(P2))], Asserts(P2), Inputs([P1], explicitPolicy: true), null, UserPolicies: [P1], AuthorityPolicies: [P1]),
            new("§6.1.4 (b)(1) mapping P1 -> P2: P2 is not in the anchor's domain", [new(Asserts(P1) with { Mappings = [(P1, P2)] }), new(Asserts(P2))], Asserts(P2), Inputs([P2], explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (b)(1) mapping P1 -> P2: P1 below the mapping no longer matches", [new(Asserts(P1) with { Mappings = [(P1, P2)] })], Asserts(P1), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (b)(1) mapping P1 -> P2, P3 from anyPolicy", [new(Asserts(Any) with { Mappings = [(P1, P2), (P1, P3)] })], Asserts(P3), Inputs([P1], explicitPolicy: true), null, UserPolicies: [P1], AuthorityPolicies: [P1]),
            new("§6.1.4 (b)(2) initial-policy-mapping-inhibit deletes the mapped P1", [new(Asserts(P1) with { Mappings = [(P1, P2)] })], Asserts(P2), Inputs(explicitPolicy: true, inhibitMapping: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (i) inhibitPolicyMapping 0 in the CA above the mapping", [new(Asserts(P1) with { InhibitPolicyMapping = 0 }), new(Asserts(P1) with { Mappings = [(P1, P2)] })], Asserts(P2), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (i) inhibitPolicyMapping 1 lets the next CA map", [new(Asserts(P1) with { InhibitPolicyMapping = 1 }), new(Asserts(P1) with { Mappings = [(P1, P2)] })], Asserts(P2), Inputs(explicitPolicy: true), null, UserPolicies: [P1]),
            new("§6.1.4 (a) mapping to anyPolicy", [new(Asserts(P1) with { Mappings = [(P1, Any)] })], Asserts(P1), Default, ChainStatus.InvalidPolicyConstraints, 1),
            new("§6.1.4 (a) mapping from anyPolicy", [new(Asserts(P1) with { Mappings = [(Any, P1)] })], Asserts(P1), Default, ChainStatus.InvalidPolicyConstraints, 1),

            // §6.1.3 (d)(2), §6.1.4 (j): anyPolicy inhibited.
            new("§6.1.1 (g) initial-any-policy-inhibit ignores the CA's anyPolicy", [new(Asserts(Any))], Asserts(P1), Inputs(explicitPolicy: true, inhibitAny: true), ChainStatus.NoIssuanceChainPolicy, 1),
            new("§6.1.1 (g) initial-any-policy-inhibit, explicit P1 everywhere still valid", [new(Asserts(P1))], Asserts(P1), Inputs(explicitPolicy: true, inhibitAny: true), null, UserPolicies: [P1]),
            new("§6.1.4 (j) inhibitAnyPolicy 0: the next CA's anyPolicy is ignored", [new(Asserts(P1, Any) with { InhibitAnyPolicy = 0 }), new(Asserts(Any))], Asserts(P1), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 1),
            new("§6.1.4 (j) inhibitAnyPolicy 1: the next CA's anyPolicy counts, the leaf's does not", [new(Asserts(Any) with { InhibitAnyPolicy = 1 }), new(Asserts(Any))], Asserts(Any), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (j) inhibitAnyPolicy 2: anyPolicy counts down to the leaf", [new(Asserts(Any) with { InhibitAnyPolicy = 2 }), new(Asserts(Any))], Asserts(Any), Inputs(explicitPolicy: true), null, UserPolicies: [Any]),

            // §6.1.4 (h): self-issued intermediates do not decrement the counters.
            new("§6.1.4 (h) requireExplicitPolicy 2, then a CA: leaf without policies fails", [new(Asserts(P1) with { RequireExplicitPolicy = 2 }), new(Asserts(P1))], new(), Default, ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (h) requireExplicitPolicy 2, then a self-issued CA: counter not decremented, valid", [new(Asserts(P1) with { RequireExplicitPolicy = 2 }), new(Asserts(P1), SelfIssued: true)], new(), Default, null, UserPolicies: []),
            new("§6.1.3 (d)(2) inhibitAnyPolicy 0, then self-issued CA with anyPolicy: processed", [new(Asserts(Any) with { InhibitAnyPolicy = 0 }), new(Asserts(Any), SelfIssued: true)], Asserts(P1), Inputs(explicitPolicy: true), null, UserPolicies: [P1]),
            new("§6.1.3 (d)(2) inhibitAnyPolicy 0, then a CA with anyPolicy: not processed", [new(Asserts(Any) with { InhibitAnyPolicy = 0 }), new(Asserts(Any))], Asserts(P1), Inputs(explicitPolicy: true), ChainStatus.NoIssuanceChainPolicy, 1),
            new("§6.1.4 (h) inhibitPolicyMapping 1 then a self-issued CA: the mapping CA below may still map", [new(Asserts(P1) with { InhibitPolicyMapping = 1 }), new(Asserts(P1), SelfIssued: true), new(Asserts(P1) with { Mappings = [(P1, P2)] })], Asserts(P2), Inputs(explicitPolicy: true), null, UserPolicies: [P1]),

            // §4.2.1.11 under the default rules: a non-critical policyConstraints is processed, not refused.
            new("§6.1.4 (i) non-critical policyConstraints is processed", [new(Asserts(P1) with { RequireExplicitPolicy = 0, PolicyConstraintsCritical = false })], new(), Default, ChainStatus.NoIssuanceChainPolicy, 0),
            new("§6.1.4 (i) non-critical policyConstraints accepted", [new(Asserts(P1) with { RequireExplicitPolicy = 0, PolicyConstraintsCritical = false })], Asserts(P1), Default, null, UserPolicies: [P1]),
            new("§6.1.5 (b) requireExplicitPolicy 0 in the leaf", [new(Asserts(P1))], Asserts(P2) with { RequireExplicitPolicy = 0 }, Default, ChainStatus.NoIssuanceChainPolicy, 0),
        };

        // §6.1.4 (i) require-explicit-policy at each depth: requireExplicitPolicy 0 in CA number d (1..3) of three,
        // with an end entity without certificatePolicies (the issue's wrong accept) and with one asserting P1.
        for (var depth = 1; depth <= 3; depth++)
        {
            var cas = Enumerable.Range(1, 3).Select(d => new Ca(d == depth ? Asserts(P1) with { RequireExplicitPolicy = 0 } : Asserts(P1))).ToArray();
            data.Add(new($"§6.1.4 (i) requireExplicitPolicy 0 in CA {depth}, leaf without policies", cas, new(), Default, ChainStatus.NoIssuanceChainPolicy, 0));
            data.Add(new($"§6.1.4 (i) requireExplicitPolicy 0 in CA {depth}, leaf asserts P1", cas, Asserts(P1), Default, null, UserPolicies: [P1]));
            data.Add(new($"§6.1.4 (i) requireExplicitPolicy 0 in CA {depth}, leaf asserts P2", cas, Asserts(P2), Default, ChainStatus.NoIssuanceChainPolicy, 0));
        }

        // §6.1.4 (h)/(i) and §6.1.5 (a) the SkipCerts count: requireExplicitPolicy k in the first of three CAs, three
        // certificates below it, the end entity without policies: valid only for k >= 4 (as PKITS 4.8 "requireExplicitPolicy4
        // CA" with four certificates below it is invalid and "requireExplicitPolicy5 CA" valid).
        for (var k = 0; k <= 5; k++)
        {
            Ca[] cas = [new(Asserts(P1) with { RequireExplicitPolicy = k }), new(Asserts(P1)), new(Asserts(P1))];
            data.Add(new($"§6.1.4 (i) requireExplicitPolicy {k} in CA 1 of 3, leaf without policies", cas, new(), Default, k >= 4 ? null : ChainStatus.NoIssuanceChainPolicy, 0, UserPolicies: k >= 4 ? [] : null));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Policy_processing(Case c)
    {
        var (leaf, bag, root) = Build(c);
        var result = new ChainValidator([root.Certificate]).Validate(leaf.Certificate, bag.Select(b => b.Certificate).ToList(), c.Context);
        if (c.Expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.Equal(c.Cas.Length + 2, result.Chain.Count);
            if (c.UserPolicies is { } user)
            {
                Assert.Equal(user.Order(StringComparer.Ordinal), result.UserConstrainedPolicies);
            }

            if (c.AuthorityPolicies is { } authorities)
            {
                Assert.Equal(authorities.Order(StringComparer.Ordinal), result.AuthoritiesConstrainedPolicies);
            }
        }
        else
        {
            Assert.False(result.IsValid);
            var first = result.Errors[0];
            Assert.True(c.Expected == first.Status, $"expected {c.Expected} first, got: {string.Join("\n", result.Errors)}");
            Assert.Equal(c.Index, first.CertificateIndex);
            Assert.Contains("RFC 5280", first.Message, StringComparison.Ordinal);
            Assert.Empty(result.UserConstrainedPolicies);
        }
    }

    [Fact]
    public void Policy_graph_limit_stops_a_mapping_explosion_with_its_own_status()
    {
        // CVE-2023-0464 shape: every CA asserts many policies and maps each to all of them.
        var policies = Enumerable.Range(1, 12).Select(i => $"1.3.6.1.4.1.55555.9.{i}").ToArray();
        var mappings = policies.SelectMany(a => policies.Select(b => (a, b))).ToArray();
        var spec = new PolicySpec { Policies = policies, Mappings = mappings };
        var cas = Enumerable.Range(0, 5).Select(_ => new Ca(spec)).ToArray();
        var (leaf, bag, root) = Build(new Case("explosion", cas, Asserts(policies), Default, null));
        var intermediates = bag.Select(b => b.Certificate).ToList();

        var small = new ChainPolicy { Budget = new ValidationBudget { MaxPolicyGraphSize = 200 } };
        var stopped = new ChainValidator([root.Certificate], small).Validate(leaf.Certificate, intermediates, Default);
        Assert.False(stopped.IsValid);
        Assert.Equal(ChainStatus.PolicyGraphTooLarge, stopped.Errors[0].Status);

        // The default limit admits the same chain: the graph keeps one node per (depth, policy), so it is polynomial.
        var full = new ChainValidator([root.Certificate]).Validate(leaf.Certificate, intermediates, Default);
        Assert.True(full.IsValid, string.Join("\n", full.Errors));
        Assert.Equal(policies.Order(StringComparer.Ordinal), full.UserConstrainedPolicies);
    }

    [Fact]
    public void Critical_policy_mappings_and_inhibit_any_policy_are_processed_not_refused()
    {
        // §4.2: the validator now processes them, so they are not unknown critical extensions.
        var (leaf, bag, root) = Build(new Case("critical", [new(Asserts(P1) with { Mappings = [(P1, P2)], InhibitAnyPolicy = 5 }), new(Asserts(P2))], Asserts(P2), Default, null));
        var result = new ChainValidator([root.Certificate]).Validate(leaf.Certificate, bag.Select(b => b.Certificate).ToList(), Default);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.DoesNotContain(result.Errors, e => e.Status == ChainStatus.HasNotSupportedCriticalExtension);
    }

    [Fact]
    public void User_initial_policy_set_refuses_text_that_is_not_an_oid()
    {
        Assert.Throws<ArgumentException>(() => new ValidationContext { UserInitialPolicySet = ["not.an.oid"] });
        Assert.Throws<ArgumentException>(() => new ValidationContext { UserInitialPolicySet = ["1.02.3"] });
    }

    private static (TestCert Leaf, TestCert[] Bag, TestCert Root) Build(Case c)
    {
        var root = TestPki.Root("Policy Root " + Guid.NewGuid().ToString("N")[..8]);
        var issuer = root;
        var bag = new List<TestCert>();
        for (var i = 0; i < c.Cas.Length; i++)
        {
            var ca = c.Cas[i];
            var name = ca.SelfIssued ? issuer.X509.GetNameInfo(X509NameType.SimpleName, false) : $"Policy CA {i + 1}";
            issuer = issuer.Issue(name, new CertSpec { Ca = true, ExtraExtensions = ca.Spec.Extensions() });
            bag.Add(issuer);
        }

        var leaf = issuer.Issue("policy-leaf", new CertSpec { Ca = false, Dns = ["policy-leaf.example"], ExtraExtensions = c.Leaf.Extensions() });
        return (leaf, [.. bag], root);
    }
}
