using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// The outer checks shared by every parser (empty, too large, truncated, trailing data) and the single
/// place where foreign exceptions become <see cref="MaterialException"/>.
/// </summary>
internal static class DerEnvelope
{
    /// <summary>Checks that <paramref name="der"/> is exactly one SEQUENCE whose announced length is present.</summary>
    public static void CheckOuter(ReadOnlySpan<byte> der, int maxSize, string what)
    {
        if (der.IsEmpty)
        {
            throw new MaterialException(MaterialErrorCode.Empty, $"the {what} is empty");
        }

        if (der.Length > maxSize)
        {
            throw new MaterialException(MaterialErrorCode.InputTooLarge, $"the {what} is {der.Length} bytes, more than the limit of {maxSize} bytes");
        }

        if (der[0] != 0x30)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the {what} does not start with a DER SEQUENCE");
        }

        if (der.Length < 2)
        {
            throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first header");
        }

        long contentLength;
        int headerLength;
        var first = der[1];
        if (first < 0x80)
        {
            contentLength = first;
            headerLength = 2;
        }
        else
        {
            var count = first & 0x7F;
            if (count is 0 or > 4)
            {
                throw new MaterialException(MaterialErrorCode.Malformed, $"the {what} has an indefinite or oversized length, which DER forbids");
            }

            if (der.Length < 2 + count)
            {
                throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first header");
            }

            contentLength = 0;
            for (var i = 0; i < count; i++)
            {
                contentLength = (contentLength << 8) | der[2 + i];
            }

            headerLength = 2 + count;
        }

        var total = headerLength + contentLength;
        if (total > der.Length)
        {
            throw new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it announces {total} bytes but only {der.Length} are present");
        }

        if (total < der.Length)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the {what} has {der.Length - total} bytes of trailing data after its DER encoding");
        }
    }

    /// <summary>Turns an exception from System.Formats.Asn1 or System.Security.Cryptography into a <see cref="MaterialException"/>.</summary>
    public static MaterialException Wrap(Exception exception, string what) => exception switch
    {
        MaterialException material => material,
        _ => new MaterialException(MaterialErrorCode.Malformed, $"the {what} is not valid DER: {Describe(exception)}", exception),
    };

    /// <summary>True for the exception types a parser may hit on hostile input.</summary>
    public static bool IsParseFailure(Exception exception) =>
        exception is AsnContentException or CryptographicException or ArgumentException or OverflowException
            or FormatException or InvalidOperationException;

    public static T Run<T>(string what, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            throw Wrap(ex, what);
        }
    }

    /// <summary>The content octets of one complete TLV.</summary>
    public static ReadOnlyMemory<byte> ContentOf(ReadOnlyMemory<byte> encoded)
    {
        AsnDecoder.ReadEncodedValue(encoded.Span, AsnEncodingRules.BER, out var offset, out var length, out _);
        return encoded.Slice(offset, length);
    }

    private static string Describe(Exception exception) => exception switch
    {
        AsnContentException => "an ASN.1 value is encoded incorrectly",
        CryptographicException => "a cryptographic value is invalid",
        OverflowException => "a number is out of range",
        _ => "its structure is invalid",
    };
}
