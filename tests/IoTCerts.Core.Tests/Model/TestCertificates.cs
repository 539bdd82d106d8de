using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

/// <summary>Certificates made with .NET's CertificateRequest, carrying every extension kind the model decodes.</summary>
internal static class TestCertificates
{
    private static readonly Lazy<IReadOnlyList<(string Name, byte[] Der)>> s_all = new(Build);
    private static readonly Lazy<RSA> s_rsa2048 = new(() => RSA.Create(2048));

    public static IReadOnlyList<(string Name, byte[] Der)> All => s_all.Value;

    public static RSA Rsa2048 => s_rsa2048.Value;

    public static byte[] Get(string name) => All.First(c => c.Name == name).Der;

    /// <summary>A certificate with every extension kind, signed by a separate issuer key.</summary>
    public static byte[] Create(AsymmetricAlgorithm subjectKey, AsymmetricAlgorithm issuerKey, HashAlgorithmName hash, RSASignaturePadding? padding, bool allExtensions = true)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("DE");
        subject.AddOrganizationName("IoTCerts, Test+Org");
        subject.AddOrganizationalUnitName("Devices");
        subject.AddCommonName("device-0001");
        var subjectName = subject.Build();
        var issuerName = new X500DistinguishedName("CN=Test Issuing CA, O=IoTCerts, C=DE");

        CertificateRequest request = subjectKey switch
        {
            RSA rsa => new CertificateRequest(subjectName, rsa, hash, padding ?? RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => new CertificateRequest(subjectName, ecdsa, hash),
            _ => throw new ArgumentException("unsupported key"),
        };

        if (allExtensions)
        {
            foreach (var extension in AllExtensions(request.PublicKey, issuerKey))
            {
                request.CertificateExtensions.Add(extension);
            }
        }

        var generator = issuerKey switch
        {
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, padding ?? RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            _ => throw new ArgumentException("unsupported key"),
        };

        var serial = new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x10 };
        using var certificate = request.Create(issuerName, generator, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2034, 1, 1, 0, 0, 0, TimeSpan.Zero), serial);
        return certificate.RawData;
    }

    public static IEnumerable<X509Extension> AllExtensions(PublicKey subjectKey, AsymmetricAlgorithm issuerKey)
    {
        yield return new X509BasicConstraintsExtension(true, true, 2, true);
        yield return new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DecipherOnly, true);
        yield return new X509EnhancedKeyUsageExtension(
            new OidCollection { new("1.3.6.1.5.5.7.3.1"), new("1.3.6.1.5.5.7.3.2"), new("1.3.6.1.5.5.7.3.28") }, false);
        var ski = new X509SubjectKeyIdentifierExtension(subjectKey, false);
        yield return ski;
        var issuerSki = issuerKey switch
        {
            RSA rsa => SHA1.HashData(rsa.ExportRSAPublicKey()),
            ECDsa ecdsa => SHA1.HashData(ecdsa.ExportSubjectPublicKeyInfo()),
            _ => [],
        };
        yield return X509AuthorityKeyIdentifierExtension.Create(issuerSki, new X500DistinguishedName("CN=Test Root CA"), new byte[] { 0x05, 0x39 });

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("device-0001.example.com");
        san.AddDnsName("*.devices.example.com");
        san.AddIpAddress(IPAddress.Parse("192.0.2.17"));
        san.AddIpAddress(IPAddress.Parse("2001:db8::1"));
        san.AddEmailAddress("d:type:0001@example.com");
        san.AddUri(new Uri("urn:device:0001"));
        san.AddUserPrincipalName("device@example.com");
        var sanDer = AppendToSequence(san.Build().RawData, writer =>
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
            {
                writer.WriteEncodedValue(new X500DistinguishedName("CN=Directory Name, O=IoTCerts").RawData);
            }

            writer.WriteObjectIdentifier("1.3.6.1.4.1.99999.1", new Asn1Tag(TagClass.ContextSpecific, 8));
        });
        yield return new X509Extension("2.5.29.17", sanDer, false);

        yield return new X509AuthorityInformationAccessExtension(["http://ocsp.example.com"], ["http://pki.example.com/ca.cer"], false);
        yield return CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(["http://pki.example.com/ca.crl", "http://backup.example.com:8080/ca.crl"], false);
        yield return new X509Extension("2.5.29.30", NameConstraintsDer(), true);
        yield return new X509Extension("2.5.29.32", PoliciesDer(), false);
        yield return new X509Extension("1.3.6.1.4.1.99999.7", new byte[] { 0x04, 0x03, 0x01, 0x02, 0x03 }, false);
    }

    public static byte[] NameConstraintsDer()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, ".example.com", new Asn1Tag(TagClass.ContextSpecific, 2));
                }

                using (writer.PushSequence())
                {
                    writer.WriteOctetString([10, 0, 0, 0, 255, 0, 0, 0], new Asn1Tag(TagClass.ContextSpecific, 7));
                }
            }

            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, true)))
            {
                using (writer.PushSequence())
                {
                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
                    {
                        writer.WriteEncodedValue(new X500DistinguishedName("O=Evil").RawData);
                    }

                    writer.WriteInteger(0, new Asn1Tag(TagClass.ContextSpecific, 0));
                    writer.WriteInteger(5, new Asn1Tag(TagClass.ContextSpecific, 1));
                }
            }
        }

        return writer.Encode();
    }

    public static byte[] PoliciesDer()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.23.140.1.2.1");
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.6.1.4.1.99999.2.1");
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.3.6.1.5.5.7.2.1");
                        writer.WriteCharacterString(UniversalTagNumber.IA5String, "http://pki.example.com/cps");
                    }
                }
            }
        }

        return writer.Encode();
    }

    private static byte[] AppendToSequence(byte[] sequence, Action<AsnWriter> append)
    {
        var reader = new AsnReader(sequence, AsnEncodingRules.DER).ReadSequence();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            while (reader.HasData)
            {
                writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
            }

            append(writer);
        }

        return writer.Encode();
    }

    private static IReadOnlyList<(string, byte[])> Build()
    {
        using var rsa4096 = RSA.Create(4096);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        var rsa2048 = Rsa2048;
        return
        [
            ("rsa2048-sha256", Create(rsa2048, rsa2048, HashAlgorithmName.SHA256, null)),
            ("rsa4096-sha384", Create(rsa4096, rsa2048, HashAlgorithmName.SHA384, null)),
            ("rsa2048-pss-sha256", Create(rsa2048, rsa2048, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)),
            ("rsa4096-pss-sha512", Create(rsa4096, rsa4096, HashAlgorithmName.SHA512, RSASignaturePadding.Pss)),
            ("p256-sha256", Create(p256, p256, HashAlgorithmName.SHA256, null)),
            ("p384-sha384", Create(p384, p256, HashAlgorithmName.SHA384, null)),
            ("p521-sha512", Create(p521, p521, HashAlgorithmName.SHA512, null)),
            ("p256-minimal", Create(p256, p256, HashAlgorithmName.SHA256, null, allExtensions: false)),
        ];
    }
}
