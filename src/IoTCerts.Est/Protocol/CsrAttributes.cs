using System.Formats.Asn1;

namespace IoTCerts.Est;

/// <summary>
/// One entry of a CSR attributes response (RFC 7030 section 4.5.2, RFC 8951 section 4): either a bare OID
/// (the client should include it, e.g. challengePassword) or an attribute with values.
/// </summary>
public sealed class CsrAttribute
{
    internal CsrAttribute(string oid, IReadOnlyList<ReadOnlyMemory<byte>>? values)
    {
        Oid = oid;
        Values = values ?? [];
        IsAttribute = values is not null;
    }

    /// <summary>The OID (dotted form) of the entry.</summary>
    public string Oid { get; }

    /// <summary>True for an Attribute (type + values), false for a bare OID.</summary>
    public bool IsAttribute { get; }

    /// <summary>The DER encoding of each value of an attribute; empty for a bare OID.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Values { get; }
}

/// <summary>The parsed body of <c>/csrattrs</c>: what the server wants in the certification request.</summary>
public sealed class CsrAttributes
{
    /// <summary>The challengePassword attribute OID (PKCS#9), which asks for tls-unique channel binding.</summary>
    public const string ChallengePasswordOid = "1.2.840.113549.1.9.7";

    /// <summary>Entries are bounded so a hostile server cannot make us allocate without limit.</summary>
    public const int MaxEntries = 256;

    private const int MaxValuesPerAttribute = 64;

    private CsrAttributes(IReadOnlyList<CsrAttribute> entries) => Entries = entries;

    /// <summary>No attributes (the server answered 204 or 404, or an empty sequence).</summary>
    public static CsrAttributes None { get; } = new([]);

    /// <summary>The entries in server order.</summary>
    public IReadOnlyList<CsrAttribute> Entries { get; }

    /// <summary>True when the server asks for challengePassword (RFC 7030 section 3.5 proof of possession).</summary>
    public bool RequestsChallengePassword => Entries.Any(e => e.Oid == ChallengePasswordOid);

    /// <summary>Parses the DER <c>CsrAttrs</c> SEQUENCE.</summary>
    /// <exception cref="FormatException">The bytes are not a CsrAttrs structure.</exception>
    public static CsrAttributes Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.BER);
            var sequence = outer.ReadSequence();
            if (outer.HasData)
            {
                throw new FormatException("the CSR attributes have trailing data");
            }

            var entries = new List<CsrAttribute>();
            while (sequence.HasData)
            {
                if (entries.Count == MaxEntries)
                {
                    throw new FormatException($"the CSR attributes hold more than {MaxEntries} entries");
                }

                var tag = sequence.PeekTag();
                if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
                {
                    entries.Add(new CsrAttribute(sequence.ReadObjectIdentifier(), null));
                    continue;
                }

                var attribute = sequence.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var set = attribute.ReadSetOf(skipSortOrderValidation: true);
                var values = new List<ReadOnlyMemory<byte>>();
                while (set.HasData)
                {
                    if (values.Count == MaxValuesPerAttribute)
                    {
                        throw new FormatException($"a CSR attribute holds more than {MaxValuesPerAttribute} values");
                    }

                    values.Add(set.ReadEncodedValue().ToArray());
                }

                entries.Add(new CsrAttribute(oid, values));
            }

            return new CsrAttributes(entries);
        }
        catch (AsnContentException ex)
        {
            throw new FormatException("the CSR attributes are not valid DER", ex);
        }
    }

    /// <summary>Builds the DER for a server: bare OIDs, and attributes given as (OID, DER values).</summary>
    public static byte[] Encode(IEnumerable<string> oids, IEnumerable<(string Oid, IReadOnlyList<ReadOnlyMemory<byte>> Values)>? attributes = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in oids)
            {
                writer.WriteObjectIdentifier(oid);
            }

            foreach (var (oid, values) in attributes ?? [])
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    using (writer.PushSetOf())
                    {
                        foreach (var value in values)
                        {
                            writer.WriteEncodedValue(value.Span);
                        }
                    }
                }
            }
        }

        return writer.Encode();
    }
}
