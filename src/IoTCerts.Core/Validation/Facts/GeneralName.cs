using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core;

/// <summary>The GeneralName choices the validator distinguishes (RFC 5280 §4.2.1.6).</summary>
internal enum GeneralNameKind
{
    OtherName,
    Email,
    Dns,
    X400Address,
    DirectoryName,
    EdiPartyName,
    Uri,
    IpAddress,
    RegisteredId,
}

/// <summary>
/// One decoded GeneralName. Text forms are kept as IA5 strings exactly as encoded; a directory name keeps
/// its DER bytes (compared as RDN sequences); an IP address keeps its octets (4 or 16, or 8/32 with a mask
/// when used as a name-constraint subtree).
/// </summary>
internal readonly record struct GeneralName(GeneralNameKind Kind, string? Text, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>Reads one GeneralName; throws <see cref="AsnContentException"/> on malformed input.</summary>
    public static GeneralName Read(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.ContextSpecific)
        {
            throw new AsnContentException("GeneralName must be context-specific");
        }

        switch (tag.TagValue)
        {
            case 0:
                return new GeneralName(GeneralNameKind.OtherName, null, reader.ReadEncodedValue());
            case 1:
                return new GeneralName(GeneralNameKind.Email, ReadIa5(reader, tag), default);
            case 2:
                return new GeneralName(GeneralNameKind.Dns, ReadIa5(reader, tag), default);
            case 3:
                return new GeneralName(GeneralNameKind.X400Address, null, reader.ReadEncodedValue());
            case 4:
            {
                // [4] EXPLICIT Name: keep the inner SEQUENCE OF RDN.
                var inner = reader.ReadSequence(tag);
                var name = inner.ReadEncodedValue();
                if (inner.HasData)
                {
                    throw new AsnContentException("directoryName has trailing data");
                }

                DistinguishedNameFacts.Validate(name);
                return new GeneralName(GeneralNameKind.DirectoryName, null, name);
            }

            case 5:
                return new GeneralName(GeneralNameKind.EdiPartyName, null, reader.ReadEncodedValue());
            case 6:
                return new GeneralName(GeneralNameKind.Uri, ReadIa5(reader, tag), default);
            case 7:
                return new GeneralName(GeneralNameKind.IpAddress, null, reader.ReadOctetString(tag));
            case 8:
                return new GeneralName(GeneralNameKind.RegisteredId, reader.ReadObjectIdentifier(tag), default);
            default:
                throw new AsnContentException("unknown GeneralName choice");
        }
    }

    private static string ReadIa5(AsnReader reader, Asn1Tag tag)
    {
        var bytes = reader.ReadOctetString(tag);
        foreach (var b in bytes)
        {
            if (b > 0x7F)
            {
                throw new AsnContentException("IA5String holds a non-ASCII byte");
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    public override string ToString() => Kind switch
    {
        GeneralNameKind.Dns => "DNS:" + Text,
        GeneralNameKind.Email => "email:" + Text,
        GeneralNameKind.Uri => "URI:" + Text,
        GeneralNameKind.IpAddress => "IP:" + FormatIp(Bytes.Span),
        GeneralNameKind.DirectoryName => "DirName:" + DistinguishedNameFacts.Format(Bytes),
        _ => Kind.ToString(),
    };

    internal static string FormatIp(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 or 16 => new System.Net.IPAddress(bytes).ToString(),
        8 => new System.Net.IPAddress(bytes[..4]) + "/" + new System.Net.IPAddress(bytes[4..]),
        32 => new System.Net.IPAddress(bytes[..16]) + "/" + new System.Net.IPAddress(bytes[16..]),
        _ => Convert.ToHexString(bytes),
    };
}
