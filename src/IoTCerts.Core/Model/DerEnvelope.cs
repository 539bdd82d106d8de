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
        if (OuterError(der, maxSize, what) is { } error)
        {
            throw error;
        }
    }

    /// <summary>What <see cref="CheckOuter"/> would throw, returned instead (no exception is thrown: TryParse's fast refusal).</summary>
    public static MaterialException? OuterError(ReadOnlySpan<byte> der, int maxSize, string what)
    {
        if (der.IsEmpty)
        {
            return new MaterialException(MaterialErrorCode.Empty, $"the {what} is empty");
        }

        if (der.Length > maxSize)
        {
            return new MaterialException(MaterialErrorCode.InputTooLarge, $"the {what} is {der.Length} bytes, more than the limit of {maxSize} bytes");
        }

        if (der[0] != 0x30)
        {
            return new MaterialException(MaterialErrorCode.Malformed, $"the {what} does not start with a DER SEQUENCE");
        }

        if (der.Length < 2)
        {
            return new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first header");
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
                return new MaterialException(MaterialErrorCode.Malformed, $"the {what} has an indefinite or oversized length, which DER forbids");
            }

            if (der.Length < 2 + count)
            {
                return new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it ends inside its first header");
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
            return new MaterialException(MaterialErrorCode.Truncated, $"the {what} is truncated: it announces {total} bytes but only {der.Length} are present");
        }

        if (total < der.Length)
        {
            return new MaterialException(MaterialErrorCode.Malformed, $"the {what} has {der.Length - total} bytes of trailing data after its DER encoding");
        }

        return null;
    }

    private static readonly byte[] s_signedSkeleton = [0x30, 0x30, 0x03];

    /// <summary>
    /// Decides without throwing whether <paramref name="der"/> has the skeleton every signed object (certificate, CSR,
    /// CRL) shares — SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING } with DER lengths that fit exactly — and returns the
    /// error Parse would fail with otherwise. Only necessary conditions of Parse are checked, so a null answer never
    /// refuses what Parse accepts; it lets TryParse refuse a flood of garbage and truncations without one exception.
    /// </summary>
    public static MaterialException? SignedSkeletonError(ReadOnlySpan<byte> der, int maxSize, string what)
    {
        if (OuterError(der, maxSize, what) is { } outer)
        {
            return outer;
        }

        if (!TryReadHeader(der, 0, der.Length, out var position, out _))
        {
            return new MaterialException(MaterialErrorCode.Malformed, $"the {what} is invalid: its outer length is not DER");
        }

        foreach (var tag in s_signedSkeleton)
        {
            if (position >= der.Length)
            {
                return new MaterialException(MaterialErrorCode.Malformed, $"the {what} is invalid: a part of it is missing");
            }

            if (der[position] != tag)
            {
                return new MaterialException(MaterialErrorCode.Malformed, $"the {what} is invalid: a part of it has the wrong ASN.1 type");
            }

            if (!TryReadHeader(der, position, der.Length, out var contentStart, out var contentLength) || contentLength > der.Length - contentStart)
            {
                return new MaterialException(MaterialErrorCode.Malformed, $"the {what} is not valid DER: an ASN.1 value is encoded incorrectly");
            }

            position = contentStart + contentLength;
        }

        return position == der.Length ? null : new MaterialException(MaterialErrorCode.Malformed, $"the {what} is invalid: it has unexpected data at its end");
    }

    /// <summary>Reads a one-byte tag and a DER (definite, minimal) length at <paramref name="at"/>.</summary>
    private static bool TryReadHeader(ReadOnlySpan<byte> der, int at, int end, out int contentStart, out int contentLength)
    {
        contentStart = 0;
        contentLength = 0;
        if ((der[at] & 0x1F) == 0x1F || at + 1 >= end)
        {
            return false;
        }

        var first = der[at + 1];
        if (first < 0x80)
        {
            contentStart = at + 2;
            contentLength = first;
            return true;
        }

        var count = first & 0x7F;
        if (count is 0 or > 4 || at + 2 + count > end || der[at + 2] == 0)
        {
            return false;
        }

        long length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | der[at + 2 + i];
        }

        if (length < 0x80 || length > int.MaxValue)
        {
            return false;
        }

        contentStart = at + 2 + count;
        contentLength = (int)length;
        return true;
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
