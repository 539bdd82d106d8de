using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// An immutable, managed X.509 certificate revocation list (CRL) parsed from DER with System.Formats.Asn1.
/// (Skeleton: the full model is being built.)
/// </summary>
public sealed class CertificateRevocationList
{
    private CertificateRevocationList(ReadOnlyMemory<byte> rawData) => RawData = rawData;

    /// <summary>The complete DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Parses a DER-encoded CRL.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CRL.</exception>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var encoded = reader.ReadEncodedValue();
            if (reader.HasData)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the CRL has trailing data after its DER encoding");
            }

            return new CertificateRevocationList(encoded.ToArray());
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the CRL is not valid DER", ex);
        }
    }

    /// <summary>Parses a DER-encoded CRL without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out CertificateRevocationList? crl, [NotNullWhen(false)] out MaterialException? error)
    {
        try
        {
            crl = Parse(der);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            crl = null;
            error = ex;
            return false;
        }
    }
}
