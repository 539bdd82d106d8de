using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>
/// Subject names from text: RFC 4514 strings (<c>CN=device-1,O=Acme,C=DE</c>, most specific first) and the
/// OpenSSL form (<c>/C=DE/O=Acme/CN=device-1</c>, in encoding order). Values are encoded as UTF8String, except
/// countryName (PrintableString) and emailAddress (IA5String), as OpenSSL does.
/// </summary>
public static class DistinguishedNames
{
    private const int MaxLength = 4096;
    private const int MaxAttributes = 64;

    private static readonly Dictionary<string, string> OidByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CN"] = "2.5.4.3",
        ["commonName"] = "2.5.4.3",
        ["SN"] = "2.5.4.4",
        ["surname"] = "2.5.4.4",
        ["serialNumber"] = "2.5.4.5",
        ["C"] = "2.5.4.6",
        ["countryName"] = "2.5.4.6",
        ["L"] = "2.5.4.7",
        ["localityName"] = "2.5.4.7",
        ["ST"] = "2.5.4.8",
        ["S"] = "2.5.4.8",
        ["stateOrProvinceName"] = "2.5.4.8",
        ["STREET"] = "2.5.4.9",
        ["O"] = "2.5.4.10",
        ["organizationName"] = "2.5.4.10",
        ["OU"] = "2.5.4.11",
        ["organizationalUnitName"] = "2.5.4.11",
        ["title"] = "2.5.4.12",
        ["GN"] = "2.5.4.42",
        ["givenName"] = "2.5.4.42",
        ["DC"] = "0.9.2342.19200300.100.1.25",
        ["UID"] = "0.9.2342.19200300.100.1.1",
        ["emailAddress"] = "1.2.840.113549.1.9.1",
        ["E"] = "1.2.840.113549.1.9.1",
    };

    private static readonly Dictionary<string, string> ShortNameByOid = new(StringComparer.Ordinal)
    {
        ["2.5.4.3"] = "CN",
        ["2.5.4.4"] = "SN",
        ["2.5.4.5"] = "serialNumber",
        ["2.5.4.6"] = "C",
        ["2.5.4.7"] = "L",
        ["2.5.4.8"] = "ST",
        ["2.5.4.9"] = "street",
        ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU",
        ["2.5.4.12"] = "title",
        ["2.5.4.42"] = "GN",
        ["0.9.2342.19200300.100.1.25"] = "DC",
        ["0.9.2342.19200300.100.1.1"] = "UID",
        ["1.2.840.113549.1.9.1"] = "emailAddress",
    };

    /// <summary>Parses an RFC 4514 string, or an OpenSSL <c>/K=V/K=V</c> string when it starts with '/'.</summary>
    /// <exception cref="IssuanceException">The text is not a valid name (unknown attribute, bad escape, empty value, too long).</exception>
    public static X500DistinguishedName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw Invalid($"the name is longer than {MaxLength} characters");
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw Invalid("the name is empty");
        }

        // X500DistinguishedNameBuilder encodes in reverse order of addition, which is RFC 4514 string order
        // (section 2.1: the string starts with the last RDN of the sequence). OpenSSL's /K=V form is in encoding order.
        List<(string Oid, string Value)> attributes;
        if (trimmed[0] == '/')
        {
            attributes = [.. SplitUnescaped(trimmed[1..], '/').Select(ParseAttribute)];
            attributes.Reverse();
        }
        else
        {
            attributes = [.. SplitUnescaped(trimmed, ',').Select(ParseAttribute)];
        }

        if (attributes.Count > MaxAttributes)
        {
            throw Invalid($"the name has more than {MaxAttributes} attributes");
        }

        var builder = new X500DistinguishedNameBuilder();
        foreach (var (oid, value) in attributes)
        {
            try
            {
                switch (oid)
                {
                    case "2.5.4.6":
                        // X.520 countryName: two letters, PrintableString (what OpenSSL writes).
                        if (value.Length != 2 || !value.All(char.IsAsciiLetter))
                        {
                            throw Invalid($"the country '{value}' is not a two-letter code");
                        }

                        builder.Add(oid, value, UniversalTagNumber.PrintableString);
                        break;
                    case "1.2.840.113549.1.9.1":
                        builder.AddEmailAddress(value);
                        break;
                    case "0.9.2342.19200300.100.1.25":
                        builder.AddDomainComponent(value);
                        break;
                    case "2.5.4.5":
                        builder.Add(oid, value, UniversalTagNumber.PrintableString);
                        break;
                    default:
                        builder.Add(oid, value, UniversalTagNumber.UTF8String);
                        break;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw Invalid($"the value '{value}' is not allowed for {ShortName(oid)} ({ex.Message.TrimEnd('.')})");
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// The value of the name's one commonName attribute, or null when it has none: the device identity rule of
    /// <see cref="DeviceIdentityRules.ReadCommonName(DistinguishedName)"/>, shared with the profiles and the MQTT client.
    /// </summary>
    /// <exception cref="IssuanceException">The name has more than one commonName (<see cref="IssuanceErrorCode.PolicyViolation"/>).</exception>
    public static string? CommonName(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            return DeviceIdentityRules.ReadCommonName(name.RawData);
        }
        catch (MaterialException ex) when (ex.Code == MaterialErrorCode.AmbiguousCommonName)
        {
            throw new IssuanceException(IssuanceErrorCode.PolicyViolation, $"{ex.Message} (signing policy: one commonName)", ex);
        }
        catch (MaterialException ex)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidName, $"the name cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The OpenSSL one-line form (<c>/C=DE/O=Acme/CN=device-1</c>) used in an <c>openssl ca</c> index file.</summary>
    public static string ToOpenSslOneLine(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (rdn.HasMultipleElements)
            {
                text.Append('/').Append(rdn.RawData.Length.ToString(CultureInfo.InvariantCulture));
                continue;
            }

            var value = rdn.GetSingleElementValue() ?? string.Empty;
            text.Append('/').Append(ShortName(rdn.GetSingleElementType().Value ?? "?")).Append('=')
                .Append(value.Replace("\t", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));
        }

        return text.ToString();
    }

    /// <summary>The commonName in an OpenSSL one-line name, or null.</summary>
    internal static string? CommonNameFromOneLine(string oneLine)
    {
        string? cn = null;
        foreach (var part in oneLine.Split('/'))
        {
            if (part.StartsWith("CN=", StringComparison.Ordinal))
            {
                cn = part[3..];
            }
        }

        return cn;
    }

    private static string ShortName(string oid) => ShortNameByOid.TryGetValue(oid, out var name) ? name : oid;

    private static (string Oid, string Value) ParseAttribute(string attribute)
    {
        var eq = attribute.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw Invalid($"'{attribute.Trim()}' is not of the form type=value");
        }

        var type = attribute[..eq].Trim();
        string oid;
        if (OidByName.TryGetValue(type, out var known))
        {
            oid = known;
        }
        else if (type.Length > 0 && char.IsDigit(type[0]) && type.All(c => char.IsDigit(c) || c == '.'))
        {
            oid = type;
        }
        else
        {
            throw Invalid($"'{type}' is not a known attribute type (use CN, O, OU, C, ST, L, emailAddress, DC, UID, serialNumber or a dotted OID)");
        }

        var value = Unescape(attribute[(eq + 1)..].Trim());
        if (value.Length == 0)
        {
            throw Invalid($"the {type} value is empty");
        }

        return (oid, value);
    }

    // Splits on separators not preceded by a backslash and outside double quotes; '+' (multi-valued RDN) is refused.
    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
                current.Append(c);
            }
            else if (c == separator && !quoted)
            {
                yield return current.ToString();
                current.Clear();
            }
            else if (c == '+' && !quoted && separator == ',')
            {
                throw Invalid("multi-valued RDNs ('+') are not supported");
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw Invalid("a quoted value is not closed");
        }

        yield return current.ToString();
    }

    // RFC 4514 section 2.4 escapes: \<special>, \\, and \XX hex pairs forming UTF-8.
    private static string Unescape(string value)
    {
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        if (value.StartsWith('#'))
        {
            throw Invalid("hex-encoded (#...) attribute values are not supported");
        }

        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != '\\')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            if (i + 1 >= value.Length)
            {
                throw Invalid("the name ends with a lone backslash");
            }

            if (i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                bytes.Add(byte.Parse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[++i].ToString()));
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid("an escaped value is not valid UTF-8");
        }
    }

    private static IssuanceException Invalid(string detail) => new(IssuanceErrorCode.InvalidName, $"invalid subject name: {detail}");
}
