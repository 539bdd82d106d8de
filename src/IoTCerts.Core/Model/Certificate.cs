using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// An immutable, managed X.509 certificate parsed from DER with System.Formats.Asn1.
/// (Skeleton: the full model is being built.)
/// </summary>
public sealed class Certificate
{
    private Certificate(ReadOnlyMemory<byte> rawData) => RawData = rawData;

    /// <summary>The complete DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>Parses a DER-encoded certificate.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid certificate.</exception>
    public static Certificate Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var encoded = reader.ReadEncodedValue();
            if (reader.HasData)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, "the certificate has trailing data after its DER encoding");
            }

            return new Certificate(encoded.ToArray());
        }
        catch (AsnContentException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the certificate is not valid DER", ex);
        }
    }

    /// <summary>Parses a DER-encoded certificate without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out Certificate? certificate, [NotNullWhen(false)] out MaterialException? error)
    {
        try
        {
            certificate = Parse(der);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            certificate = null;
            error = ex;
            return false;
        }
    }
}
