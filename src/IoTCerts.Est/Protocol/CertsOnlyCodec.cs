using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// The "certs-only" CMS SignedData of RFC 7030 section 4.1.3 / RFC 5751 section 3.8: no content, no signers.
/// Read with BER rules because servers send indefinite lengths; eContent absent or an empty OCTET STRING
/// are both accepted (est-notes interop rule). Bounded by <see cref="MaxCertificates"/>.
/// </summary>
/// <remarks>Stop-gap until IoTCerts.Core's MaterialLoader lands; it keeps the same acceptance rules.</remarks>
internal static class CertsOnlyCodec
{
    public const int MaxCertificates = 64;
    private const string SignedDataOid = "1.2.840.113549.1.7.2";
    private const string DataOid = "1.2.840.113549.1.7.1";

    public static List<byte[]> ReadCertificates(ReadOnlyMemory<byte> ber)
    {
        try
        {
            var outer = new AsnReader(ber, AsnEncodingRules.BER);
            var contentInfo = outer.ReadSequence();
            if (outer.HasData)
            {
                throw new FormatException("the PKCS#7 message has trailing data");
            }

            if (contentInfo.ReadObjectIdentifier() != SignedDataOid)
            {
                throw new FormatException("the PKCS#7 message is not SignedData");
            }

            var explicitContent = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            var signedData = explicitContent.ReadSequence();
            _ = signedData.ReadInteger();
            _ = signedData.ReadSetOf();
            var encap = signedData.ReadSequence();
            _ = encap.ReadObjectIdentifier();
            if (encap.HasData)
            {
                // eContent [0] EXPLICIT OCTET STRING: absent or empty in a certs-only message; other content is ignored.
                _ = encap.ReadEncodedValue();
            }

            var certificates = new List<byte[]>();
            var certificatesTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(certificatesTag))
            {
                var set = signedData.ReadSetOf(certificatesTag);
                while (set.HasData)
                {
                    var tag = set.PeekTag();
                    var encoded = set.ReadEncodedValue();
                    if (tag.TagClass != TagClass.Universal || tag.TagValue != (int)UniversalTagNumber.Sequence)
                    {
                        // Attribute certificates and other CertificateChoices are not X.509 certificates.
                        continue;
                    }

                    if (certificates.Count == MaxCertificates)
                    {
                        throw new FormatException($"the PKCS#7 message holds more than {MaxCertificates} certificates");
                    }

                    certificates.Add(encoded.ToArray());
                }
            }

            return certificates;
        }
        catch (AsnContentException ex)
        {
            throw new FormatException("the PKCS#7 message is not valid BER", ex);
        }
    }

    public static X509Certificate2Collection ReadCollection(ReadOnlyMemory<byte> ber)
    {
        var collection = new X509Certificate2Collection();
        foreach (var der in ReadCertificates(ber))
        {
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        }

        return collection;
    }

    /// <summary>Writes a DER certs-only message: version 1, no digest algorithms, eContent absent, no signers.</summary>
    public static byte[] Write(IEnumerable<X509Certificate2> certificates)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(SignedDataOid);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                {
                }

                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(DataOid);
                }

                using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    foreach (var certificate in certificates)
                    {
                        writer.WriteEncodedValue(certificate.RawData);
                    }
                }

                using (writer.PushSetOf())
                {
                }
            }
        }

        return writer.Encode();
    }
}
