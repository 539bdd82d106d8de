using System.Formats.Asn1;

namespace IoTCerts.Core;

internal sealed record BasicConstraintsFacts(bool IsCa, int? PathLength, bool Critical);

internal sealed record AuthorityKeyIdFacts(ReadOnlyMemory<byte>? KeyId, bool HasIssuerAndSerial);

internal sealed record NameConstraintsFacts(IReadOnlyList<GeneralName> Permitted, IReadOnlyList<GeneralName> Excluded, bool HasPermitted);

/// <summary>
/// The extensions of one certificate (RFC 5280 §4.2), decoded into what path validation uses.
/// Problems become defects of the certificate instead of exceptions.
/// </summary>
internal sealed class ExtensionFacts
{
    public const string BasicConstraintsOid = "2.5.29.19";
    public const string KeyUsageOid = "2.5.29.15";
    public const string ExtendedKeyUsageOid = "2.5.29.37";
    public const string SubjectKeyIdOid = "2.5.29.14";
    public const string AuthorityKeyIdOid = "2.5.29.35";
    public const string SubjectAltNameOid = "2.5.29.17";
    public const string NameConstraintsOid = "2.5.29.30";
    public const string AuthorityInfoAccessOid = "1.3.6.1.5.5.7.1.1";
    public const string CertificatePoliciesOid = "2.5.29.32";
    public const string PolicyConstraintsOid = "2.5.29.36";
    public const string InhibitAnyPolicyOid = "2.5.29.54";
    public const string CrlDistributionPointsOid = "2.5.29.31";

    // keyUsage bits as named in RFC 5280 §4.2.1.3 (bit 0 is the most significant bit of the first byte).
    public const int DigitalSignature = 1 << 0;
    public const int KeyCertSign = 1 << 5;
    public const int CrlSign = 1 << 6;

    public static readonly ExtensionFacts Empty = new();

    public BasicConstraintsFacts? BasicConstraints { get; private set; }

    /// <summary>keyUsage bits (bit n of RFC 5280 §4.2.1.3 = 1 &lt;&lt; n), or null when the extension is absent.</summary>
    public int? KeyUsage { get; private set; }

    /// <summary>extendedKeyUsage purposes (OIDs), or null when absent.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsage { get; private set; }

    public bool ExtendedKeyUsageCritical { get; private set; }

    public ReadOnlyMemory<byte>? SubjectKeyId { get; private set; }

    public AuthorityKeyIdFacts? AuthorityKeyId { get; private set; }

    public IReadOnlyList<GeneralName>? SubjectAltNames { get; private set; }

    public bool SubjectAltNamesCritical { get; private set; }

    public NameConstraintsFacts? NameConstraints { get; private set; }

    public bool NameConstraintsCritical { get; private set; }

    /// <summary>Critical extensions this validator does not process (RFC 5280 §4.2: such a certificate MUST be rejected).</summary>
    public List<string> UnknownCritical { get; } = [];

    public static ExtensionFacts Read(AsnReader extensions, List<CertificateDefect> defects)
    {
        var facts = new ExtensionFacts();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (!extensions.HasData)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the extensions field is present but empty (RFC 5280 §4.1: SIZE (1..MAX))"));
        }

        while (extensions.HasData)
        {
            var ext = extensions.ReadSequence();
            var oid = ext.ReadObjectIdentifier();
            var critical = false;
            if (ext.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                critical = ext.ReadBoolean();
                if (!critical)
                {
                    // DER: DEFAULT FALSE must be omitted.
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, $"extension {oid} encodes critical=FALSE explicitly, which DER forbids"));
                }
            }

            var value = ext.ReadOctetString();
            if (ext.HasData)
            {
                throw new AsnContentException("extension has trailing data");
            }

            if (!seen.Add(oid))
            {
                // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of a particular extension.
                defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, $"extension {ExtensionName(oid)} appears more than once (RFC 5280 §4.2)"));
                continue;
            }

            try
            {
                facts.ReadOne(oid, critical, value, defects);
            }
            catch (AsnContentException)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, $"the {ExtensionName(oid)} extension is malformed"));
            }
        }

        return facts;
    }

    private void ReadOne(string oid, bool critical, byte[] value, List<CertificateDefect> defects)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER);
        switch (oid)
        {
            case BasicConstraintsOid:
            {
                var seq = reader.ReadSequence();
                var isCa = seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && seq.ReadBoolean();
                int? pathLen = null;
                if (seq.HasData)
                {
                    var n = seq.ReadInteger();
                    pathLen = n < 0 ? throw new AsnContentException("negative pathLenConstraint") : n > 255 ? 255 : (int)n;
                }

                Done(seq);
                BasicConstraints = new BasicConstraintsFacts(isCa, pathLen, critical);
                break;
            }

            case KeyUsageOid:
            {
                var bits = reader.ReadNamedBitList();
                var mask = 0;
                for (var i = 0; i < Math.Min(bits.Length, 9); i++)
                {
                    mask |= bits[i] ? 1 << i : 0;
                }

                if (mask == 0)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the keyUsage extension has no bit set (RFC 5280 §4.2.1.3)"));
                }

                KeyUsage = mask;
                break;
            }

            case ExtendedKeyUsageOid:
            {
                var seq = reader.ReadSequence();
                var list = new List<string>();
                while (seq.HasData)
                {
                    list.Add(seq.ReadObjectIdentifier());
                }

                if (list.Count == 0)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the extendedKeyUsage extension is empty (RFC 5280 §4.2.1.12: SIZE (1..MAX))"));
                }

                ExtendedKeyUsage = list;
                ExtendedKeyUsageCritical = critical;
                break;
            }

            case SubjectKeyIdOid:
                SubjectKeyId = reader.ReadOctetString();
                if (critical)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the subjectKeyIdentifier extension is critical; RFC 5280 §4.2.1.2 requires it non-critical"));
                }

                break;

            case AuthorityKeyIdOid:
            {
                var seq = reader.ReadSequence();
                ReadOnlyMemory<byte>? keyId = null;
                var issuerOrSerial = false;
                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    keyId = seq.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
                }

                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                {
                    seq.ReadEncodedValue();
                    issuerOrSerial = true;
                }

                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
                {
                    seq.ReadIntegerBytes(new Asn1Tag(TagClass.ContextSpecific, 2));
                    issuerOrSerial = true;
                }

                Done(seq);
                AuthorityKeyId = new AuthorityKeyIdFacts(keyId, issuerOrSerial);
                if (critical)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the authorityKeyIdentifier extension is critical; RFC 5280 §4.2.1.1 requires it non-critical"));
                }

                break;
            }

            case SubjectAltNameOid:
            {
                var seq = reader.ReadSequence();
                var names = new List<GeneralName>();
                while (seq.HasData)
                {
                    names.Add(GeneralName.Read(seq));
                }

                if (names.Count == 0)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the subjectAltName extension is empty (RFC 5280 §4.2.1.6)"));
                }

                SubjectAltNames = names;
                SubjectAltNamesCritical = critical;
                break;
            }

            case NameConstraintsOid:
                NameConstraints = ReadNameConstraints(reader, defects);
                NameConstraintsCritical = critical;
                break;

            case AuthorityInfoAccessOid:
            {
                // RFC 5280 §4.2.2.1: SEQUENCE SIZE (1..MAX) OF AccessDescription, non-critical.
                var seq = reader.ReadSequence();
                if (!seq.HasData)
                {
                    throw new AsnContentException("empty authorityInfoAccess");
                }

                while (seq.HasData)
                {
                    var description = seq.ReadSequence();
                    description.ReadObjectIdentifier();
                    GeneralName.Read(description);
                    Done(description);
                }

                if (critical)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the authorityInfoAccess extension is critical; RFC 5280 §4.2.2.1 requires it non-critical"));
                }

                break;
            }

            case PolicyConstraintsOid:
                reader.ReadSequence();
                if (!critical)
                {
                    defects.Add(new CertificateDefect(ChainStatus.InvalidExtension, "the policyConstraints extension is not critical; RFC 5280 §4.2.1.11 requires it critical"));
                }

                break;

            case CertificatePoliciesOid:
            case InhibitAnyPolicyOid:
            case CrlDistributionPointsOid:
                // Understood: no initial policy set is required (any-policy), and CRL locations are the revocation checker's.
                reader.ReadEncodedValue();
                break;

            default:
                if (critical)
                {
                    UnknownCritical.Add(oid);
                }

                return;
        }

        Done(reader);
    }

    // RFC 5280 §4.2.1.10: at least one of permittedSubtrees/excludedSubtrees, each SIZE (1..MAX);
    // minimum MUST be zero and maximum MUST be absent.
    private static NameConstraintsFacts ReadNameConstraints(AsnReader reader, List<CertificateDefect> defects)
    {
        var seq = reader.ReadSequence();
        List<GeneralName>? permitted = null;
        List<GeneralName>? excluded = null;
        var permittedTag = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        var excludedTag = new Asn1Tag(TagClass.ContextSpecific, 1, true);
        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(permittedTag))
        {
            permitted = ReadSubtrees(seq.ReadSequence(permittedTag), defects);
        }

        if (seq.HasData && seq.PeekTag().HasSameClassAndValue(excludedTag))
        {
            excluded = ReadSubtrees(seq.ReadSequence(excludedTag), defects);
        }

        Done(seq);
        if (permitted is null && excluded is null)
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, "the nameConstraints extension has neither permitted nor excluded subtrees (RFC 5280 §4.2.1.10)"));
        }
        else if (permitted is { Count: 0 } || excluded is { Count: 0 })
        {
            defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, "the nameConstraints extension has an empty list of subtrees (RFC 5280 §4.2.1.10)"));
        }

        return new NameConstraintsFacts(permitted ?? [], excluded ?? [], permitted is not null);
    }

    private static List<GeneralName> ReadSubtrees(AsnReader subtrees, List<CertificateDefect> defects)
    {
        var list = new List<GeneralName>();
        while (subtrees.HasData)
        {
            var subtree = subtrees.ReadSequence();
            var name = GeneralName.Read(subtree);
            if (subtree.HasData)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, "a name-constraint subtree sets minimum or maximum, which RFC 5280 §4.2.1.10 forbids"));
                subtree.ReadEncodedValue();
            }

            var problem = NameSyntax.SubtreeProblem(name);
            if (problem is not null)
            {
                defects.Add(new CertificateDefect(ChainStatus.InvalidNameConstraints, $"the name constraint {name} is invalid: {problem}"));
            }

            list.Add(name);
        }

        return list;
    }

    private static void Done(AsnReader reader)
    {
        if (reader.HasData)
        {
            throw new AsnContentException("trailing data in extension");
        }
    }

    public static string ExtensionName(string oid) => oid switch
    {
        BasicConstraintsOid => "basicConstraints",
        KeyUsageOid => "keyUsage",
        ExtendedKeyUsageOid => "extendedKeyUsage",
        SubjectKeyIdOid => "subjectKeyIdentifier",
        AuthorityKeyIdOid => "authorityKeyIdentifier",
        SubjectAltNameOid => "subjectAltName",
        NameConstraintsOid => "nameConstraints",
        AuthorityInfoAccessOid => "authorityInfoAccess",
        CertificatePoliciesOid => "certificatePolicies",
        PolicyConstraintsOid => "policyConstraints",
        CrlDistributionPointsOid => "cRLDistributionPoints",
        _ => oid,
    };
}
