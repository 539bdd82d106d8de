using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

/// <summary>One test per limit and per structural error, each showing the parse stops with its own code and sentence.</summary>
public sealed class ParseLimitsTests
{
    [Fact]
    public void EmptyInputIsEmpty() =>
        Assert.Equal(MaterialErrorCode.Empty, Assert.Throws<MaterialException>(() => Certificate.Parse(ReadOnlyMemory<byte>.Empty)).Code);

    [Fact]
    public void TruncatedInputIsTruncated()
    {
        var der = TestCertificates.Get("p256-sha256");
        foreach (var length in new[] { 1, 3, 100, der.Length - 1 })
        {
            var error = Assert.Throws<MaterialException>(() => Certificate.Parse(der.AsMemory(0, length)));
            Assert.Equal(MaterialErrorCode.Truncated, error.Code);
            Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TrailingDataIsMalformed()
    {
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(TestCertificates.Get("p256-sha256").Append((byte)0).ToArray()));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.Contains("trailing data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OversizedInputIsInputTooLarge()
    {
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(TestCertificates.Get("p256-sha256"), new ParseLimits { MaxEncodedSize = 500 }));
        Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);
        Assert.Contains("500 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtensionLimitStopsTheParse()
    {
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(TestCertificates.Get("p256-sha256"), new ParseLimits { MaxExtensions = 5 }));
        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("more than 5 extensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneralNameLimitStopsTheParse()
    {
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(TestCertificates.Get("p256-sha256"), new ParseLimits { MaxGeneralNames = 3 }));
        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("more than 3 names", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NameAttributeLimitStopsTheParse()
    {
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(TestCertificates.Get("p256-sha256"), new ParseLimits { MaxRelativeDistinguishedNames = 2 }));
        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("more than 2 attributes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestAttributeLimitStopsTheParse()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.OtherRequestAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.7", new byte[] { 0x0C, 0x01, (byte)'p' }));
        var error = Assert.Throws<MaterialException>(() => CertificationRequest.Parse(request.CreateSigningRequest(), new ParseLimits { MaxRequestAttributes = 1 }));
        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
    }

    [Fact]
    public void DuplicateExtensionIsMalformed()
    {
        var der = RawCertificate.Build(("2.5.29.19", true, [0x30, 0x00]), ("2.5.29.19", true, [0x30, 0x03, 0x01, 0x01, 0xFF]));
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(der));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.Contains("2.5.29.19 more than once", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.5.29.19", new byte[] { 0x30, 0x03, 0x02, 0x01, 0xFF })]          // negative pathLenConstraint
    [InlineData("2.5.29.19", new byte[] { 0x30, 0x03, 0x01, 0x01, 0x01 })]          // BOOLEAN TRUE not encoded as 0xFF (DER)
    [InlineData("2.5.29.15", new byte[] { 0x04, 0x01, 0x00 })]                      // keyUsage not a BIT STRING
    [InlineData("2.5.29.17", new byte[] { 0x30, 0x03, 0x87, 0x01, 0x0A })]          // 1-byte IP address
    [InlineData("2.5.29.17", new byte[] { 0x30, 0x03, 0x82, 0x01, 0xC3 })]          // non-ASCII dNSName
    [InlineData("2.5.29.37", new byte[] { 0x30, 0x02, 0x06, 0x00 })]                // empty OID
    [InlineData("2.5.29.35", new byte[] { 0x30, 0x02, 0x80, 0x00, 0x00 })]          // trailing byte after the SEQUENCE
    [InlineData("2.5.29.31", new byte[] { 0x30, 0x04, 0x30, 0x02, 0x05, 0x00 })]    // DistributionPoint with a NULL
    [InlineData("1.3.6.1.5.5.7.1.1", new byte[] { 0x30, 0x02, 0x30, 0x00 })]        // AccessDescription without method
    public void MalformedKnownExtensionIsMalformed(string oid, byte[] value)
    {
        var der = RawCertificate.Build((oid, false, value));
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(der));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.False(Certificate.TryParse(der, out _, out var tryError));
        Assert.Equal(error.Message, tryError.Message);
    }

    [Fact]
    public void WellFormedRawExtensionsParse()
    {
        var certificate = Certificate.Parse(RawCertificate.Build(("2.5.29.19", true, [0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x00]), ("2.5.29.15", false, [0x03, 0x02, 0x01, 0x06])));
        Assert.Equal(new BasicConstraints(true, 0), certificate.BasicConstraints);
        Assert.Equal(KeyUsage.KeyCertSign | KeyUsage.CrlSign, certificate.KeyUsage);
    }

    [Fact]
    public void UniqueIdentifiersAreExposed()
    {
        var certificate = Certificate.Parse(RawCertificate.Build(true, ("2.5.29.19", true, [0x30, 0x00])));
        Assert.Equal([0xAA, 0xBB], certificate.IssuerUniqueId!.Value.ToArray());
        Assert.Equal([0xCC], certificate.SubjectUniqueId!.Value.ToArray());
        Assert.Equal(new BasicConstraints(false, null), certificate.BasicConstraints);
        Assert.True(certificate.IsSelfIssued);
    }

    [Fact]
    public void UnknownExtensionsAreKeptRawWhateverTheyHold()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=raw", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension("1.2.3.4", new byte[] { 0xFF, 0xFF }, true));
        using var platform = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var extension = Assert.Single(Certificate.Parse(platform.RawData).Extensions);
        Assert.Equal([0xFF, 0xFF], extension.Value.ToArray());
        Assert.True(extension.Critical);
    }

    [Fact]
    public void NonDerLengthIsMalformed()
    {
        // The TBSCertificate length rewritten from 82 HH LL to 83 00 HH LL: valid BER, but not minimal, so not DER.
        var der = TestCertificates.Get("p256-minimal");
        Assert.Equal([0x30, 0x82], der[..2]);
        Assert.Equal([0x30, 0x82], der[4..6]);
        var outerLength = ((der[2] << 8) | der[3]) + 1;
        byte[] widened = [0x30, 0x82, (byte)(outerLength >> 8), (byte)outerLength, 0x30, 0x83, 0x00, .. der[6..]];
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(widened));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.IsType<AsnContentException>(error.InnerException);
    }

    [Fact]
    public void SanWithIpAddressOfWrongSizeIsRejectedButNameConstraintMasksAreAccepted()
    {
        var certificate = Certificate.Parse(TestCertificates.Get("rsa2048-sha256"));
        Assert.Equal(IPAddress.Parse("192.0.2.17"), certificate.SubjectAlternativeNames!.First(n => n.Kind == GeneralNameKind.IPAddress).IPAddress);
        Assert.Equal(8, certificate.NameConstraints!.PermittedSubtrees[1].Base.RawValue.Length);
    }
}
