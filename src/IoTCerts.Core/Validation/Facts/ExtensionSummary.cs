namespace IoTCerts.Core;

internal readonly record struct BasicConstraintsFacts(bool IsCa, int? PathLength, bool Critical);

internal sealed record AuthorityKeyIdFacts(ReadOnlyMemory<byte>? KeyId, bool HasIssuerAndSerial);

internal sealed record NameConstraintsFacts(IReadOnlyList<NameValue> Permitted, IReadOnlyList<NameValue> Excluded);

/// <summary>
/// A certificate's extensions (RFC 5280 §4.2) as the path rules use them, taken from the model's typed extensions,
/// with the criticality rules of each extension's section checked once and kept as defects.
/// </summary>
internal sealed class ExtensionSummary
{
    // Extensions the validator processes or may safely ignore when critical: no initial policy set is required
    // (any-policy), and CRL locations belong to the revocation checker.
    private static readonly HashSet<string> Understood =
    [
        WellKnownOids.BasicConstraints, WellKnownOids.KeyUsage, WellKnownOids.ExtendedKeyUsage,
        WellKnownOids.SubjectKeyIdentifier, WellKnownOids.AuthorityKeyIdentifier, WellKnownOids.SubjectAltName,
        WellKnownOids.NameConstraints, WellKnownOids.CertificatePolicies, PolicyConstraintsOid, InhibitAnyPolicyOid,
        WellKnownOids.CrlDistributionPoints,
    ];

    private const string PolicyConstraintsOid = "2.5.29.36";
    private const string InhibitAnyPolicyOid = "2.5.29.54";

    private readonly Certificate _certificate;
    private NameConstraintsFacts? _nameConstraints;

    private ExtensionSummary(Certificate certificate) => _certificate = certificate;

    public BasicConstraintsFacts? BasicConstraints { get; private set; }

    /// <summary>keyUsage bits, or null when the extension is absent.</summary>
    public KeyUsage? KeyUsage => _certificate.KeyUsage;

    /// <summary>extendedKeyUsage purposes (OIDs), or null when absent; decoded by the model on first use.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsage => _certificate.ExtendedKeyUsages;

    public ReadOnlyMemory<byte>? SubjectKeyId { get; private set; }

    public AuthorityKeyIdFacts? AuthorityKeyId { get; private init; }

    /// <summary>subjectAltName entries, or null when absent; decoded by the model on first use (name checks only).</summary>
    public IReadOnlyList<GeneralName>? SubjectAltNames => HasSubjectAltNames ? _certificate.SubjectAlternativeNames : null;

    public bool HasSubjectAltNames { get; private set; }

    public bool SubjectAltNamesCritical { get; private set; }

    public NameConstraintsFacts? NameConstraints => HasNameConstraints ? _nameConstraints ??= ReadNameConstraints(_certificate.NameConstraints!) : null;

    public bool HasNameConstraints { get; private set; }

    public bool NameConstraintsCritical { get; private set; }

    /// <summary>Critical extensions this validator does not process (RFC 5280 §4.2: such a certificate MUST be rejected).</summary>
    public List<string>? UnknownCritical { get; private set; }

    private static readonly byte[] EmptySequence = [0x30, 0x00];

    // One pass over the extensions (no per-OID lookups): criticality rules, unknown critical extensions, and the
    // emptiness rules checked on the raw value, so lists are decoded only when a rule needs their entries.
    public static ExtensionSummary Read(Certificate certificate, List<CertificateDefect> defects)
    {
        var aki = certificate.AuthorityKeyIdentifier;
        var summary = new ExtensionSummary(certificate)
        {
            BasicConstraints = certificate.BasicConstraints is { } bc ? new BasicConstraintsFacts(bc.IsCertificateAuthority, bc.PathLengthConstraint, false) : null,
            AuthorityKeyId = aki is null ? null : new AuthorityKeyIdFacts(aki.KeyIdentifier, aki.AuthorityCertIssuer.Count > 0 || aki.AuthorityCertSerialNumber is not null),
        };

        var extensions = certificate.Extensions;
        for (var i = 0; i < extensions.Count; i++)
        {
            var extension = extensions[i];
            switch (extension.Oid)
            {
                case WellKnownOids.BasicConstraints:
                    summary.BasicConstraints = summary.BasicConstraints is { } value ? value with { Critical = extension.Critical } : null;
                    break;
                case WellKnownOids.SubjectKeyIdentifier:
                    // The model's SubjectKeyIdentifier is only trusted when the extension is present (see the report's wishes).
                    summary.SubjectKeyId = certificate.SubjectKeyIdentifier;
                    NonCritical(extension, "subjectKeyIdentifier", "§4.2.1.2", defects);
                    break;
                case WellKnownOids.AuthorityKeyIdentifier:
                    NonCritical(extension, "authorityKeyIdentifier", "§4.2.1.1", defects);
                    break;
                case WellKnownOids.AuthorityInfoAccess:
                    NonCritical(extension, "authorityInfoAccess", "§4.2.2.1", defects);
                    break;
                case PolicyConstraintsOid when !extension.Critical:
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the policyConstraints extension is not critical; RFC 5280 §4.2.1.11 requires it critical"));
                    break;
                case WellKnownOids.SubjectAltName:
                    summary.HasSubjectAltNames = true;
                    summary.SubjectAltNamesCritical = extension.Critical;
                    if (extension.Value.Span.SequenceEqual(EmptySequence))
                    {
                        defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the subjectAltName extension is empty (RFC 5280 §4.2.1.6)"));
                    }

                    break;
                case WellKnownOids.ExtendedKeyUsage when extension.Value.Span.SequenceEqual(EmptySequence):
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the extendedKeyUsage extension is empty (RFC 5280 §4.2.1.12: SIZE (1..MAX))"));
                    break;
                case WellKnownOids.NameConstraints:
                    summary.HasNameConstraints = true;
                    summary.NameConstraintsCritical = extension.Critical;
                    break;
            }

            if (extension.Critical && !Understood.Contains(extension.Oid))
            {
                (summary.UnknownCritical ??= []).Add(extension.Oid);
            }
        }

        if (summary.HasNameConstraints)
        {
            CheckNameConstraints(certificate.NameConstraints!, defects);
        }

        if (summary.KeyUsage == Core.KeyUsage.None)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the keyUsage extension has no bit set (RFC 5280 §4.2.1.3)"));
        }

        return summary;
    }

    // RFC 5280: AKI §4.2.1.1, SKI §4.2.1.2 and AIA §4.2.2.1 MUST be non-critical.
    private static void NonCritical(CertificateExtension extension, string name, string section, List<CertificateDefect> defects)
    {
        if (extension.Critical)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, $"the {name} extension is critical; RFC 5280 {section} requires it non-critical"));
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
