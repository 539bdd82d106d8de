using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>The server trust policy (explicit anchors, name or id-kp-cmcRA) and the limits on hostile input.</summary>
public sealed class TrustAndLimitTests
{
    private static X509Certificate2 ServerCertificate(X509Certificate2 ca, bool registrationAuthority)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=est-ra", key, HashAlgorithmName.SHA256);
        OidCollection usages = [new Oid("1.3.6.1.5.5.7.3.1")];
        if (registrationAuthority)
        {
            usages.Add(new Oid(EstHandlerFactory.CmcRaOid));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [5, 6, 7]);
    }

    [Theory]
    [InlineData(true, true, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, true)]
    [InlineData(true, false, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, false)]
    [InlineData(false, true, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, false)]
    [InlineData(false, false, SslPolicyErrors.RemoteCertificateChainErrors, true)]
    public void NameMismatchIsAcceptedOnlyForRegistrationAuthorityCertificatesWhenAllowed(bool hasRaUsage, bool acceptRa, SslPolicyErrors errors, bool trusted)
    {
        var ca = TestPki.CreateRoot("RA test CA");
        var server = ServerCertificate(ca, hasRaUsage);

        Assert.Equal(trusted, EstHandlerFactory.IsServerTrusted(server, null, errors, [ca], useSystem: false, acceptRa, TimeProvider.System));
    }

    [Fact]
    public void NoAnchorsAndNoSystemStoreTrustsNothing()
    {
        var ca = TestPki.CreateRoot("nothing");
        var server = ServerCertificate(ca, registrationAuthority: false);

        Assert.False(EstHandlerFactory.IsServerTrusted(server, null, SslPolicyErrors.None, [], useSystem: false, acceptRa: true, TimeProvider.System));
        Assert.False(EstHandlerFactory.IsServerTrusted(server, null, SslPolicyErrors.None, [TestPki.CreateRoot("other")], useSystem: false, acceptRa: true, TimeProvider.System));
        Assert.True(EstHandlerFactory.IsServerTrusted(server, null, SslPolicyErrors.None, [], useSystem: true, acceptRa: false, TimeProvider.System));
    }

    [Fact]
    public void CsrAttributesStopAtTheirEntryLimit()
    {
        var encoded = CsrAttributes.Encode(Enumerable.Repeat("2.999.1", CsrAttributes.MaxEntries + 1));

        var error = Assert.Throws<FormatException>(() => CsrAttributes.Parse(encoded));

        Assert.Contains($"{CsrAttributes.MaxEntries}", error.Message, StringComparison.Ordinal);
        Assert.Equal(CsrAttributes.MaxEntries, CsrAttributes.Parse(CsrAttributes.Encode(Enumerable.Repeat("2.999.1", CsrAttributes.MaxEntries))).Entries.Count);
    }

    [Fact]
    public void CertsOnlyStopsAtItsCertificateLimit()
    {
        var certificate = TestPki.CreateRoot("many");
        var encoded = CertsOnlyCodec.Write(Enumerable.Repeat(certificate, CertsOnlyCodec.MaxCertificates + 1));

        Assert.Throws<FormatException>(() => CertsOnlyCodec.ReadCertificates(encoded));
        Assert.Equal(CertsOnlyCodec.MaxCertificates, CertsOnlyCodec.ReadCertificates(CertsOnlyCodec.Write(Enumerable.Repeat(certificate, CertsOnlyCodec.MaxCertificates))).Count);
    }

    [Fact]
    public void MultipartStopsAtItsPartLimit()
    {
        var body = MultipartMixed.Write("b", Enumerable.Repeat(("application/pkcs8", "QUJD\r\n"), MultipartMixed.MaxParts + 1));

        Assert.Throws<FormatException>(() => MultipartMixed.Read(body, "b"));
    }

    [Fact]
    public void GarbageNeverEscapesAsAnotherExceptionType()
    {
        var random = new Random(8951);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 2)
            {
                bytes[0] = 0x30;
            }

            AssertOnlyFormatException(() => CsrAttributes.Parse(bytes));
            AssertOnlyFormatException(() => CertsOnlyCodec.ReadCertificates(bytes));
            AssertOnlyFormatException(() => EstBody.Decode(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes).Insert(0, i % 3 == 0 ? "-----BEGIN X-----" : string.Empty))));
        }
    }

    private static void AssertOnlyFormatException(Action action)
    {
        try
        {
            action();
        }
        catch (FormatException)
        {
        }
        catch (AsnContentException ex)
        {
            Assert.Fail($"AsnContentException escaped: {ex.Message}");
        }
    }
}
