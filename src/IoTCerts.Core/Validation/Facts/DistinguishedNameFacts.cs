using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// The parts of a DER-encoded Name the validator needs: its RDNs as encoded bytes (directory-name
/// constraints compare RDN by RDN, RFC 5280 §7.1 in its binary form, as rustls-webpki does), its
/// emailAddress attributes (§4.2.1.10: they are constrained like rfc822Name) and a readable form for messages.
/// </summary>
internal static class DistinguishedNameFacts
{
    private const string EmailAddressOid = "1.2.840.113549.1.9.1";
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>Checks that <paramref name="name"/> is a SEQUENCE OF SET OF AttributeTypeAndValue.</summary>
    public static void Validate(ReadOnlyMemory<byte> name)
    {
        foreach (var rdn in ReadRdns(name))
        {
            var set = new AsnReader(rdn, AsnEncodingRules.DER).ReadSetOf();
            if (!set.HasData)
            {
                throw new AsnContentException("empty RDN");
            }

            while (set.HasData)
            {
                var atv = set.ReadSequence();
                atv.ReadObjectIdentifier();
                atv.ReadEncodedValue();
                if (atv.HasData)
                {
                    throw new AsnContentException("AttributeTypeAndValue has trailing data");
                }
            }
        }
    }

    public static List<ReadOnlyMemory<byte>> ReadRdns(ReadOnlyMemory<byte> name)
    {
        var reader = new AsnReader(name, AsnEncodingRules.DER);
        var seq = reader.ReadSequence();
        if (reader.HasData)
        {
            throw new AsnContentException("Name has trailing data");
        }

        var list = new List<ReadOnlyMemory<byte>>();
        while (seq.HasData)
        {
            list.Add(seq.ReadEncodedValue());
        }

        return list;
    }

    public static bool IsEmpty(ReadOnlyMemory<byte> name) => name.Length <= 2;

    /// <summary>The values of emailAddress attributes (legacy e-mail in the subject).</summary>
    public static List<string> EmailAddresses(ReadOnlyMemory<byte> name) => AttributeValues(name, EmailAddressOid);

    /// <summary>The common names, for messages only (host names are matched against the SAN, never the CN).</summary>
    public static List<string> CommonNames(ReadOnlyMemory<byte> name) => AttributeValues(name, CommonNameOid);

    private static List<string> AttributeValues(ReadOnlyMemory<byte> name, string oid)
    {
        var values = new List<string>();
        foreach (var (type, value) in Attributes(name))
        {
            if (type == oid)
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static IEnumerable<(string Type, string Value)> Attributes(ReadOnlyMemory<byte> name)
    {
        foreach (var rdn in ReadRdns(name))
        {
            var set = new AsnReader(rdn, AsnEncodingRules.DER).ReadSetOf();
            while (set.HasData)
            {
                var atv = set.ReadSequence();
                var type = atv.ReadObjectIdentifier();
                yield return (type, ReadText(atv));
            }
        }
    }

    private static string ReadText(AsnReader atv)
    {
        var tag = atv.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String:
                case UniversalTagNumber.PrintableString:
                case UniversalTagNumber.IA5String:
                case UniversalTagNumber.BMPString:
                case UniversalTagNumber.T61String:
                case UniversalTagNumber.VisibleString:
                case UniversalTagNumber.NumericString:
                    try
                    {
                        return atv.ReadCharacterString((UniversalTagNumber)tag.TagValue);
                    }
                    catch (AsnContentException)
                    {
                        break;
                    }
            }
        }

        return "#" + Convert.ToHexString(atv.ReadEncodedValue().Span);
    }

    /// <summary>A one-line readable form (CN=..., O=...), for operator messages.</summary>
    public static string Format(ReadOnlyMemory<byte> name)
    {
        try
        {
            var sb = new StringBuilder();
            foreach (var (type, value) in Attributes(name))
            {
                if (sb.Length > 0)
                {
                    sb.Append(", ");
                }

                sb.Append(ShortName(type)).Append('=').Append(value);
            }

            return sb.Length == 0 ? "(empty name)" : sb.ToString();
        }
        catch (AsnContentException)
        {
            return "(unreadable name)";
        }
    }

    private static string ShortName(string oid) => oid switch
    {
        CommonNameOid => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "0.9.2342.19200300.100.1.25" => "DC",
        EmailAddressOid => "E",
        _ => oid,
    };
}
