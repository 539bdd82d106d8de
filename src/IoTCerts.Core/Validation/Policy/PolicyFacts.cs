using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>One policyMappings entry (RFC 5280 §4.2.1.5): issuerDomainPolicy maps to subjectDomainPolicy.</summary>
internal readonly record struct PolicyMapping(string IssuerDomainPolicy, string SubjectDomainPolicy);

/// <summary>
/// The four policy extensions of one certificate as RFC 5280 §6.1.3 (d)–(f), §6.1.4 (a)–(b), (h)–(j) and §6.1.5
/// (a)–(b) read them: certificatePolicies (§4.2.1.4), policyMappings (§4.2.1.5), policyConstraints (§4.2.1.11) and
/// inhibitAnyPolicy (§4.2.1.14). Decoded only for certificates that carry one of them (chains without policies never
/// reach here), and kept with the certificate's facts.
/// </summary>
internal sealed class PolicyFacts
{
    public static readonly PolicyFacts None = new();

    private PolicyFacts()
    {
    }

    /// <summary>The policy OIDs of certificatePolicies other than anyPolicy, or null when the extension is absent.</summary>
    public string[]? Policies { get; private init; }

    /// <summary>True when certificatePolicies lists anyPolicy.</summary>
    public bool AssertsAnyPolicy { get; private init; }

    public PolicyMapping[]? Mappings { get; private init; }

    public int? RequireExplicitPolicy { get; private init; }

    public int? InhibitPolicyMapping { get; private init; }

    public int? InhibitAnyPolicy { get; private init; }

    /// <summary>True when policyConstraints is present (even empty, which conforming CAs must not issue).</summary>
    public bool HasPolicyConstraints { get; private init; }

    /// <summary>A malformed policy extension (the certificate cannot be processed), or null.</summary>
    public string? Defect { get; private init; }

    public static PolicyFacts Read(Certificate certificate)
    {
        string[]? policies = null;
        var anyPolicy = false;
        var mappings = (PolicyMapping[]?)null;
        int? requireExplicit = null, inhibitMapping = null, inhibitAny = null;
        var hasConstraints = false;
        var extensions = certificate.ExtensionEntries;
        try
        {
            for (var i = 0; i < extensions.Count; i++)
            {
                switch (extensions.KnownOidAt(i))
                {
                    case WellKnownOids.CertificatePolicies:
                        (policies, anyPolicy) = ReadPolicies(extensions.ValueAt(i));
                        break;
                    case WellKnownOids.PolicyMappings:
                        mappings = ReadMappings(extensions.ValueAt(i));
                        break;
                    case WellKnownOids.PolicyConstraints:
                        hasConstraints = true;
                        (requireExplicit, inhibitMapping) = ReadConstraints(extensions.ValueAt(i));
                        break;
                    case WellKnownOids.InhibitAnyPolicy:
                        var walker = new DerWalker(extensions.ValueAt(i), 0, extensions.ValueAt(i).Length);
                        inhibitAny = ReadSkipCerts(ref walker, "the inhibitAnyPolicy extension", null);
                        walker.ExpectEnd("the inhibitAnyPolicy extension");
                        break;
                }
            }
        }
        catch (Exception e) when (e is MaterialException or AsnContentException)
        {
            return new PolicyFacts { Defect = e.Message };
        }

        return new PolicyFacts
        {
            Policies = policies,
            AssertsAnyPolicy = anyPolicy,
            Mappings = mappings,
            RequireExplicitPolicy = requireExplicit,
            InhibitPolicyMapping = inhibitMapping,
            InhibitAnyPolicy = inhibitAny,
            HasPolicyConstraints = hasConstraints,
        };
    }

    private static (string[] Policies, bool AnyPolicy) ReadPolicies(ReadOnlySpan<byte> value)
    {
        const string What = "the certificatePolicies extension";
        var outer = new DerWalker(value, 0, value.Length);
        var list = outer.ReadSequence(What);
        var policies = new List<string>();
        var any = false;
        while (list.HasData)
        {
            var info = list.ReadSequence(What);
            var oid = WellKnownOids.Decode(info.Slice(info.ReadOid(What)));
            if (oid == CertificatePolicy.AnyPolicy)
            {
                any = true;
            }
            else if (!policies.Contains(oid))
            {
                // §4.2.1.4: a policy OID appears at most once; a repeat adds nothing to the tree.
                policies.Add(oid);
            }
        }

        return ([.. policies], any);
    }

    private static PolicyMapping[] ReadMappings(ReadOnlySpan<byte> value)
    {
        const string What = "the policyMappings extension";
        var outer = new DerWalker(value, 0, value.Length);
        var list = outer.ReadSequence(What);
        var mappings = new List<PolicyMapping>();
        while (list.HasData)
        {
            var pair = list.ReadSequence(What);
            var issuerDomain = WellKnownOids.Decode(pair.Slice(pair.ReadOid(What)));
            var subjectDomain = WellKnownOids.Decode(pair.Slice(pair.ReadOid(What)));
            pair.ExpectEnd(What);
            mappings.Add(new PolicyMapping(issuerDomain, subjectDomain));
        }

        // §4.2.1.5: PolicyMappings ::= SEQUENCE SIZE (1..MAX).
        return mappings.Count > 0 ? [.. mappings] : throw DerWalker.Malformed("the policyMappings extension is empty (RFC 5280 §4.2.1.5: SIZE (1..MAX))");
    }

    private static (int? RequireExplicit, int? InhibitMapping) ReadConstraints(ReadOnlySpan<byte> value)
    {
        const string What = "the policyConstraints extension";
        var outer = new DerWalker(value, 0, value.Length);
        var sequence = outer.ReadSequence(What);
        int? require = null, inhibit = null;
        if (sequence.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            require = ReadSkipCerts(ref sequence, What, new Asn1Tag(TagClass.ContextSpecific, 0));
        }

        if (sequence.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            inhibit = ReadSkipCerts(ref sequence, What, new Asn1Tag(TagClass.ContextSpecific, 1));
        }

        sequence.ExpectEnd(What);
        outer.ExpectEnd(What);
        return (require, inhibit);
    }

    // SkipCerts ::= INTEGER (0..MAX); a count beyond int.MaxValue can never be reached by a chain, so it is capped.
    private static int ReadSkipCerts(ref DerWalker walker, string what, Asn1Tag? tag)
    {
        var content = walker.Slice(walker.ReadInteger(what, tag));
        if ((content[0] & 0x80) != 0)
        {
            throw DerWalker.Malformed($"{what} holds a negative SkipCerts (RFC 5280 §4.2.1.11: INTEGER (0..MAX))");
        }

        var trimmed = content[0] == 0 && content.Length > 1 ? content[1..] : content;
        if (trimmed.Length > 4)
        {
            return int.MaxValue;
        }

        long number = 0;
        foreach (var b in trimmed)
        {
            number = (number << 8) | b;
        }

        return (int)Math.Min(number, int.MaxValue);
    }
}
