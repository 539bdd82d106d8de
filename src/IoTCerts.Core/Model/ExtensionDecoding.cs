using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// Decodes the values of known extensions into the public types. Only called on values that
/// <see cref="ExtensionValidation"/> accepted at parse time, so these decoders do not fail.
/// </summary>
internal static class ExtensionDecoding
{
    private static readonly Asn1Tag s_context0 = new(TagClass.ContextSpecific, 0);
    private static readonly Asn1Tag s_context0Constructed = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag s_context1 = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag s_context1Constructed = new(TagClass.ContextSpecific, 1, true);
    private static readonly Asn1Tag s_context2 = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag s_context2Constructed = new(TagClass.ContextSpecific, 2, true);

    public static IReadOnlyList<string> ExtendedKeyUsages(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var oids = new List<string>();
        while (reader.HasData)
        {
            oids.Add(ReadOid(reader));
        }

        return oids;
    }

    public static IReadOnlyList<GeneralName> GeneralNames(ReadOnlyMemory<byte> value) =>
        GeneralName.DecodeNames(new AsnReader(value, AsnEncodingRules.DER).ReadSequence());

    public static AuthorityKeyIdentifier AuthorityKeyIdentifier(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        ReadOnlyMemory<byte>? keyId = null;
        ReadOnlyMemory<byte>? serial = null;
        IReadOnlyList<GeneralName> issuer = [];
        if (reader.HasData && reader.PeekTag() == s_context0)
        {
            keyId = DerEnvelope.ContentOf(reader.ReadEncodedValue());
        }

        if (reader.HasData && reader.PeekTag() == s_context1Constructed)
        {
            issuer = GeneralName.DecodeNames(reader.ReadSequence(s_context1Constructed));
        }

        if (reader.HasData && reader.PeekTag() == s_context2)
        {
            serial = DerEnvelope.ContentOf(reader.ReadEncodedValue());
        }

        return new AuthorityKeyIdentifier(keyId, issuer, serial);
    }

    public static IReadOnlyList<DistributionPoint> DistributionPoints(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var points = new List<DistributionPoint>();
        while (reader.HasData)
        {
            var point = reader.ReadSequence();
            IReadOnlyList<GeneralName> fullName = [];
            ReadOnlyMemory<byte>? relative = null;
            RevocationReasons? reasons = null;
            IReadOnlyList<GeneralName> crlIssuer = [];
            if (point.HasData && point.PeekTag() == s_context0Constructed)
            {
                (fullName, relative) = DistributionPointName(point.ReadSequence(s_context0Constructed));
            }

            if (point.HasData && point.PeekTag() == s_context1)
            {
                reasons = (RevocationReasons)Bits(point.ReadEncodedValue(), s_context1);
            }

            if (point.HasData && point.PeekTag() == s_context2Constructed)
            {
                crlIssuer = GeneralName.DecodeNames(point.ReadSequence(s_context2Constructed));
            }

            points.Add(new DistributionPoint(fullName, relative, reasons, crlIssuer));
        }

        return points;
    }

    public static (IReadOnlyList<GeneralName> FullName, ReadOnlyMemory<byte>? Relative) DistributionPointName(AsnReader name)
    {
        if (name.PeekTag() == s_context0Constructed)
        {
            return (GeneralName.DecodeNames(name.ReadSequence(s_context0Constructed)), null);
        }

        return ([], name.ReadEncodedValue());
    }

    public static IReadOnlyList<AccessDescription> AccessDescriptions(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var list = new List<AccessDescription>();
        while (reader.HasData)
        {
            var description = reader.ReadSequence();
            var method = ReadOid(description);
            list.Add(new AccessDescription(method, GeneralName.Decode(description.ReadEncodedValue())));
        }

        return list;
    }

    public static NameConstraints NameConstraints(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        IReadOnlyList<GeneralSubtree> permitted = [];
        IReadOnlyList<GeneralSubtree> excluded = [];
        if (reader.HasData && reader.PeekTag() == s_context0Constructed)
        {
            permitted = Subtrees(reader.ReadSequence(s_context0Constructed));
        }

        if (reader.HasData && reader.PeekTag() == s_context1Constructed)
        {
            excluded = Subtrees(reader.ReadSequence(s_context1Constructed));
        }

        return new NameConstraints(permitted, excluded);
    }

    public static IReadOnlyList<CertificatePolicy> CertificatePolicies(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var policies = new List<CertificatePolicy>();
        while (reader.HasData)
        {
            var policy = reader.ReadSequence();
            var oid = ReadOid(policy);
            var qualifiers = new List<PolicyQualifier>();
            if (policy.HasData)
            {
                var sequence = policy.ReadSequence();
                while (sequence.HasData)
                {
                    var qualifier = sequence.ReadSequence();
                    var qualifierOid = ReadOid(qualifier);
                    var raw = qualifier.ReadEncodedValue();
                    string? cps = null;
                    if (qualifierOid == WellKnownOids.CpsQualifier && Asn1Tag.Decode(raw.Span, out _) == new Asn1Tag(UniversalTagNumber.IA5String))
                    {
                        cps = Encoding.ASCII.GetString(DerEnvelope.ContentOf(raw).Span);
                    }

                    qualifiers.Add(new PolicyQualifier(qualifierOid, raw, cps));
                }
            }

            policies.Add(new CertificatePolicy(oid, qualifiers));
        }

        return policies;
    }

    public static int Bits(ReadOnlyMemory<byte> encoded, Asn1Tag? tag = null)
    {
        var walker = new DerWalker(encoded.Span, 0, encoded.Length);
        return ExtensionValidation.ReadBits(ref walker, "a bit string", tag);
    }

    public static string ReadOid(AsnReader reader) => WellKnownOids.Decode(DerEnvelope.ContentOf(reader.ReadEncodedValue()).Span);

    private static IReadOnlyList<GeneralSubtree> Subtrees(AsnReader reader)
    {
        var list = new List<GeneralSubtree>();
        while (reader.HasData)
        {
            var subtree = reader.ReadSequence();
            var name = GeneralName.Decode(subtree.ReadEncodedValue());
            var minimum = 0;
            int? maximum = null;
            if (subtree.HasData && subtree.PeekTag() == s_context0)
            {
                subtree.TryReadInt32(out minimum, s_context0);
            }

            if (subtree.HasData && subtree.PeekTag() == s_context1)
            {
                subtree.TryReadInt32(out var max, s_context1);
                maximum = max;
            }

            list.Add(new GeneralSubtree(name, minimum, maximum));
        }

        return list;
    }
}
