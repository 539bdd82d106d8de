using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// An X.501 distinguished name (issuer or subject, RFC 5280 4.1.2.4): the raw DER, the parsed relative
/// distinguished names and an RFC 4514 string. Equality compares the DER bytes; the RFC 5280 7.1 name
/// comparison rules are applied by the chain validator, not here.
/// </summary>
public sealed class DistinguishedName : IEquatable<DistinguishedName>
{
    private IReadOnlyList<RelativeDistinguishedName>? _relativeNames;
    private string? _rfc4514;

    internal DistinguishedName(ReadOnlyMemory<byte> rawData) => RawData = rawData;

    /// <summary>The DER encoding of the Name SEQUENCE; a view over the parsed buffer.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>True when the name has no relative distinguished names.</summary>
    public bool IsEmpty => RelativeNames.Count == 0;

    /// <summary>The relative distinguished names in encoding order (most general first, usually C or DC).</summary>
    public IReadOnlyList<RelativeDistinguishedName> RelativeNames => _relativeNames ?? Interlocked.CompareExchange(ref _relativeNames, Decode(RawData), null) ?? _relativeNames;

    /// <summary>All attributes of all relative names, in encoding order.</summary>
    public IEnumerable<NameAttribute> Attributes => RelativeNames.SelectMany(r => r.Attributes);

    /// <summary>The name as an RFC 4514 string: relative names in reverse order, values escaped.</summary>
    public string Rfc4514Name => _rfc4514 ??= BuildRfc4514();

    /// <summary>The last (most specific) commonName (2.5.4.3), or null.</summary>
    public string? CommonName => GetLast("2.5.4.3");

    /// <summary>The last organizationName (2.5.4.10), or null.</summary>
    public string? Organization => GetLast("2.5.4.10");

    /// <summary>The last organizationalUnitName (2.5.4.11), or null.</summary>
    public string? OrganizationalUnit => GetLast("2.5.4.11");

    /// <summary>The last countryName (2.5.4.6), or null.</summary>
    public string? Country => GetLast("2.5.4.6");

    /// <summary>The last localityName (2.5.4.7), or null.</summary>
    public string? Locality => GetLast("2.5.4.7");

    /// <summary>The last stateOrProvinceName (2.5.4.8), or null.</summary>
    public string? StateOrProvince => GetLast("2.5.4.8");

    /// <summary>The last PKCS#9 emailAddress (1.2.840.113549.1.9.1), or null.</summary>
    public string? EmailAddress => GetLast("1.2.840.113549.1.9.1");

    /// <summary>The last serialNumber attribute (2.5.4.5), or null.</summary>
    public string? SerialNumber => GetLast("2.5.4.5");

    /// <summary>Parses a DER-encoded Name.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid Name.</exception>
    public static DistinguishedName Parse(ReadOnlyMemory<byte> der)
    {
        DerEnvelope.CheckOuter(der.Span, ParseLimits.Default.MaxEncodedSize, "distinguished name");
        return DerEnvelope.Run("distinguished name", () =>
        {
            var walker = new DerWalker(der.Span, 0, der.Length);
            Validate(ref walker, ParseLimits.Default, "the distinguished name");
            walker.ExpectEnd("the distinguished name");
            return new DistinguishedName(der);
        });
    }

    /// <summary>Every value of the attribute <paramref name="oid"/>, in encoding order.</summary>
    public IReadOnlyList<string> GetValues(string oid) => [.. Attributes.Where(a => a.Oid == oid).Select(a => a.Value)];

    /// <summary>True when both names have identical DER encodings.</summary>
    public bool Equals(DistinguishedName? other) => other is not null && RawData.Span.SequenceEqual(other.RawData.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as DistinguishedName);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(RawData.Span);
        return hash.ToHashCode();
    }

    /// <summary>The RFC 4514 string.</summary>
    public override string ToString() => Rfc4514Name;

    /// <summary>Reads and validates a Name at the walker's position (RFC 5280 4.1.2.4) and returns its encoded range.</summary>
    internal static Range Validate(ref DerWalker walker, ParseLimits limits, string what)
    {
        var content = walker.Read(Asn1Tag.Sequence, what, out var encoded);
        var names = walker.Enter(content);
        var attributes = 0;
        while (names.HasData)
        {
            var set = names.ReadSequence(Asn1Tag.SetOf, what);
            if (!set.HasData)
            {
                throw DerWalker.Malformed($"{what} has an empty relative name");
            }

            while (set.HasData)
            {
                if (++attributes > limits.MaxRelativeDistinguishedNames)
                {
                    throw new MaterialException(MaterialErrorCode.TooManyObjects, $"{what} has more than {limits.MaxRelativeDistinguishedNames} attributes");
                }

                var atv = set.ReadSequence(what);
                atv.ReadOid(what);
                atv.ReadAny(out _, out _);
                atv.ExpectEnd(what);
            }
        }

        return encoded;
    }

    internal static string EscapeValue(NameAttribute attribute)
    {
        if (!attribute.TryDecodeString(out var value))
        {
            return "#" + Convert.ToHexStringLower(attribute.RawValue.Span);
        }

        // RFC 4514 2.4: escape the special characters, a leading space or '#', a trailing space and NUL.
        var builder = new StringBuilder(value.Length + 4);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"' or '+' or ',' or ';' or '<' or '>' or '\\':
                    builder.Append('\\').Append(c);
                    break;
                case '\0':
                    builder.Append("\\00");
                    break;
                case ' ' when i == 0 || i == value.Length - 1:
                    builder.Append("\\ ");
                    break;
                case '#' when i == 0:
                    builder.Append("\\#");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }

    private string? GetLast(string oid)
    {
        string? last = null;
        foreach (var rdn in RelativeNames)
        {
            foreach (var attribute in rdn.Attributes)
            {
                if (attribute.Oid == oid)
                {
                    last = attribute.Value;
                }
            }
        }

        return last;
    }

    private string BuildRfc4514()
    {
        var names = RelativeNames;
        var builder = new StringBuilder();
        for (var i = names.Count - 1; i >= 0; i--)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(names[i].ToString());
        }

        return builder.ToString();
    }

    private static IReadOnlyList<RelativeDistinguishedName> Decode(ReadOnlyMemory<byte> raw)
    {
        var result = new List<RelativeDistinguishedName>();
        var reader = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
        while (reader.HasData)
        {
            var setEncoded = reader.PeekEncodedValue();
            var set = reader.ReadSetOf(skipSortOrderValidation: true);
            var attributes = new List<NameAttribute>(1);
            while (set.HasData)
            {
                var atv = set.ReadSequence();
                var oidEncoded = atv.ReadEncodedValue();
                var oid = WellKnownOids.Decode(DerEnvelope.ContentOf(oidEncoded).Span);
                var value = atv.ReadEncodedValue();
                attributes.Add(new NameAttribute(oid, Asn1Tag.Decode(value.Span, out _), value));
            }

            result.Add(new RelativeDistinguishedName(attributes, setEncoded));
        }

        return result;
    }
}
