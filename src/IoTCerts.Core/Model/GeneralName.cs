using System.Formats.Asn1;
using System.Net;
using System.Text;

namespace IoTCerts.Core;

/// <summary>The choice of a <see cref="GeneralName"/> (RFC 5280 4.2.1.6); values are the context tag numbers.</summary>
public enum GeneralNameKind
{
    /// <summary>otherName [0]: a type OID and a value.</summary>
    OtherName = 0,

    /// <summary>rfc822Name [1]: an email address.</summary>
    Rfc822Name = 1,

    /// <summary>dNSName [2].</summary>
    DnsName = 2,

    /// <summary>x400Address [3] (kept raw).</summary>
    X400Address = 3,

    /// <summary>directoryName [4]: a distinguished name.</summary>
    DirectoryName = 4,

    /// <summary>ediPartyName [5] (kept raw).</summary>
    EdiPartyName = 5,

    /// <summary>uniformResourceIdentifier [6].</summary>
    Uri = 6,

    /// <summary>iPAddress [7]: 4 or 16 bytes (8 or 32 with a mask in name constraints).</summary>
    IPAddress = 7,

    /// <summary>registeredID [8]: an OID.</summary>
    RegisteredId = 8,
}

/// <summary>One GeneralName (RFC 5280 4.2.1.6).</summary>
public sealed class GeneralName
{
    private GeneralName(GeneralNameKind kind, ReadOnlyMemory<byte> rawData, ReadOnlyMemory<byte> rawValue)
    {
        Kind = kind;
        RawData = rawData;
        RawValue = rawValue;
    }

    /// <summary>Which choice this name is.</summary>
    public GeneralNameKind Kind { get; }

    /// <summary>The complete DER encoding of the GeneralName (with its context tag).</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The content: the IA5 bytes of DNS/email/URI names, the address bytes of IP names, the Name DER of
    /// directory names, the inner DER of otherName values, the OID content of registered IDs.</summary>
    public ReadOnlyMemory<byte> RawValue { get; }

    /// <summary>The text of an rfc822Name, dNSName or URI; the dotted OID of a registeredID; otherwise null.</summary>
    public string? Value { get; private init; }

    /// <summary>The address of an iPAddress name of 4 or 16 bytes; null otherwise (also for address+mask constraints).</summary>
    public IPAddress? IPAddress => Kind == GeneralNameKind.IPAddress && RawValue.Length is 4 or 16 ? new IPAddress(RawValue.Span) : null;

    /// <summary>The name of a directoryName, otherwise null.</summary>
    public DistinguishedName? DirectoryName { get; private init; }

    /// <summary>The type OID of an otherName, otherwise null.</summary>
    public string? OtherNameTypeOid { get; private init; }

    /// <summary>The DER of an otherName's value (inside its [0] EXPLICIT wrapper), otherwise empty.</summary>
    public ReadOnlyMemory<byte> OtherNameValue { get; private init; }

    /// <summary>OpenSSL-like text: <c>DNS:example.com</c>, <c>IP Address:10.0.0.1</c>, <c>email:a@b</c>, <c>URI:...</c>, ...</summary>
    public override string ToString() => Kind switch
    {
        GeneralNameKind.DnsName => "DNS:" + Value,
        GeneralNameKind.Rfc822Name => "email:" + Value,
        GeneralNameKind.Uri => "URI:" + Value,
        GeneralNameKind.IPAddress => "IP Address:" + (IPAddress?.ToString() ?? FormatMaskedAddress(RawValue.Span)),
        GeneralNameKind.DirectoryName => "DirName:" + DirectoryName,
        GeneralNameKind.RegisteredId => "Registered ID:" + Value,
        GeneralNameKind.OtherName => "othername:" + OtherNameTypeOid + "::" + Convert.ToHexStringLower(OtherNameValue.Span),
        _ => Kind + ":" + Convert.ToHexStringLower(RawValue.Span),
    };

    /// <summary>Validates a GeneralNames SEQUENCE at the walker's position.</summary>
    internal static void ValidateNames(ref DerWalker walker, ParseLimits limits, string what)
    {
        var names = walker.ReadSequence(what);
        ValidateNameList(ref names, limits, what);
    }

    /// <summary>Validates the GeneralName elements that remain in <paramref name="names"/>.</summary>
    internal static void ValidateNameList(ref DerWalker names, ParseLimits limits, string what)
    {
        var count = 0;
        while (names.HasData)
        {
            if (++count > limits.MaxGeneralNames)
            {
                throw new MaterialException(MaterialErrorCode.TooManyObjects, $"{what} has more than {limits.MaxGeneralNames} names");
            }

            ValidateOne(ref names, limits, what);
        }
    }

    /// <summary>Validates one GeneralName at the walker's position.</summary>
    internal static void ValidateOne(ref DerWalker walker, ParseLimits limits, string what, bool isConstraint = false)
    {
        var tag = walker.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific || tag.TagValue > 8)
        {
            throw DerWalker.Malformed($"{what} holds a name of unknown type");
        }

        var kind = (GeneralNameKind)tag.TagValue;
        var constructed = kind is GeneralNameKind.OtherName or GeneralNameKind.X400Address or GeneralNameKind.DirectoryName or GeneralNameKind.EdiPartyName;
        if (tag.IsConstructed != constructed)
        {
            throw DerWalker.Malformed($"{what} holds a {kind} name with the wrong encoding form");
        }

        var content = walker.Read(tag, what);
        var inner = walker.Enter(content);
        switch (kind)
        {
            case GeneralNameKind.Rfc822Name or GeneralNameKind.DnsName or GeneralNameKind.Uri:
                if (!DerWalker.IsIa5(walker.Slice(content)))
                {
                    throw DerWalker.Malformed($"{what} holds a {kind} that is not IA5 (ASCII) text");
                }

                break;
            case GeneralNameKind.IPAddress:
                // RFC 5280 4.2.1.6: an address is 4 or 16 bytes; 4.2.1.10: a constraint is address + mask, 8 or 32.
                var length = walker.Slice(content).Length;
                if (isConstraint ? length is not (8 or 32) : length is not (4 or 16))
                {
                    throw DerWalker.Malformed($"{what} holds an IP address of {length} bytes (expected {(isConstraint ? "8 or 32" : "4 or 16")})");
                }

                break;
            case GeneralNameKind.RegisteredId:
                if (!DerWalker.IsValidOid(walker.Slice(content)))
                {
                    throw DerWalker.Malformed($"{what} holds a registered ID that is not a valid object identifier");
                }

                break;
            case GeneralNameKind.OtherName:
                inner.ReadOid(what);
                var value = inner.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true), what);
                value.ReadAny(out _, out _);
                value.ExpectEnd(what);
                inner.ExpectEnd(what);
                break;
            case GeneralNameKind.DirectoryName:
                DistinguishedName.Validate(ref inner, limits, what);
                inner.ExpectEnd(what);
                break;
            default:
                // x400Address and ediPartyName are kept raw (RFC 5280 allows them; nobody uses them).
                break;
        }
    }

    /// <summary>Decodes a validated GeneralNames SEQUENCE.</summary>
    internal static IReadOnlyList<GeneralName> DecodeNames(AsnReader sequenceReader)
    {
        var names = new List<GeneralName>();
        while (sequenceReader.HasData)
        {
            names.Add(Decode(sequenceReader.ReadEncodedValue()));
        }

        return names;
    }

    /// <summary>Decodes one validated GeneralName TLV.</summary>
    internal static GeneralName Decode(ReadOnlyMemory<byte> encoded)
    {
        var tag = Asn1Tag.Decode(encoded.Span, out _);
        var kind = (GeneralNameKind)tag.TagValue;
        var content = DerEnvelope.ContentOf(encoded);
        switch (kind)
        {
            case GeneralNameKind.Rfc822Name or GeneralNameKind.DnsName or GeneralNameKind.Uri:
                return new GeneralName(kind, encoded, content) { Value = Encoding.ASCII.GetString(content.Span) };
            case GeneralNameKind.RegisteredId:
                return new GeneralName(kind, encoded, content) { Value = WellKnownOids.Decode(content.Span) };
            case GeneralNameKind.DirectoryName:
                var name = new AsnReader(content, AsnEncodingRules.DER).ReadEncodedValue();
                return new GeneralName(kind, encoded, name) { DirectoryName = new DistinguishedName(name) };
            case GeneralNameKind.OtherName:
                var reader = new AsnReader(content, AsnEncodingRules.DER);
                var type = WellKnownOids.Decode(DerEnvelope.ContentOf(reader.ReadEncodedValue()).Span);
                var value = reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)).ReadEncodedValue();
                return new GeneralName(kind, encoded, content) { OtherNameTypeOid = type, OtherNameValue = value };
            default:
                return new GeneralName(kind, encoded, content);
        }
    }

    private static string FormatMaskedAddress(ReadOnlySpan<byte> bytes)
    {
        var half = bytes.Length / 2;
        return half is 4 or 16
            ? new IPAddress(bytes[..half]) + "/" + new IPAddress(bytes[half..])
            : Convert.ToHexStringLower(bytes);
    }
}
