using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// Reads a PKCS#7 / CMS certs-only bundle (RFC 5652 §5.1 SignedData with no signers), as <c>openssl crl2pkcs7</c>
/// writes and EST servers return (RFC 7030 §4.1.3: eContent absent, empty signerInfos).
/// </summary>
internal static class Pkcs7Reader
{
    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag Implicit0 = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag Implicit1 = new(TagClass.ContextSpecific, 1, true);

    public static void Read(ReadOnlyMemory<byte> der, MaterialCollector collector, string? pemLabel)
    {
        var contentInfo = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        if (contentInfo.ReadObjectIdentifier() != Oids.Pkcs7SignedData)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#7 content is not SignedData; only certs-only bundles are supported");
        }

        var signedData = contentInfo.ReadSequence(Explicit0).ReadSequence();
        signedData.ReadInteger();
        signedData.ReadSetOf(skipSortOrderValidation: true);
        signedData.ReadSequence();
        var origin = new MaterialOrigin(MaterialFormat.Pkcs7, pemLabel, null, null, null);
        if (signedData.HasData && signedData.PeekTag() == Implicit0)
        {
            var certificates = signedData.ReadSetOf(true, Implicit0);
            while (certificates.HasData)
            {
                var tag = certificates.PeekTag();
                var encoded = certificates.ReadEncodedValue();
                collector.CountObject();
                if (tag == Asn1Tag.Sequence)
                {
                    collector.AddCertificate(Certificate.Parse(encoded), origin);
                }
                else
                {
                    // RFC 5652 §10.2.2: extended, attribute and "other" certificate choices.
                    collector.Skip("PKCS#7 certificate choice " + tag.ToString(), "only X.509 certificates are read from PKCS#7");
                }
            }
        }

        if (signedData.HasData && signedData.PeekTag() == Implicit1)
        {
            var crls = signedData.ReadSetOf(true, Implicit1);
            while (crls.HasData)
            {
                var tag = crls.PeekTag();
                var encoded = crls.ReadEncodedValue();
                collector.CountObject();
                if (tag == Asn1Tag.Sequence)
                {
                    collector.AddCrl(CertificateRevocationList.Parse(encoded));
                }
                else
                {
                    collector.Skip("PKCS#7 revocation choice " + tag.ToString(), "only X.509 CRLs are read from PKCS#7");
                }
            }
        }

        signedData.ReadSetOf(skipSortOrderValidation: true);
    }
}
