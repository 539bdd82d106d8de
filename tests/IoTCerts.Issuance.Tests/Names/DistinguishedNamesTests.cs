using System.Security.Cryptography.X509Certificates;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Issuance.Tests.Names;

public sealed class DistinguishedNamesTests
{
    [Theory]
    [InlineData("CN=device-1,O=Acme,C=DE", "/C=DE/O=Acme/CN=device-1")]
    [InlineData("/C=DE/O=Acme/CN=device-1", "/C=DE/O=Acme/CN=device-1")]
    [InlineData("CN=a\\,b,O=x", "/O=x/CN=a,b")]
    [InlineData("CN=\"quoted, value\"", "/CN=quoted, value")]
    [InlineData("CN=caf\\C3\\A9", "/CN=café")]
    [InlineData("emailAddress=ops@example.com,CN=d:type:id", "/CN=d:type:id/emailAddress=ops@example.com")]
    [InlineData("CN=x, OU=Fleet, O=Acme, L=Berlin, ST=Berlin, C=DE", "/C=DE/ST=Berlin/L=Berlin/O=Acme/OU=Fleet/CN=x")]
    [InlineData("2.5.4.3=by-oid", "/CN=by-oid")]
    public void ParsesRfc4514AndOpenSslForms(string text, string oneLine)
    {
        var name = DistinguishedNames.Parse(text);

        Assert.Equal(oneLine, DistinguishedNames.ToOpenSslOneLine(name));
    }

    [Fact]
    public void CountryIsPrintableStringAndCommonNameUtf8AsOpenSslWrites()
    {
        var name = DistinguishedNames.Parse("CN=x,C=DE");
        Assert.Equal("CN=x, C=DE", name.Name); // .NET prints most specific first, like RFC 4514
        var reader = new System.Formats.Asn1.AsnReader(name.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var c = reader.ReadSetOf().ReadSequence();
        c.ReadObjectIdentifier();
        Assert.Equal(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.UniversalTagNumber.PrintableString), c.PeekTag());
        var cn = reader.ReadSetOf().ReadSequence();
        cn.ReadObjectIdentifier();
        Assert.Equal(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.UniversalTagNumber.UTF8String), cn.PeekTag());
    }

    [Theory]
    [InlineData("")]
    [InlineData("CN")]
    [InlineData("CN=")]
    [InlineData("XX=unknown")]
    [InlineData("CN=a+O=b")]
    [InlineData("C=DEU")]
    [InlineData("CN=\"open")]
    [InlineData("CN=#0403")]
    [InlineData("CN=trailing\\")]
    public void RejectsInvalidNamesWithOurException(string text)
    {
        var ex = Assert.Throws<IssuanceException>(() => DistinguishedNames.Parse(text));

        Assert.Equal(IssuanceErrorCode.InvalidName, ex.Code);
    }

    [Fact]
    public void RejectsOverlongInput()
    {
        var ex = Assert.Throws<IssuanceException>(() => DistinguishedNames.Parse("CN=" + new string('a', 5000)));
        Assert.Equal(IssuanceErrorCode.InvalidName, ex.Code);
    }

    [Fact]
    public void CommonNameIsTheLastCnAttribute()
    {
        Assert.Equal("dev", DistinguishedNames.CommonName(DistinguishedNames.Parse("/O=x/CN=dev")));
        Assert.Null(DistinguishedNames.CommonName(DistinguishedNames.Parse("O=x")));
    }

    [Property]
    public Property EscapedRfc4514RoundTripsThroughDotNetFormatting()
    {
        // Property: any printable value survives escaping + parsing, and the RDN order is preserved.
        var value = ArbMap.Default.GeneratorFor<NonEmptyString>()
            .Select(s => new string([.. s.Get.Where(ch => ch >= 0x20 && ch < 0xD800)]).Trim())
            .Where(s => s.Length > 0);
        return Prop.ForAll(value.ToArbitrary(), value.ToArbitrary(), (cn, o) =>
        {
            var text = $"CN={Escape(cn)},O={Escape(o)}";
            var name = DistinguishedNames.Parse(text);
            var rdns = name.EnumerateRelativeDistinguishedNames(reversed: false).ToList();
            return rdns.Count == 2 && rdns[0].GetSingleElementValue() == o && rdns[1].GetSingleElementValue() == cn
                && DistinguishedNames.CommonName(name) == cn;
        });
    }

    private static string Escape(string value)
    {
        var text = new System.Text.StringBuilder();
        foreach (var ch in value)
        {
            if (",+\"\\<>;=#/".Contains(ch, StringComparison.Ordinal))
            {
                text.Append('\\');
            }

            text.Append(ch);
        }

        return text.ToString();
    }
}

public sealed class SubjectAlternativeNamesTests
{
    [Fact]
    public void BuildsEveryKindOpenSslShows()
    {
        var extension = SubjectAlternativeNames.Build(["DNS:host.example", "IP:192.0.2.7", "IP:2001:db8::1", "email:d:type:id", "URI:urn:dev:1"]);
        var san = new X509SubjectAlternativeNameExtension(extension.RawData);

        Assert.Equal(["host.example"], san.EnumerateDnsNames());
        Assert.Equal(2, san.EnumerateIPAddresses().Count());
        Assert.False(extension.Critical);
    }

    [Theory]
    [InlineData("host.example")]
    [InlineData("IP:300.1.1.1")]
    [InlineData("DNS:has space")]
    [InlineData("URI:relative/path")]
    [InlineData("XYZ:value")]
    [InlineData("DNS:")]
    public void RejectsBadEntries(string entry)
    {
        var ex = Assert.Throws<IssuanceException>(() => SubjectAlternativeNames.Build([entry]));
        Assert.Equal(IssuanceErrorCode.InvalidSubjectAlternativeName, ex.Code);
    }
}
