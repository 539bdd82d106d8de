namespace IoTCerts.Core;

internal readonly record struct BasicConstraintsFacts(bool IsCa, int? PathLength, bool Critical);

internal readonly record struct AuthorityKeyIdFacts(ReadOnlyMemory<byte>? KeyId, bool HasIssuerAndSerial);

internal sealed record NameConstraintsFacts(IReadOnlyList<NameValue> Permitted, IReadOnlyList<NameValue> Excluded);

/// <summary>
/// A certificate's extensions (RFC 5280 §4.2) as the path rules use them, read from what the model recorded while
/// validating the extensions (offsets, flags), with the criticality rules of each extension's section checked once
/// and kept as defects. Nothing is decoded to objects or text on the way: an end entity is read once per validation.
/// </summary>
internal sealed class ExtensionSummary
{
    // Extensions the validator processes (the four policy extensions by RFC 5280 §6.1 policy processing) or may
    // safely ignore when critical (CRL locations belong to the revocation checker).
    private static readonly HashSet<string> Understood =
    [
        WellKnownOids.BasicConstraints, WellKnownOids.KeyUsage, WellKnownOids.ExtendedKeyUsage,
        WellKnownOids.SubjectKeyIdentifier, WellKnownOids.AuthorityKeyIdentifier, WellKnownOids.SubjectAltName,
        WellKnownOids.NameConstraints, WellKnownOids.CertificatePolicies, WellKnownOids.PolicyMappings,
        WellKnownOids.PolicyConstraints, WellKnownOids.InhibitAnyPolicy, WellKnownOids.CrlDistributionPoints,
    ];

    private readonly Certificate _certificate;
    private NameConstraintsFacts? _nameConstraints;

    private ExtensionSummary(Certificate certificate) => _certificate = certificate;

    public BasicConstraintsFacts? BasicConstraints { get; private set; }

    /// <summary>keyUsage bits, or null when the extension is absent.</summary>
    public KeyUsage? KeyUsage => _certificate.KeyUsage;

    /// <summary>True when the certificate has an extendedKeyUsage extension.</summary>
    public bool HasExtendedKeyUsage => _certificate.KnownExtensionFacts.HasExtendedKeyUsage;

    /// <summary>The extendedKeyUsage value (a DER SEQUENCE OF OBJECT IDENTIFIER), empty when absent.</summary>
    public ReadOnlySpan<byte> ExtendedKeyUsageValue =>
        HasExtendedKeyUsage ? _certificate.RawData.Span[_certificate.KnownExtensionFacts.ExtendedKeyUsage] : default;

    public ReadOnlyMemory<byte>? SubjectKeyId { get; private set; }

    public AuthorityKeyIdFacts? AuthorityKeyId { get; private init; }

    /// <summary>subjectAltName entries, or null when absent; decoded by the model on first use (name checks only).</summary>
    public IReadOnlyList<GeneralName>? SubjectAltNames => HasSubjectAltNames ? _certificate.SubjectAlternativeNames : null;

    public bool HasSubjectAltNames { get; private set; }

    public bool SubjectAltNamesCritical { get; private set; }

    public NameConstraintsFacts? NameConstraints => HasNameConstraints ? _nameConstraints ??= ReadNameConstraints(_certificate.NameConstraints!) : null;

    public bool HasNameConstraints { get; private set; }

    public bool NameConstraintsCritical { get; private set; }

    /// <summary>True when certificatePolicies, policyMappings, policyConstraints or inhibitAnyPolicy is present (RFC 5280 §6.1 policy processing reads them).</summary>
    public bool HasPolicyExtensions { get; private set; }

    /// <summary>policyMappings present but not critical (§4.2.1.5: SHOULD be critical; the strict rule set refuses it).</summary>
    public bool NonCriticalPolicyMappings { get; private set; }

    /// <summary>policyConstraints present but not critical (§4.2.1.11: conforming CAs MUST mark it critical; the §6.1 algorithm accepts it).</summary>
    public bool NonCriticalPolicyConstraints { get; private set; }

    /// <summary>inhibitAnyPolicy present but not critical (§4.2.1.14: conforming CAs MUST mark it critical; the §6.1 algorithm accepts it).</summary>
    public bool NonCriticalInhibitAnyPolicy { get; private set; }

    /// <summary>Critical extensions this validator does not process (RFC 5280 §4.2: such a certificate MUST be rejected).</summary>
    public List<string>? UnknownCritical { get; private set; }

    private static readonly byte[] EmptySequence = [0x30, 0x00];

    // One pass over the extensions (no per-OID lookups): criticality rules, unknown critical extensions, and the
    // emptiness rules checked on the raw value, so lists are decoded only when a rule needs their entries.
    public static ExtensionSummary Read(Certificate certificate, ref List<CertificateDefect>? defects)
    {
        ref readonly var known = ref certificate.KnownExtensionFacts;
        var summary = new ExtensionSummary(certificate)
        {
            BasicConstraints = certificate.BasicConstraints is { } bc ? new BasicConstraintsFacts(bc.IsCertificateAuthority, bc.PathLengthConstraint, false) : null,
            AuthorityKeyId = known.HasAuthorityKeyIdentifier
                ? new AuthorityKeyIdFacts(known.HasAuthorityKeyId ? certificate.RawData[known.AuthorityKeyId] : (ReadOnlyMemory<byte>?)null, known.AuthorityKeyIdNamesIssuerOrSerial)
                : null,
        };

        // Known OIDs are shared strings (reference-equal constants); an unknown OID is decoded only when critical.
        var extensions = certificate.ExtensionEntries;
        for (var i = 0; i < extensions.Count; i++)
        {
            var oid = extensions.KnownOidAt(i);
            var critical = extensions.IsCriticalAt(i);
            switch (oid)
            {
                case WellKnownOids.BasicConstraints:
                    summary.BasicConstraints = summary.BasicConstraints is { } value ? value with { Critical = critical } : null;
                    break;
                case WellKnownOids.SubjectKeyIdentifier:
                    // The model's SubjectKeyIdentifier is only trusted when the extension is present (see the report's wishes).
                    summary.SubjectKeyId = certificate.SubjectKeyIdentifier;
                    NonCritical(critical, "subjectKeyIdentifier", "§4.2.1.2", ref defects);
                    break;
                case WellKnownOids.AuthorityKeyIdentifier:
                    NonCritical(critical, "authorityKeyIdentifier", "§4.2.1.1", ref defects);
                    break;
                case WellKnownOids.AuthorityInfoAccess:
                    NonCritical(critical, "authorityInfoAccess", "§4.2.2.1", ref defects);
                    break;
                case WellKnownOids.CertificatePolicies:
                    summary.HasPolicyExtensions = true;
                    break;
                case WellKnownOids.PolicyMappings:
                    summary.HasPolicyExtensions = true;
                    summary.NonCriticalPolicyMappings = !critical;
                    break;
                case WellKnownOids.PolicyConstraints:
                    summary.HasPolicyExtensions = true;
                    summary.NonCriticalPolicyConstraints = !critical;
                    break;
                case WellKnownOids.InhibitAnyPolicy:
                    summary.HasPolicyExtensions = true;
                    summary.NonCriticalInhibitAnyPolicy = !critical;
                    break;
                case WellKnownOids.SubjectAltName:
                    summary.HasSubjectAltNames = true;
                    summary.SubjectAltNamesCritical = critical;
                    if (extensions.ValueAt(i).SequenceEqual(EmptySequence))
                    {
                        Add(ref defects, new CertificateDefect(ChainStatus.InvalidExtension, "the subjectAltName extension is empty (RFC 5280 §4.2.1.6)"));
                    }

                    break;
                case WellKnownOids.ExtendedKeyUsage when extensions.ValueAt(i).SequenceEqual(EmptySequence):
                    Add(ref defects, new CertificateDefect(ChainStatus.InvalidExtension, "the extendedKeyUsage extension is empty (RFC 5280 §4.2.1.12: SIZE (1..MAX))"));
                    break;
                case WellKnownOids.NameConstraints:
                    summary.HasNameConstraints = true;
                    summary.NameConstraintsCritical = critical;
                    break;
            }

            if (critical && (oid is null || !Understood.Contains(oid)))
            {
                (summary.UnknownCritical ??= []).Add(extensions.OidAt(i));
            }
        }

        if (summary.HasNameConstraints)
        {
            var nameConstraintDefects = new List<CertificateDefect>();
            CheckNameConstraints(certificate.NameConstraints!, nameConstraintDefects);
            foreach (var defect in nameConstraintDefects)
            {
                Add(ref defects, defect);
            }
        }

        if (summary.KeyUsage == Core.KeyUsage.None)
        {
            Add(ref defects, new CertificateDefect(ChainStatus.InvalidExtension, "the keyUsage extension has no bit set (RFC 5280 §4.2.1.3)"));
        }

        return summary;
    }

    private static void Add(ref List<CertificateDefect>? defects, CertificateDefect defect) => (defects ??= []).Add(defect);

    // RFC 5280: AKI §4.2.1.1, SKI §4.2.1.2 and AIA §4.2.2.1 MUST be non-critical.
    private static void NonCritical(bool critical, string name, string section, ref List<CertificateDefect>? defects)
    {
        if (critical)
        {
            Add(ref defects, new CertificateDefect(ChainStatus.InvalidExtension, $"the {name} extension is critical; RFC 5280 {section} requires it non-critical"));
        }
    }

    private static NameConstraintsFacts ReadNameConstraints(NameConstraints nc) =>
        new([.. nc.PermittedSubtrees.Select(s => NameValue.From(s.Base))], [.. nc.ExcludedSubtrees.Select(s => NameValue.From(s.Base))]);

    // RFC 5280 §4.2.1.10: at least one list of subtrees; minimum zero and maximum absent; valid subtree bases.
    private static void CheckNameConstraints(NameConstraints nc, List<CertificateDefect> defects)
    {
        if (nc.PermittedSubtrees.Count == 0 && nc.ExcludedSubtrees.Count == 0)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, "the nameConstraints extension has neither permitted nor excluded subtrees (RFC 5280 §4.2.1.10)"));
        }

        foreach (var subtree in nc.PermittedSubtrees.Concat(nc.ExcludedSubtrees))
        {
            if (subtree.Minimum != 0 || subtree.Maximum is not null)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, "a name-constraint subtree sets minimum or maximum, which RFC 5280 §4.2.1.10 forbids"));
            }

            if (NameSyntax.SubtreeProblem(NameValue.From(subtree.Base)) is { } problem)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, $"the name constraint {subtree.Base} is invalid: {problem}"));
            }
        }
    }
}
