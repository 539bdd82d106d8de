using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// The encrypted private-key part of a /serverkeygen answer (RFC 7030 section 4.4.2, smime-type=server-generated-key):
/// CMS EnvelopedData for the client's key, possibly inside or around a SignedData, holding an AsymmetricKeyPackage
/// (RFC 5958) or a bare PKCS#8 PrivateKeyInfo.
/// </summary>
internal static class ServerGeneratedKey
{
    private const string Data = "1.2.840.113549.1.7.1";
    private const string SignedData = "1.2.840.113549.1.7.2";
    private const string EnvelopedData = "1.2.840.113549.1.7.3";

    // RFC 5958 defines no wrapping deeper than signed-then-enveloped (or the reverse); anything deeper is refused.
    private const int MaxLayers = 4;

    /// <summary>Returns the PKCS#8 PrivateKeyInfo inside <paramref name="cms"/>, decrypted with <paramref name="recipient"/>.</summary>
    /// <exception cref="FormatException">The structure is not one RFC 7030 section 4.4.2 describes.</exception>
    /// <exception cref="CryptographicException">The key cannot be decrypted with <paramref name="recipient"/>.</exception>
    public static byte[] Decrypt(byte[] cms, X509Certificate2 recipient)
    {
        var content = cms;
        var type = ContentInfo.GetContentType(cms).Value;
        for (var layer = 0; layer < MaxLayers; layer++)
        {
            switch (type)
            {
                case EnvelopedData:
                    var enveloped = new EnvelopedCms();
                    enveloped.Decode(content);
                    enveloped.Decrypt([recipient]);
                    (content, type) = (enveloped.ContentInfo.Content, enveloped.ContentInfo.ContentType.Value);
                    continue;
                case SignedData:
                    // The TLS session authenticated the server; a signature present must still be intact.
                    var signed = new SignedCms();
                    signed.Decode(content);
                    if (signed.SignerInfos.Count > 0)
                    {
                        signed.CheckSignature(verifySignatureOnly: true);
                    }

                    (content, type) = (signed.ContentInfo.Content, signed.ContentInfo.ContentType.Value);
                    continue;
                default:
                    return PrivateKeyOf(type == Data ? UnwrapOctetString(content) : content);
            }
        }

        throw new FormatException($"the encrypted key is wrapped more than {MaxLayers} times");
    }

    /// <summary>A PrivateKeyInfo as is, or the first OneAsymmetricKey of an AsymmetricKeyPackage.</summary>
    private static byte[] PrivateKeyOf(byte[] der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            var first = outer.PeekTag();
            if (first.HasSameClassAndValue(Asn1Tag.Integer))
            {
                return der;
            }

            if (first.HasSameClassAndValue(Asn1Tag.Sequence))
            {
                return outer.ReadEncodedValue().ToArray();
            }
        }
        catch (AsnContentException ex)
        {
            throw new FormatException("the decrypted content is not a private key", ex);
        }

        throw new FormatException("the decrypted content is neither a PrivateKeyInfo nor an AsymmetricKeyPackage");
    }

    // .NET may hand id-data content back still wrapped in its OCTET STRING.
    private static byte[] UnwrapOctetString(byte[] content)
    {
        if (content.Length > 0 && content[0] == 0x04)
        {
            try
            {
                return new AsnReader(content, AsnEncodingRules.BER).ReadOctetString();
            }
            catch (AsnContentException)
            {
            }
        }

        return content;
    }
}
