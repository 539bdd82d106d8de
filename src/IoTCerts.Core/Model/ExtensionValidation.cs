using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// Validates the value of each known extension at parse time without allocating, so a malformed known
/// extension fails the parse (as in Go and webpki) and the lazy decoders in <see cref="ExtensionDecoding"/>
/// can then never fail.
/// </summary>
internal static class ExtensionValidation
{
    public static void Validate(string oid, ReadOnlySpan<byte> buffer, Range value, ParseLimits limits, ExtensionContext context, ref ExtensionFacts facts)
    {
        var walker = new DerWalker(buffer, value.Start.Value, value.End.Value - value.Start.Value);
        var what = WellKnownOids.Describe(oid);
        if (context == ExtensionContext.CrlEntry)
        {
            ValidateEntryExtension(oid, ref walker, limits, what, ref facts);
            walker.ExpectEnd(what);
            return;
        }

        switch (oid)
        {
            case WellKnownOids.BasicConstraints:
                var bc = walker.ReadSequence(what);
                var ca = bc.PeekIs(Asn1Tag.Boolean) && bc.ReadBoolean(what);
                int? pathLen = null;
                if (bc.HasData)
                {
                    pathLen = bc.ReadInt32(what);
                    if (pathLen < 0)
                    {
                        throw DerWalker.Malformed(what + " has a negative pathLenConstraint");
                    }
                }

                bc.ExpectEnd(what);
                facts.BasicConstraints = new BasicConstraints(ca, pathLen);
                break;
            case WellKnownOids.KeyUsage:
                facts.KeyUsage = (KeyUsage)ReadBits(ref walker, what);
                break;
            case WellKnownOids.ExtendedKeyUsage:
                facts.HasExtendedKeyUsage = true;
                facts.ExtendedKeyUsage = value;
                var eku = walker.ReadSequence(what);
                while (eku.HasData)
                {
                    eku.ReadOid(what);
                }

                break;
            case WellKnownOids.SubjectKeyIdentifier:
                facts.SubjectKeyIdentifier = walker.ReadOctetString(what);
                facts.HasSubjectKeyIdentifier = true;
                break;
            case WellKnownOids.AuthorityKeyIdentifier:
                var aki = walker.ReadSequence(what);
                facts.HasAuthorityKeyIdentifier = true;
                if (aki.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    facts.AuthorityKeyId = aki.ReadOctetString(what, new Asn1Tag(TagClass.ContextSpecific, 0));
                    facts.HasAuthorityKeyId = true;
                }

                if (aki.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
                {
                    var issuer = aki.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true), what);
                    facts.AuthorityKeyIdNamesIssuerOrSerial |= issuer.HasData;
                    GeneralName.ValidateNameList(ref issuer, limits, what);
                }

                if (aki.HasData)
                {
                    aki.ReadInteger(what, new Asn1Tag(TagClass.ContextSpecific, 2));
                    facts.AuthorityKeyIdNamesIssuerOrSerial = true;
                }

                aki.ExpectEnd(what);
                break;
            case WellKnownOids.SubjectAltName or WellKnownOids.IssuerAltName or WellKnownOids.CertificateIssuer:
                GeneralName.ValidateNames(ref walker, limits, what);
                break;
            case WellKnownOids.CrlDistributionPoints or WellKnownOids.FreshestCrl:
                var points = walker.ReadSequence(what);
                while (points.HasData)
                {
                    var point = points.ReadSequence(what);
                    if (point.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    {
                        var name = point.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true), what);
                        ValidateDistributionPointName(ref name, limits, what);
                    }

                    if (point.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 1)))
                    {
                        point.ReadBitString(what, out _, new Asn1Tag(TagClass.ContextSpecific, 1));
                    }

                    if (point.HasData)
                    {
                        var issuer = point.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true), what);
                        GeneralName.ValidateNameList(ref issuer, limits, what);
                    }

                    point.ExpectEnd(what);
                }

                break;
            case WellKnownOids.AuthorityInfoAccess or WellKnownOids.SubjectInfoAccess:
                var descriptions = walker.ReadSequence(what);
                var count = 0;
                while (descriptions.HasData)
                {
                    if (++count > limits.MaxGeneralNames)
                    {
                        throw new MaterialException(MaterialErrorCode.TooManyObjects, $"{what} has more than {limits.MaxGeneralNames} entries");
                    }

                    var description = descriptions.ReadSequence(what);
                    description.ReadOid(what);
                    GeneralName.ValidateOne(ref description, limits, what);
                    description.ExpectEnd(what);
                }

                break;
            case WellKnownOids.NameConstraints:
                var constraints = walker.ReadSequence(what);
                for (var i = 0; i < 2; i++)
                {
                    var tag = new Asn1Tag(TagClass.ContextSpecific, i, true);
                    if (constraints.PeekIs(tag))
                    {
                        var subtrees = constraints.ReadSequence(tag, what);
                        ValidateSubtrees(ref subtrees, limits, what);
                    }
                }

                constraints.ExpectEnd(what);
                break;
            case WellKnownOids.CertificatePolicies:
                var policies = walker.ReadSequence(what);
                while (policies.HasData)
                {
                    var policy = policies.ReadSequence(what);
                    policy.ReadOid(what);
                    if (policy.HasData)
                    {
                        var qualifiers = policy.ReadSequence(what);
                        while (qualifiers.HasData)
                        {
                            var qualifier = qualifiers.ReadSequence(what);
                            qualifier.ReadOid(what);
                            qualifier.ReadAny(out _, out _);
                            qualifier.ExpectEnd(what);
                        }
                    }

                    policy.ExpectEnd(what);
                }

                break;
            case WellKnownOids.CrlNumber or WellKnownOids.DeltaCrlIndicator when context == ExtensionContext.Crl:
                walker.ReadInteger(what);
                break;
            case WellKnownOids.IssuingDistributionPoint when context == ExtensionContext.Crl:
                var idp = walker.ReadSequence(what);
                if (idp.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    var name = idp.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true), what);
                    ValidateDistributionPointName(ref name, limits, what);
                }

                for (var i = 1; i <= 5 && idp.HasData; i++)
                {
                    if (i == 3)
                    {
                        if (idp.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 3)))
                        {
                            idp.ReadBitString(what, out _, new Asn1Tag(TagClass.ContextSpecific, 3));
                        }
                    }
                    else if (idp.PeekIs(new Asn1Tag(TagClass.ContextSpecific, i)))
                    {
                        idp.ReadBoolean(what, new Asn1Tag(TagClass.ContextSpecific, i));
                    }
                }

                idp.ExpectEnd(what);
                break;
            default:
                // Other known OIDs (policy mappings, SCTs, ...) are kept raw but must still be one TLV.
                walker.ReadAny(out _, out _);
                break;
        }

        walker.ExpectEnd(what);
    }

    internal static int ReadBits(ref DerWalker walker, string what, Asn1Tag? tag = null)
    {
        var bits = walker.Slice(walker.ReadBitString(what, out _, tag));
        var flags = 0;
        for (var i = 0; i < Math.Min(bits.Length, 2); i++)
        {
            // ASN.1 numbers bits from the most significant bit of the first byte (X.690 8.6.2.1).
            var reversed = (int)(((bits[i] * 0x0202020202UL) & 0x010884422010UL) % 1023);
            flags |= reversed << (8 * i);
        }

        return flags & 0x1FF;
    }

    private static void ValidateEntryExtension(string oid, ref DerWalker walker, ParseLimits limits, string what, ref ExtensionFacts facts)
    {
        switch (oid)
        {
            case WellKnownOids.CrlReasonCode:
                walker.Read(Asn1Tag.Enumerated, what, out var encoded);
                var reason = AsnDecoder.ReadEnumeratedBytes(walker.Slice(encoded), AsnEncodingRules.DER, out _);
                if (reason.Length != 1 || reason[0] > 10)
                {
                    throw DerWalker.Malformed(what + " is not a CRLReason (0 to 10)");
                }

                facts.CrlReason = reason[0];
                break;
            case WellKnownOids.InvalidityDate:
                walker.Read(Asn1Tag.GeneralizedTime, what, out var time);
                AsnDecoder.ReadGeneralizedTime(walker.Slice(time), AsnEncodingRules.DER, out _);
                break;
            case WellKnownOids.CertificateIssuer:
                GeneralName.ValidateNames(ref walker, limits, what);
                break;
            default:
                walker.ReadAny(out _, out _);
                break;
        }
    }

    private static void ValidateDistributionPointName(ref DerWalker name, ParseLimits limits, string what)
    {
        if (name.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
        {
            var full = name.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true), what);
            GeneralName.ValidateNameList(ref full, limits, what);
        }
        else
        {
            var relative = name.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true), what);
            while (relative.HasData)
            {
                var atv = relative.ReadSequence(what);
                atv.ReadOid(what);
                atv.ReadAny(out _, out _);
                atv.ExpectEnd(what);
            }
        }

        name.ExpectEnd(what);
    }

    private static void ValidateSubtrees(ref DerWalker subtrees, ParseLimits limits, string what)
    {
        var count = 0;
        while (subtrees.HasData)
        {
            if (++count > limits.MaxGeneralNames)
            {
                throw new MaterialException(MaterialErrorCode.TooManyObjects, $"{what} has more than {limits.MaxGeneralNames} subtrees");
            }

            var subtree = subtrees.ReadSequence(what);
            GeneralName.ValidateOne(ref subtree, limits, what, isConstraint: true);
            if (subtree.PeekIs(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                subtree.ReadInt32(what, new Asn1Tag(TagClass.ContextSpecific, 0));
            }

            if (subtree.HasData)
            {
                subtree.ReadInt32(what, new Asn1Tag(TagClass.ContextSpecific, 1));
            }

            subtree.ExpectEnd(what);
        }
    }
}
