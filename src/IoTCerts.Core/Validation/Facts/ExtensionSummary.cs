namespace IoTCerts.Core;

internal sealed record BasicConstraintsFacts(bool IsCa, int? PathLength, bool Critical);

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

    public BasicConstraintsFacts? BasicConstraints { get; private init; }

    /// <summary>keyUsage bits, or null when the extension is absent.</summary>
    public KeyUsage? KeyUsage { get; private init; }

    /// <summary>extendedKeyUsage purposes (OIDs), or null when absent.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsage { get; private init; }

    public ReadOnlyMemory<byte>? SubjectKeyId { get; private init; }

    public AuthorityKeyIdFacts? AuthorityKeyId { get; private init; }

    public IReadOnlyList<GeneralName>? SubjectAltNames { get; private init; }

    public bool SubjectAltNamesCritical { get; private init; }

    public NameConstraintsFacts? NameConstraints { get; private init; }

    public bool NameConstraintsCritical { get; private init; }

    /// <summary>Critical extensions this validator does not process (RFC 5280 §4.2: such a certificate MUST be rejected).</summary>
    public List<string>? UnknownCritical { get; private set; }

    public static ExtensionSummary Read(Certificate certificate, List<CertificateDefect> defects)
    {
        bool Critical(string oid) => certificate.GetExtension(oid)?.Critical == true;

        var aki = certificate.AuthorityKeyIdentifier;
        var nc = certificate.NameConstraints;
        var summary = new ExtensionSummary
        {
            BasicConstraints = certificate.BasicConstraints is { } bc ? new BasicConstraintsFacts(bc.IsCertificateAuthority, bc.PathLengthConstraint, Critical(WellKnownOids.BasicConstraints)) : null,
            KeyUsage = certificate.KeyUsage,
            ExtendedKeyUsage = certificate.ExtendedKeyUsages,
            // Model wish: Certificate.SubjectKeyIdentifier returns an empty value instead of null when absent
            // (the conditional converts null through ReadOnlyMemory's array conversion); ask for the extension.
            SubjectKeyId = certificate.GetExtension(WellKnownOids.SubjectKeyIdentifier) is null ? null : certificate.SubjectKeyIdentifier,
            AuthorityKeyId = aki is null ? null : new AuthorityKeyIdFacts(aki.KeyIdentifier, aki.AuthorityCertIssuer.Count > 0 || aki.AuthorityCertSerialNumber is not null),
            SubjectAltNames = certificate.SubjectAlternativeNames,
            SubjectAltNamesCritical = Critical(WellKnownOids.SubjectAltName),
            NameConstraints = nc is null ? null : new NameConstraintsFacts([.. nc.PermittedSubtrees.Select(s => NameValue.From(s.Base))], [.. nc.ExcludedSubtrees.Select(s => NameValue.From(s.Base))]),
            NameConstraintsCritical = Critical(WellKnownOids.NameConstraints),
        };

        var extensions = certificate.Extensions;
        for (var i = 0; i < extensions.Count; i++)
        {
            if (extensions[i].Critical && !Understood.Contains(extensions[i].Oid))
            {
                (summary.UnknownCritical ??= []).Add(extensions[i].Oid);
            }
        }

        summary.CheckCriticality(certificate, defects);
        if (nc is not null)
        {
            CheckNameConstraints(nc, defects);
        }

        if (summary.ExtendedKeyUsage is { Count: 0 })
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the extendedKeyUsage extension is empty (RFC 5280 §4.2.1.12: SIZE (1..MAX))"));
        }

        if (summary.SubjectAltNames is { Count: 0 })
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the subjectAltName extension is empty (RFC 5280 §4.2.1.6)"));
        }

        if (summary.KeyUsage == Core.KeyUsage.None)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the keyUsage extension has no bit set (RFC 5280 §4.2.1.3)"));
        }

        return summary;
    }

    // RFC 5280: AKI §4.2.1.1, SKI §4.2.1.2 and AIA §4.2.2.1 MUST be non-critical; policyConstraints §4.2.1.11 MUST be critical.
    private void CheckCriticality(Certificate certificate, List<CertificateDefect> defects)
    {
        foreach (var (oid, name, section) in (ReadOnlySpan<(string, string, string)>)
            [
                (WellKnownOids.AuthorityKeyIdentifier, "authorityKeyIdentifier", "§4.2.1.1"),
                (WellKnownOids.SubjectKeyIdentifier, "subjectKeyIdentifier", "§4.2.1.2"),
                (WellKnownOids.AuthorityInfoAccess, "authorityInfoAccess", "§4.2.2.1"),
            ])
        {
            if (certificate.GetExtension(oid)?.Critical == true)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, $"the {name} extension is critical; RFC 5280 {section} requires it non-critical"));
            }
        }

        if (certificate.GetExtension(PolicyConstraintsOid) is { Critical: false })
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the policyConstraints extension is not critical; RFC 5280 §4.2.1.11 requires it critical"));
        }
    }

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
