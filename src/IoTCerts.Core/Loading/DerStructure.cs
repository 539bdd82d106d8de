using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>What a DER structure is, decided from its shape alone, never from a name .</summary>
internal enum DerKind
{
    Unknown,
    Certificate,
    CertificationRequest,
    Crl,
    Pkcs8PrivateKey,
    EncryptedPkcs8PrivateKey,
    Pkcs1RsaPrivateKey,
    Sec1EcPrivateKey,
    Pkcs7,
    Pkcs12,
}

/// <summary>Bounds checks and structural sniffing of DER/BER input.</summary>
internal static class DerStructure
{
    /// <summary>
    /// Refuses input whose first element announces more bytes than are present (<see cref="MaterialErrorCode.Truncated"/>).
    /// Returns the length of that first element.
    /// </summary>
    public static int CheckComplete(ReadOnlySpan<byte> data, string what)
    {
        if (!Asn1Tag.TryDecode(data, out _, out int tagLength) || tagLength >= data.Length)
        {
            throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first tag");
        }

        int offset = tagLength;
        byte first = data[offset++];
        long length;
        if (first < 0x80)
        {
            length = first;
        }
        else if (first == 0x80)
        {
            // Indefinite length (BER): completeness is checked by the parser.
            return data.Length;
        }
        else
        {
            int count = first & 0x7F;
            if (count > 4)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, $"the {what} announces an impossible length");
            }

            if (offset + count > data.Length)
            {
                throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first length");
            }

            length = 0;
            for (int i = 0; i < count; i++)
            {
                length = (length << 8) | data[offset++];
            }
        }

        if (offset + length > data.Length)
        {
            throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it announces {offset + length} bytes but only {data.Length} are present");
        }

        return (int)(offset + length);
    }

    /// <summary>
    /// Walks the whole tree iteratively-bounded so that no parser (ours or the platform's) recurses deeper than
    /// <see cref="MaterialLimits.MaxNestingDepth"/>. With <paramref name="intoOctetStrings"/>, OCTET STRINGs that hold
    /// DER are walked too (PKCS#12 wraps every layer in one, RFC 7292 §4).
    /// </summary>
    public static void CheckNesting(ReadOnlyMemory<byte> data, AsnEncodingRules rules, MaterialLimits limits, bool intoOctetStrings)
    {
        var reader = new AsnReader(data, rules);
        int objects = 0;
        while (reader.HasData)
        {
            Walk(reader, rules, limits, 1, intoOctetStrings, ref objects);
        }
    }

    private static void Walk(AsnReader reader, AsnEncodingRules rules, MaterialLimits limits, int depth, bool intoOctetStrings, ref int objects)
    {
        if (depth > limits.MaxNestingDepth)
        {
            throw new MaterialException(MaterialErrorCode.NestingTooDeep, $"the input nests structures more than {limits.MaxNestingDepth} levels deep");
        }

        var tag = reader.PeekTag();
        if (tag.IsConstructed && !(tag.TagClass == TagClass.Universal && tag.TagValue != (int)UniversalTagNumber.Sequence && tag.TagValue != (int)UniversalTagNumber.Set))
        {
            var inner = tag.TagClass == TagClass.Universal && tag.TagValue == (int)UniversalTagNumber.Set
                ? reader.ReadSetOf(skipSortOrderValidation: true)
                : reader.ReadSequence(tag);
            while (inner.HasData)
            {
                Walk(inner, rules, limits, depth + 1, intoOctetStrings, ref objects);
            }

            return;
        }

        var encoded = reader.ReadEncodedValue();
        if (intoOctetStrings && tag == Asn1Tag.PrimitiveOctetString && ++objects <= limits.MaxObjects)
        {
            AsnDecoder.ReadEncodedValue(encoded.Span, rules, out int offset, out int length, out _);
            var inside = encoded.Slice(offset, length);
            if (inside.Length > 1 && inside.Span[0] == 0x30 && IsOneElement(inside.Span, rules))
            {
                CheckNestingAt(inside, rules, limits, depth, intoOctetStrings, ref objects);
            }

        }
    }

    private static void CheckNestingAt(ReadOnlyMemory<byte> data, AsnEncodingRules rules, MaterialLimits limits, int depth, bool intoOctetStrings, ref int objects)
    {
        var reader = new AsnReader(data, rules);
        Walk(reader, rules, limits, depth + 1, intoOctetStrings, ref objects);
    }

    private static bool IsOneElement(ReadOnlySpan<byte> data, AsnEncodingRules rules)
    {
        try
        {
            AsnDecoder.ReadEncodedValue(data, rules, out _, out _, out int consumed);
            return consumed == data.Length;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>Decides what a single DER element is by its shape.</summary>
    public static DerKind Classify(ReadOnlyMemory<byte> der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            if (!outer.HasData)
            {
                return DerKind.Unknown;
            }

            var first = outer.PeekTag();
            if (first == Asn1Tag.ObjectIdentifier)
            {
                return outer.ReadObjectIdentifier() == Oids.Pkcs7SignedData ? DerKind.Pkcs7 : DerKind.Unknown;
            }

            if (first == Asn1Tag.Sequence)
            {
                var firstElement = outer.ReadSequence();
                if (!outer.HasData)
                {
                    return DerKind.Unknown;
                }

                var second = outer.PeekTag();
                if (second == Asn1Tag.PrimitiveOctetString || second == Asn1Tag.ConstructedOctetString)
                {
                    return DerKind.EncryptedPkcs8PrivateKey;
                }

                return second == Asn1Tag.Sequence ? ClassifySigned(firstElement) : DerKind.Unknown;
            }

            if (first == Asn1Tag.Integer)
            {
                var version = outer.ReadInteger();
                if (!outer.HasData)
                {
                    return DerKind.Unknown;
                }

                var second = outer.PeekTag();
                if (second == Asn1Tag.Integer)
                {
                    return DerKind.Pkcs1RsaPrivateKey;
                }

                if (second == Asn1Tag.PrimitiveOctetString)
                {
                    return DerKind.Sec1EcPrivateKey;
                }

                if (second == Asn1Tag.Sequence)
                {
                    // PFX (RFC 7292 §4) is version 3; PrivateKeyInfo/OneAsymmetricKey (RFC 5958) is version 0 or 1.
                    return version == 3 ? DerKind.Pkcs12 : DerKind.Pkcs8PrivateKey;
                }
            }

            return DerKind.Unknown;
        }
        catch (AsnContentException)
        {
            return DerKind.Unknown;
        }
    }

    private static DerKind ClassifySigned(AsnReader toBeSigned)
    {
        // TBSCertificate (RFC 5280 §4.1), CertificationRequestInfo (RFC 2986 §4.1), TBSCertList (RFC 5280 §5.1).
        var tags = new List<Asn1Tag>(4);
        while (toBeSigned.HasData && tags.Count < 4)
        {
            tags.Add(toBeSigned.PeekTag());
            toBeSigned.ReadEncodedValue();
        }

        if (tags.Count == 0)
        {
            return DerKind.Unknown;
        }

        if (tags[0] == new Asn1Tag(TagClass.ContextSpecific, 0, true))
        {
            return DerKind.Certificate;
        }

        if (tags[0] == Asn1Tag.Sequence)
        {
            return DerKind.Crl;
        }

        if (tags[0] != Asn1Tag.Integer || tags.Count < 4)
        {
            return tags.Count == 3 && tags[0] == Asn1Tag.Integer && tags[1] == Asn1Tag.Sequence && tags[2] == Asn1Tag.Sequence ? DerKind.CertificationRequest : DerKind.Unknown;
        }

        if (tags[3] == Asn1Tag.UtcTime || tags[3] == Asn1Tag.GeneralizedTime)
        {
            return DerKind.Crl;
        }

        if (tags[3] == new Asn1Tag(TagClass.ContextSpecific, 0, true))
        {
            return DerKind.CertificationRequest;
        }

        return tags[3] == Asn1Tag.Sequence ? DerKind.Certificate : DerKind.Unknown;
    }
}
