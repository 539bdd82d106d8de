using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

public sealed class CertificateTests
{
    [Fact]
    public void AbsentOptionalExtensionsAreNullNotEmpty()
    {
        var certificate = Certificate.Parse(TestCertificates.Get("p256-minimal"));

        Assert.Null(certificate.SubjectKeyIdentifier);
        Assert.Null(certificate.AuthorityKeyIdentifier);
        Assert.Null(certificate.BasicConstraints);
        Assert.Null(certificate.KeyUsage);
        Assert.Null(certificate.SubjectAlternativeNames);
    }

    [Fact]
    public void TypedExtensionsDecodeEveryKind()
    {
        var certificate = Certificate.Parse(TestCertificates.Get("p256-sha256"));

        Assert.Equal(3, certificate.Version);
        Assert.Equal("0123456789ABCDEF10", certificate.SerialNumberHex);
        Assert.False(certificate.HasNonPositiveSerial);
        Assert.Equal(new BasicConstraints(true, 2), certificate.BasicConstraints);
        Assert.Equal(KeyUsage.DigitalSignature | KeyUsage.KeyCertSign | KeyUsage.CrlSign | KeyUsage.DecipherOnly, certificate.KeyUsage);
        Assert.Equal([ExtendedKeyUsageOids.ServerAuth, ExtendedKeyUsageOids.ClientAuth, ExtendedKeyUsageOids.CmcRegistrationAuthority], certificate.ExtendedKeyUsages);
        Assert.Equal(20, certificate.SubjectKeyIdentifier!.Value.Length);

        var aki = certificate.AuthorityKeyIdentifier!;
        Assert.Equal(20, aki.KeyIdentifier!.Value.Length);
        Assert.Equal("CN=Test Root CA", Assert.Single(aki.AuthorityCertIssuer).DirectoryName!.Rfc4514Name);
        Assert.Equal(new byte[] { 0x05, 0x39 }, aki.AuthorityCertSerialNumber!.Value.ToArray());

        var san = certificate.SubjectAlternativeNames!;
        Assert.Equal(["device-0001.example.com", "*.devices.example.com"], san.Where(n => n.Kind == GeneralNameKind.DnsName).Select(n => n.Value));
        Assert.Equal([IPAddress.Parse("192.0.2.17"), IPAddress.Parse("2001:db8::1")], san.Where(n => n.Kind == GeneralNameKind.IPAddress).Select(n => n.IPAddress));
        Assert.Equal([4, 16], san.Where(n => n.Kind == GeneralNameKind.IPAddress).Select(n => n.RawValue.Length));
        Assert.Equal("d:type:0001@example.com", san.Single(n => n.Kind == GeneralNameKind.Rfc822Name).Value);
        Assert.Equal("urn:device:0001", san.Single(n => n.Kind == GeneralNameKind.Uri).Value);
        var upn = san.Single(n => n.Kind == GeneralNameKind.OtherName);
        Assert.Equal("1.3.6.1.4.1.311.20.2.3", upn.OtherNameTypeOid);
        Assert.Equal("device@example.com", AsnDecoder.ReadCharacterString(upn.OtherNameValue.Span, AsnEncodingRules.DER, UniversalTagNumber.UTF8String, out _));
        Assert.Equal("CN=Directory Name,O=IoTCerts", san.Single(n => n.Kind == GeneralNameKind.DirectoryName).DirectoryName!.Rfc4514Name);
        Assert.Equal("1.3.6.1.4.1.99999.1", san.Single(n => n.Kind == GeneralNameKind.RegisteredId).Value);
        Assert.Equal("IP Address:2001:db8::1", san.Single(n => n.IPAddress?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).ToString());

        Assert.Equal(["http://pki.example.com/ca.crl", "http://backup.example.com:8080/ca.crl"], certificate.CrlDistributionPointUris);
        Assert.Null(certificate.CrlDistributionPoints![0].Reasons);
        Assert.Equal(["http://ocsp.example.com"], certificate.OcspUris);
        Assert.Equal(["http://pki.example.com/ca.cer"], certificate.CaIssuersUris);

        var constraints = certificate.NameConstraints!;
        Assert.Equal(".example.com", constraints.PermittedSubtrees[0].Base.Value);
        Assert.Equal("IP Address:10.0.0.0/255.0.0.0", constraints.PermittedSubtrees[1].Base.ToString());
        Assert.Null(constraints.PermittedSubtrees[1].Base.IPAddress);
        var excluded = Assert.Single(constraints.ExcludedSubtrees);
        Assert.Equal("O=Evil", excluded.Base.DirectoryName!.Rfc4514Name);
        Assert.Equal(0, excluded.Minimum);
        Assert.Equal(5, excluded.Maximum);

        var policies = certificate.CertificatePolicies!;
        Assert.Equal(["2.23.140.1.2.1", "1.3.6.1.4.1.99999.2.1"], policies.Select(p => p.PolicyOid));
        Assert.Empty(policies[0].Qualifiers);
        Assert.Equal("http://pki.example.com/cps", Assert.Single(policies[1].Qualifiers).CpsUri);

        var unknown = certificate.GetExtension("1.3.6.1.4.1.99999.7")!;
        Assert.Equal(new byte[] { 0x04, 0x03, 0x01, 0x02, 0x03 }, unknown.Value.ToArray());
        Assert.Equal("1.3.6.1.4.1.99999.7", unknown.FriendlyName);
        Assert.Equal("basicConstraints", certificate.Extensions[0].FriendlyName);
        Assert.True(certificate.Extensions[0].Critical);
    }

    [Fact]
    public void SubjectIssuerKeyAndSignatureAreExposed()
    {
        var der = TestCertificates.Get("p384-sha384");
        var certificate = Certificate.Parse(der);
        using var workspace = new OpenSslWorkspace();
        File.WriteAllBytes(workspace.PathOf("c.der"), der);
        var openSslSubject = workspace.Run("x509", "-inform", "DER", "-in", "c.der", "-noout", "-subject", "-nameopt", "RFC2253").Trim();

        Assert.Equal("subject=" + certificate.Subject.Rfc4514Name, openSslSubject);
        Assert.Equal("C=DE,O=IoTCerts\\, Test\\+Org,OU=Devices,CN=device-0001", certificate.Subject.Rfc4514Name);
        Assert.Equal("device-0001", certificate.Subject.CommonName);
        Assert.Equal("IoTCerts, Test+Org", certificate.Subject.Organization);
        Assert.Equal("DE", certificate.Subject.Country);
        Assert.Equal("CN=Test Issuing CA,O=IoTCerts,C=DE", certificate.Issuer.ToString());
        Assert.False(certificate.IsSelfIssued);
        Assert.Equal(PublicKeyKind.EllipticCurve, certificate.PublicKey.Kind);
        Assert.Equal("P-384", certificate.PublicKey.CurveName);
        Assert.Equal("1.3.132.0.34", certificate.PublicKey.CurveOid);
        Assert.Equal(384, certificate.PublicKey.KeySize);
        Assert.Equal(SignatureAlgorithmKind.Ecdsa, certificate.SignatureAlgorithm.Kind);
        Assert.True(certificate.SignatureAlgorithm.IsEcdsa);
        Assert.Equal("ecdsa-with-SHA384", certificate.SignatureAlgorithm.FriendlyName);
        Assert.Equal(HashAlgorithmName.SHA384, certificate.SignatureAlgorithm.HashAlgorithm);
        Assert.True(certificate.SignatureAlgorithmsMatch);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(der)), certificate.Sha256Thumbprint);
        Assert.Null(certificate.IssuerUniqueId);
        using var ecdsa = certificate.PublicKey.CreateECDsa();
        Assert.Equal(384, ecdsa.KeySize);
        Assert.Throws<MaterialException>(() => certificate.PublicKey.CreateRsa());

        // The issuer is the P-256 key used for "p256-sha256" only in name; the self-check fails, the real issuer key passes.
        Assert.False(certificate.IsSignatureValid(certificate.PublicKey));
    }

    [Theory]
    [InlineData("rsa2048-sha256", SignatureAlgorithmKind.RsaPkcs1, 2048)]
    [InlineData("rsa2048-pss-sha256", SignatureAlgorithmKind.RsaPss, 2048)]
    [InlineData("rsa4096-pss-sha512", SignatureAlgorithmKind.RsaPss, 4096)]
    [InlineData("p256-sha256", SignatureAlgorithmKind.Ecdsa, 256)]
    [InlineData("p521-sha512", SignatureAlgorithmKind.Ecdsa, 521)]
    public void SelfSignedCertificatesVerifyWithTheirOwnKey(string name, SignatureAlgorithmKind kind, int keySize)
    {
        var der = TestCertificates.Get(name);
        var certificate = Certificate.Parse(der);
        Assert.Equal(kind, certificate.SignatureAlgorithm.Kind);
        Assert.Equal(keySize, certificate.PublicKey.KeySize);
        Assert.True(certificate.IsSignatureValid(certificate.PublicKey));

        var tampered = (byte[])der.Clone();
        var serial = certificate.SerialNumber.ToArray();
        tampered[IndexOf(tampered, serial) + serial.Length - 1] ^= 0x01;
        Assert.False(Certificate.Parse(tampered).IsSignatureValid(certificate.PublicKey));
    }

    [Fact]
    public void PssParametersAreDecoded()
    {
        var certificate = Certificate.Parse(TestCertificates.Get("rsa4096-pss-sha512"));
        Assert.True(certificate.SignatureAlgorithm.IsRsaPss);
        Assert.Equal(new RsaPssParameters(HashAlgorithmName.SHA512, HashAlgorithmName.SHA512, 64, 1), certificate.SignatureAlgorithm.PssParameters);
        Assert.Equal(HashAlgorithmName.SHA512, certificate.SignatureAlgorithm.HashAlgorithm);
        Assert.Equal("rsassaPss", certificate.SignatureAlgorithm.FriendlyName);
        Assert.False(certificate.SignatureAlgorithm.Parameters.IsEmpty);
    }

    [Fact]
    public void OpenSslPssWithDefaultSaltIsDecoded()
    {
        using var workspace = new OpenSslWorkspace();
        workspace.Run("req", "-x509", "-nodes", "-newkey", "rsa:2048", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=pss", "-days", "1",
            "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1", "-sha384");
        var certificate = Certificate.Parse(workspace.ReadDer("c.pem"));
        Assert.Equal(new RsaPssParameters(HashAlgorithmName.SHA384, HashAlgorithmName.SHA384, 48, 1), certificate.SignatureAlgorithm.PssParameters);
        Assert.True(certificate.IsSignatureValid(certificate.PublicKey));
    }

    [Theory]
    [InlineData(1950, 1, 1, 0x17)]
    [InlineData(2049, 12, 31, 0x17)]
    [InlineData(1949, 12, 31, 0x18)]
    [InlineData(2050, 1, 1, 0x18)]
    public void ValidityUsesUtcTimeFrom1950To2049AndGeneralizedTimeOtherwise(int year, int month, int day, byte expectedTag)
    {
        var instant = new DateTimeOffset(year, month, day, 12, 30, 45, TimeSpan.Zero);
        var request = new CertificateRequest("CN=time", TestCertificates.Rsa2048, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var notBefore = year < 2000 ? instant : new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var notAfter = year < 2000 ? new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero) : instant;
        using var platform = request.CreateSelfSigned(notBefore, notAfter);
        var certificate = Certificate.Parse(platform.RawData);

        Assert.Equal(notBefore, certificate.NotBefore);
        Assert.Equal(notAfter, certificate.NotAfter);
        var tagByte = EncodedTimeTag(platform.RawData, year < 2000 ? 0 : 1);
        Assert.Equal(expectedTag, tagByte);
    }

    [Fact]
    public void GeneralizedTimeWithFractionIsRejectedLikeDerDemands()
    {
        // A GeneralizedTime with a trailing zero in the fraction is not DER (X.690 11.7.3).
        var der = ReplaceTime(TestCertificates.Get("p256-minimal"), "20340101000000.10Z");
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(der));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
    }

    [Fact]
    public void GeneralizedTimeBeyond2049IsRead()
    {
        var der = ReplaceTime(TestCertificates.Get("p256-minimal"), "29690503000001Z");
        Assert.Equal(new DateTimeOffset(2969, 5, 3, 0, 0, 1, TimeSpan.Zero), Certificate.Parse(der).NotAfter);
    }

    [Fact]
    public void ConvertsToAndFromX509Certificate2()
    {
        var der = TestCertificates.Get("rsa2048-sha256");
        var certificate = Certificate.Parse(der);
        using var platform = certificate.ToX509Certificate2();
        Assert.Equal(der, platform.RawData);
        var back = Certificate.FromX509Certificate2(platform);
        Assert.Equal(certificate.Sha256Thumbprint, back.Sha256Thumbprint);
        Assert.Equal(certificate.Subject, back.Subject);
    }

    [Fact]
    public void ParseKeepsAViewOverTheCallersBuffer()
    {
        var der = TestCertificates.Get("p256-minimal");
        var buffer = new byte[der.Length + 10];
        der.CopyTo(buffer, 5);
        var certificate = Certificate.Parse(buffer.AsMemory(5, der.Length));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(certificate.SerialNumber, out var segment));
        Assert.Same(buffer, segment.Array);
        Assert.False(certificate.IsSelfIssued);
        Assert.Empty(certificate.Extensions);
        Assert.Null(certificate.KeyUsage);
        Assert.Null(certificate.SubjectAlternativeNames);
    }

    [Fact]
    public void LazyPropertiesArePublishedOnceAcrossThreads()
    {
        var certificate = Certificate.Parse(TestCertificates.Get("rsa2048-sha256"));
        var subjects = new DistinguishedName[64];
        var names = new IReadOnlyList<GeneralName>[64];
        Parallel.For(0, 64, i =>
        {
            subjects[i] = certificate.Subject;
            names[i] = certificate.SubjectAlternativeNames!;
        });
        Assert.All(subjects, s => Assert.Same(subjects[0], s));
        Assert.All(names, n => Assert.Same(names[0], n));
    }

    [Fact]
    public void NonPositiveSerialsParseAndAreFlagged()
    {
        var der = ReplaceSerial(TestCertificates.Get("p256-minimal"), [0x00]);
        Assert.True(Certificate.Parse(der).HasNonPositiveSerial);
        der = ReplaceSerial(TestCertificates.Get("p256-minimal"), [0xFF, 0x01]);
        var negative = Certificate.Parse(der);
        Assert.True(negative.HasNonPositiveSerial);
        Assert.Equal("FF01", negative.SerialNumberHex);
    }

    [Fact]
    public void SerialOf20OctetsWithSignByteParsesAndLongerIsRejected()
    {
        var twenty = Enumerable.Repeat((byte)0xAB, 20).Prepend((byte)0).ToArray();
        Assert.Equal(21, Certificate.Parse(ReplaceSerial(TestCertificates.Get("p256-minimal"), twenty)).SerialNumber.Length);
        var error = Assert.Throws<MaterialException>(() => Certificate.Parse(ReplaceSerial(TestCertificates.Get("p256-minimal"), Enumerable.Repeat((byte)0x11, 21).ToArray())));
        Assert.Equal(MaterialErrorCode.Malformed, error.Code);
        Assert.Contains("20 octets", error.Message, StringComparison.Ordinal);
    }

    internal static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>Rebuilds a certificate's TBS with another serial (the signature no longer matches, which parsing ignores).</summary>
    internal static byte[] ReplaceSerial(byte[] der, byte[] serial) => RewriteTbs(der, (index, reader, writer) =>
    {
        if (index == 1)
        {
            writer.WriteIntegerUnsigned(serial.Length > 0 && serial[0] == 0 && serial.Length > 1 ? serial[1..] : serial);
            if (serial is [0xFF, ..])
            {
                return false;
            }

            return true;
        }

        return false;
    }, serial);

    internal static byte[] ReplaceTime(byte[] der, string generalizedTime) => RewriteTbs(der, (index, reader, writer) =>
    {
        if (index == 4)
        {
            var validity = reader.ReadSequence();
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(validity.ReadEncodedValue().Span);
                var content = System.Text.Encoding.ASCII.GetBytes(generalizedTime);
                var raw = new byte[content.Length + 2];
                raw[0] = 0x18;
                raw[1] = (byte)content.Length;
                content.CopyTo(raw, 2);
                writer.WriteEncodedValue(raw);
            }

            return true;
        }

        return false;
    }, null);

    private static byte[] RewriteTbs(byte[] der, Func<int, AsnReader, AsnWriter, bool> replace, byte[]? rawSerial)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadSequence();
        var algorithm = outer.ReadEncodedValue();
        var signature = outer.ReadEncodedValue();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                var index = 0;
                while (tbs.HasData)
                {
                    if (index == 1 && rawSerial is not null)
                    {
                        tbs.ReadEncodedValue();
                        var raw = new byte[rawSerial.Length + 2];
                        raw[0] = 0x02;
                        raw[1] = (byte)rawSerial.Length;
                        rawSerial.CopyTo(raw, 2);
                        writer.WriteEncodedValue(raw);
                    }
                    else if (!replace(index, tbs, writer))
                    {
                        writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                    }

                    index++;
                }
            }

            writer.WriteEncodedValue(algorithm.Span);
            writer.WriteEncodedValue(signature.Span);
        }

        return writer.Encode();
    }

    private static byte EncodedTimeTag(byte[] der, int which)
    {
        var tbs = new AsnReader(der, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        tbs.ReadEncodedValue();
        tbs.ReadEncodedValue();
        tbs.ReadEncodedValue();
        tbs.ReadEncodedValue();
        var validity = tbs.ReadSequence();
        if (which == 1)
        {
            validity.ReadEncodedValue();
        }

        return validity.ReadEncodedValue().Span[0];
    }
}
