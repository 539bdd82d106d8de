using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>One attribute of a distinguished name (an AttributeTypeAndValue, RFC 5280 4.1.2.4).</summary>
public sealed class NameAttribute
{
    private static readonly (string Oid, string ShortName)[] s_shortNames =
    [
        // RFC 4514 section 3 table first, then names OpenSSL prints for other common attributes.
        ("2.5.4.3", "CN"), ("2.5.4.7", "L"), ("2.5.4.8", "ST"), ("2.5.4.10", "O"), ("2.5.4.11", "OU"),
        ("2.5.4.6", "C"), ("2.5.4.9", "STREET"), ("0.9.2342.19200300.100.1.25", "DC"),
        ("0.9.2342.19200300.100.1.1", "UID"), ("1.2.840.113549.1.9.1", "emailAddress"),
        ("2.5.4.5", "serialNumber"), ("2.5.4.4", "SN"), ("2.5.4.42", "GN"), ("2.5.4.12", "title"),
        ("2.5.4.43", "initials"), ("2.5.4.44", "generationQualifier"), ("2.5.4.46", "dnQualifier"),
        ("2.5.4.65", "pseudonym"), ("2.5.4.17", "postalCode"), ("2.5.4.97", "organizationIdentifier"),
        ("2.5.4.15", "businessCategory"), ("2.5.4.41", "name"), ("2.5.4.45", "x500UniqueIdentifier"),
    ];

    private string? _value;

    internal NameAttribute(string oid, Asn1Tag valueTag, ReadOnlyMemory<byte> rawValue)
    {
        Oid = oid;
        ValueTag = valueTag;
        RawValue = rawValue;
    }

    internal static IEnumerable<string> KnownAttributeOids => s_shortNames.Select(n => n.Oid);

    /// <summary>The attribute type OID, for example <c>2.5.4.3</c>.</summary>
    public string Oid { get; }

    /// <summary>The short name (CN, O, OU, C, L, ST, STREET, DC, UID, emailAddress, serialNumber, ...), or null for other types.</summary>
    public string? ShortName => ShortNameOf(Oid);

    /// <summary>The ASN.1 tag of the value (UTF8String, PrintableString, IA5String, ...).</summary>
    public Asn1Tag ValueTag { get; }

    /// <summary>True when the value is one of the ASN.1 character string types and decodes as such.</summary>
    public bool IsString => TryDecodeString(out _);

    /// <summary>The complete DER encoding of the value (tag, length and content); a view over the parsed buffer.</summary>
    public ReadOnlyMemory<byte> RawValue { get; }

    /// <summary>The value as text; a value that is not a character string is shown as <c>#</c> and the hex of its encoding (RFC 4514 2.4).</summary>
    public string Value => _value ??= TryDecodeString(out var text) ? text : "#" + Convert.ToHexStringLower(RawValue.Span);

    /// <summary>Returns <c>type=value</c> with RFC 4514 escaping.</summary>
    public override string ToString() => (ShortName ?? Oid) + "=" + DistinguishedName.EscapeValue(this);

    internal static string? ShortNameOf(string oid)
    {
        foreach (var (known, shortName) in s_shortNames)
        {
            if (known == oid)
            {
                return shortName;
            }
        }

        return null;
    }

    internal bool TryDecodeString(out string text)
    {
        text = string.Empty;
        if (ValueTag.TagClass != TagClass.Universal || ValueTag.IsConstructed)
        {
            return false;
        }

        var number = (UniversalTagNumber)ValueTag.TagValue;
        switch (number)
        {
            case UniversalTagNumber.UniversalString:
                // System.Formats.Asn1 does not decode UniversalString (UCS-4, big-endian).
                var ucs4 = ContentOf(RawValue.Span);
                if (ucs4.Length % 4 != 0)
                {
                    return false;
                }

                try
                {
                    text = new System.Text.UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true).GetString(ucs4);
                    return true;
                }
                catch (ArgumentException)
                {
                    return false;
                }

            case UniversalTagNumber.UTF8String:
            case UniversalTagNumber.PrintableString:
            case UniversalTagNumber.IA5String:
            case UniversalTagNumber.T61String:
            case UniversalTagNumber.BMPString:
            case UniversalTagNumber.VisibleString:
            case UniversalTagNumber.NumericString:
                try
                {
                    text = AsnDecoder.ReadCharacterString(RawValue.Span, AsnEncodingRules.BER, number, out _);
                    return true;
                }
                catch (Exception ex) when (ex is AsnContentException or ArgumentException)
                {
                    // A PrintableString with '@' or '*' (common in the wild) still deserves its text.
                    if (number is UniversalTagNumber.PrintableString or UniversalTagNumber.T61String or UniversalTagNumber.VisibleString)
                    {
                        var content = ContentOf(RawValue.Span);
                        if (!content.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
                        {
                            text = System.Text.Encoding.ASCII.GetString(content);
                            return true;
                        }
                    }

                    return false;
                }

            default:
                return false;
        }
    }

    private static ReadOnlySpan<byte> ContentOf(ReadOnlySpan<byte> encoded)
    {
        AsnDecoder.ReadEncodedValue(encoded, AsnEncodingRules.BER, out var offset, out var length, out _);
        return encoded.Slice(offset, length);
    }
}

/// <summary>One relative distinguished name: a SET of one or more attributes (usually one).</summary>
public sealed class RelativeDistinguishedName
{
    internal RelativeDistinguishedName(IReadOnlyList<NameAttribute> attributes, ReadOnlyMemory<byte> rawData)
    {
        Attributes = attributes;
        RawData = rawData;
    }

    /// <summary>The attributes in encoding order.</summary>
    public IReadOnlyList<NameAttribute> Attributes { get; }

    /// <summary>The DER encoding of the SET.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Returns the attributes joined by <c>+</c> (RFC 4514 2.2).</summary>
    public override string ToString() => string.Join('+', Attributes);
}
