using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// An immutable, managed PKCS#10 certification request (CSR) parsed from DER with System.Formats.Asn1.
/// (Skeleton: the full model is being built.)
/// </summary>
public sealed class CertificationRequest
{
    private CertificationRequest(ReadOnlyMemory<byte> rawData) => RawData = rawData;

    /// <summary>The complete DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Parses a DER-encoded PKCS#10 certification request.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CSR.</exception>
    public static CertificationRequest Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var encoded = reader.ReadEncodedValue();
            if (reader.HasData)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the certificate request has trailing data after its DER encoding");
            }

            return new CertificationRequest(encoded.ToArray());
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the certificate request is not valid DER", ex);
        }
    }

    /// <summary>Parses a DER-encoded PKCS#10 certification request without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out CertificationRequest? request, [NotNullWhen(false)] out MaterialException? error)
    {
        try
        {
            request = Parse(der);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            request = null;
            error = ex;
            return false;
        }
    }
}
