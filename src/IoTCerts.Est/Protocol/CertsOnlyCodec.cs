using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Est;

/// <summary>
/// The "certs-only" CMS SignedData of RFC 7030 section 4.1.3 / RFC 5751 section 3.8: no content, no signers.
/// Read with BER rules because servers send indefinite lengths; eContent absent or an empty OCTET STRING
/// are both accepted (est-notes interop rule). Bounded by <see cref="MaxCertificates"/>.
/// </summary>
public static class CertsOnlyCodec
{
    /// <summary>The most certificates a certs-only message may hold.</summary>
    public const int MaxCertificates = 64;
    private const string SignedDataOid = "1.2.840.113549.1.7.2";
    private const string DataOid = "1.2.840.113549.1.7.1";

    /// <summary>The certificates of a certs-only message, read by IoTCerts.Core's loader (BER, eContent absent or empty, bounded).</summary>
    /// <exception cref="FormatException">The bytes are not a PKCS#7 SignedData, or hold too many certificates.</exception>
    public static List<byte[]> ReadCertificates(ReadOnlyMemory<byte> ber)
    {
        LoadedMaterial material;
        try
        {
            material = MaterialLoader.Load(ber);
        }
        catch (MaterialException ex)
        {
            throw new FormatException($"the PKCS#7 message cannot be read: {ex.Message}", ex);
        }

        if (material.Format != MaterialFormat.Pkcs7)
        {
            throw new FormatException("the body is not a PKCS#7 certs-only message");
        }

        if (material.Certificates.Count > MaxCertificates)
        {
            throw new FormatException($"the PKCS#7 message holds more than {MaxCertificates} certificates");
        }

        return [.. material.Certificates.Select(c => c.RawData.ToArray())];
    }

    /// <summary>The certificates of a certs-only message as an <see cref="X509Certificate2Collection"/> (for TLS and .NET APIs).</summary>
    /// <exception cref="FormatException">The bytes are not a PKCS#7 SignedData, or hold too many certificates.</exception>
    public static X509Certificate2Collection ReadCollection(ReadOnlyMemory<byte> ber)
    {
        var collection = new X509Certificate2Collection();
        foreach (var der in ReadCertificates(ber))
        {
            collection.Add(X509CertificateLoader.LoadCertificate(der));
        }

        return collection;
    }

    /// <summary>
    /// Writes a certs-only message: version 1, no digest algorithms, eContent absent, no signers. Definite-length BER, so
    /// the certificates keep their order (DER would sort the SET OF and put a CA before the issued certificate).
    /// </summary>
    public static byte[] Write(IEnumerable<X509Certificate2> certificates)
    {
        var writer = new AsnWriter(AsnEncodingRules.BER);
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
