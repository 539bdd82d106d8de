namespace IoTCerts.Core;

/// <summary>
/// The outputs of RFC 5280 §6.1 policy processing for one path, or why it failed. The sets are in the trust anchor's
/// policy domain (the valid_policy of the topmost non-anyPolicy node of each branch that reaches the end entity, as
/// the user-initial-policy-set is compared in §6.1.5 (g)(iii)); "anyPolicy" stands for a branch that is anyPolicy
/// throughout.
/// </summary>
internal readonly record struct PolicyOutcome(IReadOnlyList<string> AuthoritiesConstrained, IReadOnlyList<string> UserConstrained, PathViolation? Violation)
{
    public static readonly PolicyOutcome Empty = new([], [], null);
}

/// <summary>
/// Certificate policy processing of RFC 5280 §6.1.2–§6.1.5: the valid_policy_tree kept as a graph with one node per
/// (depth, valid_policy) — a node's expected_policy_set depends only on those two, so merging the tree's duplicate
/// nodes changes no output while keeping the size polynomial — and the explicit_policy, policy_mapping and
/// inhibit_anyPolicy counters. Every node and edge is charged to the budget's policy-graph limit (policy trees grow
/// exponentially without it: CVE-2023-0464).
/// </summary>
internal sealed class PolicyGraph
{
    private const string AnyPolicy = CertificatePolicy.AnyPolicy;

    private readonly List<List<Node>> _levels = [];
    private readonly int _limit;
    private int _size;

    private PolicyGraph(int limit) => _limit = limit;

    private sealed class Node(string policy, List<string> expected, int depth)
    {
        public string Policy { get; } = policy;

        public List<string> Expected { get; set; } = expected;

        public List<Node> Parents { get; } = [];

        public int Depth { get; } = depth;

        public bool IsAny => ReferenceEquals(Policy, AnyPolicy) || Policy == AnyPolicy;
    }

    /// <summary>Whether any certificate below the anchor carries a policy extension (otherwise the outcome is known without a graph).</summary>
    public static bool NeedsProcessing(IReadOnlyList<CertificateFacts> path, ValidationContext context)
    {
        if (context.InitialExplicitPolicy)
        {
            return true;
        }

        for (var i = 0; i < path.Count - 1; i++)
        {
            if (path[i].Extensions.HasPolicyExtensions)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs §6.1 policy processing over <paramref name="path"/> (end entity first, trust anchor last; the anchor is not processed).</summary>
    public static PolicyOutcome Process(IReadOnlyList<CertificateFacts> path, ValidationContext context, int limit)
    {
        var n = path.Count - 1;
        if (n == 0)
        {
            // A trusted end entity alone: no certificate is processed, the initial tree (anyPolicy) stands.
            return new PolicyOutcome([AnyPolicy], UserSet(context) is { } user ? [.. user] : [AnyPolicy], null);
        }

        if (!NeedsProcessing(path, context))
        {
            // §6.1.3 (e): the first certificate without certificatePolicies empties the tree, and without
            // policyConstraints explicit_policy stays above zero: valid, with empty policy sets.
            return PolicyOutcome.Empty;
        }

        return new PolicyGraph(limit).Run(path, context, n);
    }

    private static HashSet<string>? UserSet(ValidationContext context) =>
        context.UserInitialPolicySet is { Count: > 0 } set && !set.Contains(AnyPolicy) ? [.. set] : null;

    private PolicyOutcome Run(IReadOnlyList<CertificateFacts> path, ValidationContext context, int n)
    {
        // §6.1.2 (a), (d)–(f).
        var root = new Node(AnyPolicy, [AnyPolicy], 0);
        _levels.Add([root]);
        var treeNull = false;
        var explicitPolicy = context.InitialExplicitPolicy ? 0 : n + 1;
        var policyMapping = context.InitialPolicyMappingInhibit ? 0 : n + 1;
        var inhibitAnyPolicy = context.InitialAnyPolicyInhibit ? 0 : n + 1;

        for (var i = 1; i <= n; i++)
        {
            var index = n - i;
            var cert = path[index];
            var policy = cert.Policy;
            if (policy.Defect is { } defect)
            {
                return Fail(index, ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has a malformed policy extension: {defect}");
            }

            // §6.1.3 (d).
            if (!treeNull && policy.Policies is { } policies)
            {
                if (!AddLevel(i, policies, policy.AssertsAnyPolicy && (inhibitAnyPolicy > 0 || (i < n && cert.IsSelfIssued))))
                {
                    return TooLarge(index);
                }

                treeNull = PruneChildless(i - 1);
            }
            else
            {
                // §6.1.3 (e): no certificatePolicies, no tree.
                treeNull = true;
            }

            // §6.1.3 (f).
            if (explicitPolicy <= 0 && treeNull)
            {
                return Fail(index, ChainStatus.NoIssuanceChainPolicy,
                    $"certificate \"{cert.SubjectText}\" leaves the chain without a valid certificate policy while an explicit policy is required (RFC 5280 §6.1.3 (f))");
            }

            if (i == n)
            {
                break;
            }

            // §6.1.4 (a), (b).
            if (policy.Mappings is { } mappings)
            {
                foreach (var mapping in mappings)
                {
                    if (mapping.IssuerDomainPolicy == AnyPolicy || mapping.SubjectDomainPolicy == AnyPolicy)
                    {
                        return Fail(index, ChainStatus.InvalidPolicyConstraints,
                            $"CA certificate \"{cert.SubjectText}\" maps a policy to or from anyPolicy, which RFC 5280 §6.1.4 (a) forbids");
                    }
                }

                if (!treeNull)
                {
                    var mapped = ApplyMappings(i, mappings, policyMapping > 0);
                    if (mapped is null)
                    {
                        return TooLarge(index);
                    }

                    treeNull = mapped.Value;
                }
            }

            // §6.1.4 (h): self-issued intermediates do not count.
            if (!cert.IsSelfIssued)
            {
                explicitPolicy = Math.Max(0, explicitPolicy - 1);
                policyMapping = Math.Max(0, policyMapping - 1);
                inhibitAnyPolicy = Math.Max(0, inhibitAnyPolicy - 1);
            }

            // §6.1.4 (i), (j).
            if (policy.RequireExplicitPolicy is { } require && require < explicitPolicy)
            {
                explicitPolicy = require;
            }

            if (policy.InhibitPolicyMapping is { } inhibitMapping && inhibitMapping < policyMapping)
            {
                policyMapping = inhibitMapping;
            }

            if (policy.InhibitAnyPolicy is { } inhibitAny && inhibitAny < inhibitAnyPolicy)
            {
                inhibitAnyPolicy = inhibitAny;
            }
        }

        // §6.1.5 (a), (b).
        if (explicitPolicy != 0)
        {
            explicitPolicy--;
        }

        if (path[0].Policy.RequireExplicitPolicy == 0)
        {
            explicitPolicy = 0;
        }

        var authorities = treeNull ? [] : Origins(n);

        // §6.1.5 (g): the intersection with the user-initial-policy-set.
        var user = UserSet(context);
        IReadOnlyList<string> userConstrained;
        if (treeNull)
        {
            userConstrained = [];
        }
        else if (user is null)
        {
            userConstrained = authorities;
        }
        else
        {
            treeNull = Intersect(user, n);
            userConstrained = treeNull ? [] : Origins(n);
        }

        if (explicitPolicy <= 0 && treeNull)
        {
            return Fail(0, ChainStatus.NoIssuanceChainPolicy, user is null
                ? $"no certificate policy is valid for the whole chain of \"{path[0].SubjectText}\" while an explicit policy is required (RFC 5280 §6.1.5 (g))"
                : $"no certificate policy valid for the whole chain of \"{path[0].SubjectText}\" is in the acceptable set ({string.Join(", ", user)}) while an explicit policy is required (RFC 5280 §6.1.5 (g))");
        }

        return new PolicyOutcome(authorities, userConstrained, null);
    }

    private static PolicyOutcome Fail(int index, ChainStatus status, string message) => new([], [], new PathViolation(index, status, message));

    private PolicyOutcome TooLarge(int index) => Fail(index, ChainStatus.PolicyGraphTooLarge,
        $"the search for a valid chain was stopped: the certificate policies of the chain need a policy graph larger than the budget allows ({_limit} nodes and edges; CVE-2023-0464)");

    private bool Charge(int amount = 1)
    {
        _size += amount;
        return _size <= _limit;
    }

    // §6.1.3 (d)(1) and (d)(2): the nodes of depth i.
    private bool AddLevel(int depth, string[] policies, bool expandAnyPolicy)
    {
        var previous = _levels[depth - 1];
        var current = new List<Node>();
        _levels.Add(current);
        Node? anyParent = null;
        foreach (var node in previous)
        {
            if (node.IsAny)
            {
                anyParent = node;
            }
        }

        foreach (var policy in policies)
        {
            Node? child = null;
            foreach (var parent in previous)
            {
                if (parent.Expected.Contains(policy))
                {
                    child ??= NewNode(current, policy, depth);
                    child.Parents.Add(parent);
                    if (!Charge())
                    {
                        return false;
                    }
                }
            }

            if (child is null && anyParent is not null)
            {
                NewNode(current, policy, depth).Parents.Add(anyParent);
                if (!Charge(2))
                {
                    return false;
                }
            }
        }

        if (expandAnyPolicy)
        {
            // (d)(2): every expected policy of every parent not yet among its children, anyPolicy's own included.
            foreach (var parent in previous)
            {
                foreach (var expected in parent.Expected)
                {
                    var child = Find(current, expected);
                    if (child is null)
                    {
                        child = NewNode(current, expected, depth);
                        if (!Charge())
                        {
                            return false;
                        }
                    }

                    if (!child.Parents.Contains(parent))
                    {
                        child.Parents.Add(parent);
                        if (!Charge())
                        {
                            return false;
                        }
                    }
                }
            }
        }

        return true;
    }

    private static Node NewNode(List<Node> level, string policy, int depth)
    {
        var node = new Node(policy, [policy], depth);
        level.Add(node);
        return node;
    }

    private static Node? Find(List<Node> level, string policy)
    {
        foreach (var node in level)
        {
            if (node.Policy == policy)
            {
                return node;
            }
        }

        return null;
    }

    // §6.1.4 (b): returns whether the tree became NULL, or null when the graph grew past the limit.
    private bool? ApplyMappings(int depth, PolicyMapping[] mappings, bool mappingAllowed)
    {
        var level = _levels[depth];
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mapping in mappings)
        {
            var issuerPolicy = mapping.IssuerDomainPolicy;
            if (!done.Add(issuerPolicy))
            {
                continue;
            }

            if (mappingAllowed)
            {
                var subjectPolicies = new List<string>();
                foreach (var m in mappings)
                {
                    if (m.IssuerDomainPolicy == issuerPolicy && !subjectPolicies.Contains(m.SubjectDomainPolicy))
                    {
                        subjectPolicies.Add(m.SubjectDomainPolicy);
                    }
                }

                if (!Charge(subjectPolicies.Count))
                {
                    return null;
                }

                var found = false;
                foreach (var node in level)
                {
                    if (node.Policy == issuerPolicy)
                    {
                        node.Expected = subjectPolicies;
                        found = true;
                    }
                }

                // (b)(1): a policy that reached depth i only through anyPolicy is mapped as a child of anyPolicy.
                if (!found && Find(level, AnyPolicy) is not null && Find(_levels[depth - 1], AnyPolicy) is { } anyParent)
                {
                    var node = new Node(issuerPolicy, subjectPolicies, depth);
                    node.Parents.Add(anyParent);
                    level.Add(node);
                    if (!Charge(2))
                    {
                        return null;
                    }
                }
            }
            else
            {
                // (b)(2): with mapping inhibited, a mapped policy's nodes are deleted.
                level.RemoveAll(node => node.Policy == issuerPolicy);
            }
        }

        return mappingAllowed ? false : PruneChildless(depth - 1);
    }

    // Deletes nodes of depth <= from that have no children, level by level upward; returns whether the tree is NULL.
    private bool PruneChildless(int from)
    {
        for (var depth = from; depth >= 0; depth--)
        {
            var below = _levels[depth + 1];
            _levels[depth].RemoveAll(node => !HasChild(below, node));
        }

        return _levels[0].Count == 0;
    }

    private static bool HasChild(List<Node> below, Node node)
    {
        foreach (var child in below)
        {
            if (child.Parents.Contains(node))
            {
                return true;
            }
        }

        return false;
    }

    // §6.1.5 (g)(iii); returns whether the intersection is NULL.
    private bool Intersect(HashSet<string> user, int n)
    {
        // (1) the valid_policy_node_set: nodes below anyPolicy parents only.
        var nodeSet = new List<Node>();
        for (var depth = 1; depth <= n; depth++)
        {
            foreach (var node in _levels[depth])
            {
                if (!node.IsAny && node.Parents.TrueForAll(p => p.IsAny))
                {
                    nodeSet.Add(node);
                }
            }
        }

        // (2) delete the nodes (and their subtrees) whose policy the user does not accept.
        var deleted = new HashSet<Node>();
        foreach (var node in nodeSet)
        {
            if (!user.Contains(node.Policy))
            {
                deleted.Add(node);
            }
        }

        for (var depth = 1; depth <= n; depth++)
        {
            _levels[depth].RemoveAll(deleted.Contains);
            foreach (var node in _levels[depth])
            {
                if (node.Parents.RemoveAll(deleted.Contains) > 0 && node.Parents.Count == 0)
                {
                    deleted.Add(node);
                }
            }

            _levels[depth].RemoveAll(deleted.Contains);
        }

        // (3) an anyPolicy leaf stands for each acceptable policy not already on a branch of its own.
        var leaves = _levels[n];
        if (Find(leaves, AnyPolicy) is { } anyLeaf)
        {
            foreach (var policy in user)
            {
                if (!nodeSet.Exists(node => node.Policy == policy))
                {
                    var node = new Node(policy, [policy], n);
                    node.Parents.AddRange(anyLeaf.Parents);
                    leaves.Add(node);
                }
            }

            leaves.Remove(anyLeaf);
        }

        // (4) prune.
        return PruneChildless(n - 1);
    }

    // The trust-anchor-domain policy of each branch reaching depth n (see PolicyOutcome), sorted for stable output.
    private List<string> Origins(int n)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var memo = new Dictionary<Node, HashSet<string>>();
        foreach (var leaf in _levels[n])
        {
            result.UnionWith(OriginsOf(leaf, memo));
        }

        return [.. result];
    }

    private static HashSet<string> OriginsOf(Node node, Dictionary<Node, HashSet<string>> memo)
    {
        if (memo.TryGetValue(node, out var known))
        {
            return known;
        }

        var origins = new HashSet<string>(StringComparer.Ordinal);
        if (node.IsAny || node.Depth == 0)
        {
            origins.Add(AnyPolicy);
        }
        else
        {
            foreach (var parent in node.Parents)
            {
                if (parent.IsAny)
                {
                    origins.Add(node.Policy);
                }
                else
                {
                    origins.UnionWith(OriginsOf(parent, memo));
                }
            }
        }

        memo[node] = origins;
        return origins;
    }
}
