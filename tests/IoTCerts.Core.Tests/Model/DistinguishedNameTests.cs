using System.Security.Cryptography.X509Certificates;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Core.Tests.Model;

public sealed class DistinguishedNameTests
{
    [Theory]
    [InlineData("a,b", "a\\,b")]
    [InlineData("a+b", "a\\+b")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("<tag>;", "\\<tag\\>\\;")]
    [InlineData(" leading", "\\ leading")]
    [InlineData("trailing ", "trailing\\ ")]
    [InlineData("#hash", "\\#hash")]
    [InlineData("mid#dle = ok", "mid#dle = ok")]
    [InlineData("nul\0byte", "nul\\00byte")]
    [InlineData("Grüße 😀", "Grüße 😀")]
    public void Rfc4514EscapesSpecialCharacters(string value, string escaped)
    {
        // X500DistinguishedNameBuilder encodes in reverse order of the calls, so calls follow RFC 4514 order.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(value);
        builder.AddOrganizationName("Org");
        var name = DistinguishedName.Parse(builder.Build().RawData);

        Assert.Equal("CN=" + escaped + ",O=Org", name.Rfc4514Name);
        Assert.Equal(value, name.CommonName);
        Assert.Equal(value, name.RelativeNames[1].Attributes[0].Value);
    }

    [Fact]
    public void AttributesExposeShortNamesTagsAndNonStringValues()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName("d:devtype:devid");
        builder.Add("1.3.6.1.4.1.99999.9", "custom");
        builder.Add("2.5.4.5", "SN-42");
        builder.AddEmailAddress("ops@example.com");
        builder.AddLocalityName("SF");
        builder.AddStateOrProvinceName("CA");
        builder.AddCountryOrRegion("US");
        builder.AddDomainComponent("example");
        builder.AddDomainComponent("com");
        var name = DistinguishedName.Parse(builder.Build().RawData);

        Assert.Equal("CN=d:devtype:devid,1.3.6.1.4.1.99999.9=custom,serialNumber=SN-42,emailAddress=ops@example.com,L=SF,ST=CA,C=US,DC=example,DC=com", name.Rfc4514Name);
        Assert.Equal(["com", "example"], name.GetValues("0.9.2342.19200300.100.1.25"));
        Assert.Equal("ops@example.com", name.EmailAddress);
        Assert.Equal("SN-42", name.SerialNumber);
        Assert.Equal("CA", name.StateOrProvince);
        Assert.Equal("SF", name.Locality);
        var country = name.Attributes.Single(a => a.Oid == "2.5.4.6");
        Assert.Equal("C", country.ShortName);
        Assert.Equal(System.Formats.Asn1.UniversalTagNumber.PrintableString, (System.Formats.Asn1.UniversalTagNumber)country.ValueTag.TagValue);
        Assert.Equal(System.Formats.Asn1.UniversalTagNumber.IA5String, (System.Formats.Asn1.UniversalTagNumber)name.Attributes.Single(a => a.ShortName == "emailAddress").ValueTag.TagValue);
        Assert.Null(name.Attributes.Single(a => a.Oid == "1.3.6.1.4.1.99999.9").ShortName);
    }

    [Fact]
    public void MultiValuedAndNonStringAttributesFollowRfc4514()
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Run("req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", "k.pem", "-out", "c.pem",
            "-subj", "/O=Org/OU=A+CN=B", "-multivalue-rdn", "-days", "1");
        var certificate = Certificate.Parse(workspace.ReadDer("c.pem"));
        // DER sorts the SET of a multi-valued RDN, so CN (2.5.4.3) precedes OU (2.5.4.11) in the encoding and the string.
        Assert.Equal("CN=B+OU=A,O=Org", certificate.Subject.Rfc4514Name);
        Assert.Equal(2, certificate.Subject.RelativeNames[1].Attributes.Count);

        // An attribute whose value is not a string is shown as '#' + hex of its DER (RFC 4514 2.4).
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSetOf())
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.3.4");
            writer.WriteInteger(5);
        }

        var name = DistinguishedName.Parse(writer.Encode());
        Assert.Equal("1.2.3.4=#020105", name.Rfc4514Name);
        Assert.False(name.Attributes.Single().IsString);
    }

    [Fact]
    public void EqualityComparesEncodings()
    {
        var a = DistinguishedName.Parse(new X500DistinguishedName("CN=x, O=y").RawData);
        var b = DistinguishedName.Parse(new X500DistinguishedName("CN=x, O=y").RawData);
        var c = DistinguishedName.Parse(new X500DistinguishedName("CN=x, O=z").RawData);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.False(a.IsEmpty);
        Assert.True(DistinguishedName.Parse(new byte[] { 0x30, 0x00 }).IsEmpty);
    }

    [Fact]
    public void MalformedNamesAreRejected()
    {
        Assert.Equal(MaterialErrorCode.Malformed, Assert.Throws<MaterialException>(() => DistinguishedName.Parse(new byte[] { 0x30, 0x02, 0x31, 0x00 })).Code);
        Assert.Equal(MaterialErrorCode.Truncated, Assert.Throws<MaterialException>(() => DistinguishedName.Parse(new byte[] { 0x30, 0x05, 0x31 })).Code);
    }

    /// <summary>
    /// Property: for generated names (X500DistinguishedNameBuilder, arbitrary text values), the RFC 4514 string is
    /// unambiguous: splitting it with an independent RFC 4514 reader gives back the values (the builder encodes in
    /// reverse call order and RFC 4514 reverses again, so the call order comes back).
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property Rfc4514StringsOfGeneratedNamesRoundTrip()
    {
        var alphabet = "abcXYZ019 ,+\"\\<>;#=é€😀\0-".EnumerateRunes().Select(r => r.ToString()).ToArray();
        var text = Gen.ArrayOf(Gen.Elements(alphabet)).Select(parts => string.Concat(parts)).Where(s => s.Length > 0);
        return Prop.ForAll(Arb.From(Gen.NonEmptyListOf(text).Select(l => l.Take(6).ToArray())), values =>
        {
            var builder = new X500DistinguishedNameBuilder();
            foreach (var value in values)
            {
                builder.AddCommonName(value);
            }

            var name = DistinguishedName.Parse(builder.Build().RawData);
            var parsed = SplitRfc4514(name.Rfc4514Name);
            return parsed.SequenceEqual(values.Select(v => ("CN", v)));
        });
    }

    /// <summary>An RFC 4514 reader written from section 3 of the RFC, independent of the model's escaping code.</summary>
    private static List<(string Type, string Value)> SplitRfc4514(string text)
    {
        var result = new List<(string, string)>();
        var i = 0;
        while (i < text.Length)
        {
            var equals = text.IndexOf('=', i);
            var type = text[i..equals];
            i = equals + 1;
            var bytes = new List<byte>();
            while (i < text.Length && text[i] != ',' && text[i] != '+')
            {
                if (text[i] == '\\')
                {
                    var next = text[i + 1];
                    if (Uri.IsHexDigit(next) && i + 2 < text.Length && Uri.IsHexDigit(text[i + 2]))
                    {
                        bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                        i += 3;
                    }
                    else
                    {
                        bytes.AddRange(Encoding.UTF8.GetBytes(next.ToString()));
                        i += 2;
                    }
                }
                else
                {
                    var length = char.IsHighSurrogate(text[i]) ? 2 : 1;
                    bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, length)));
                    i += length;
                }
            }

            result.Add((type, Encoding.UTF8.GetString([.. bytes])));
            i++;
        }

        return result;
    }
}
