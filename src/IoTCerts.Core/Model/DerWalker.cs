using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// A non-allocating forward walker over DER that keeps absolute offsets into the parsed buffer, so the
/// models can slice <see cref="ReadOnlyMemory{T}"/> views instead of copying. Every read validates DER
/// (definite minimal lengths, correct tags); violations throw <see cref="AsnContentException"/> or
/// <see cref="MaterialException"/>, and the public Parse methods turn both into <see cref="MaterialException"/>.
/// </summary>
internal ref struct DerWalker
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private int _position;

    public DerWalker(ReadOnlySpan<byte> buffer, int start, int length)
    {
        _buffer = buffer;
        _position = start;
        _end = start + length;
    }

    public readonly bool HasData => _position < _end;

    public readonly int Position => _position;

    public readonly bool PeekIs(Asn1Tag tag) => HasData && Asn1Tag.Decode(_buffer[_position.._end], out _) == tag;

    public readonly Asn1Tag PeekTag() => Asn1Tag.Decode(_buffer[_position.._end], out _);

    /// <summary>Reads any TLV; returns its tag and the absolute ranges of the whole encoding and the content.</summary>
    public Asn1Tag ReadAny(out Range encoded, out Range content)
    {
        var tag = AsnDecoder.ReadEncodedValue(_buffer[_position.._end], AsnEncodingRules.DER, out var contentOffset, out var contentLength, out var consumed);
        encoded = new Range(_position, _position + consumed);
        content = new Range(_position + contentOffset, _position + contentOffset + contentLength);
        _position += consumed;
        return tag;
    }

    /// <summary>Reads a TLV that must carry <paramref name="expected"/>.</summary>
    public Range Read(Asn1Tag expected, string what, out Range encoded)
    {
        if (!HasData)
        {
            throw Malformed($"{what} is missing");
        }

        var tag = ReadAny(out encoded, out var content);
        if (tag != expected)
        {
            throw Malformed($"{what} has the wrong ASN.1 type");
        }

        return content;
    }

    public Range Read(Asn1Tag expected, string what) => Read(expected, what, out _);

    public DerWalker ReadSequence(string what) => Enter(Read(Asn1Tag.Sequence, what));

    public DerWalker ReadSequence(Asn1Tag tag, string what) => Enter(Read(tag, what));

    public readonly DerWalker Enter(Range content) => new(_buffer, content.Start.Value, content.End.Value - content.Start.Value);

    public readonly ReadOnlySpan<byte> Slice(Range range) => _buffer[range];

    /// <summary>Reads an INTEGER (minimal encoding checked) and returns the range of its two's-complement bytes.</summary>
    public Range ReadInteger(string what, Asn1Tag? tag = null)
    {
        var content = Read(tag ?? Asn1Tag.Integer, what, out var encoded);
        _ = AsnDecoder.ReadIntegerBytes(_buffer[encoded], AsnEncodingRules.DER, out _, tag);
        return content;
    }

    public int ReadInt32(string what, Asn1Tag? tag = null)
    {
        Read(tag ?? Asn1Tag.Integer, what, out var encoded);
        if (!AsnDecoder.TryReadInt32(_buffer[encoded], AsnEncodingRules.DER, out var value, out _, tag))
        {
            throw Malformed($"{what} is too large");
        }

        return value;
    }

    public bool ReadBoolean(string what, Asn1Tag? tag = null)
    {
        Read(tag ?? Asn1Tag.Boolean, what, out var encoded);
        return AsnDecoder.ReadBoolean(_buffer[encoded], AsnEncodingRules.DER, out _, tag);
    }

    /// <summary>Reads an OBJECT IDENTIFIER and validates its sub-identifier encoding without decoding it to text.</summary>
    public Range ReadOid(string what, Asn1Tag? tag = null)
    {
        var content = Read(tag ?? Asn1Tag.ObjectIdentifier, what);
        if (!IsValidOid(_buffer[content]))
        {
            throw Malformed($"{what} is not a valid object identifier");
        }

        return content;
    }

    /// <summary>Reads a primitive BIT STRING; returns the range of its bytes (after the unused-bits octet).</summary>
    public Range ReadBitString(string what, out int unusedBits, Asn1Tag? tag = null)
    {
        Read(tag ?? Asn1Tag.PrimitiveBitString, what, out var encoded);
        if (!AsnDecoder.TryReadPrimitiveBitString(_buffer[encoded], AsnEncodingRules.DER, out unusedBits, out var value, out _, tag))
        {
            throw Malformed($"{what} is not a primitive bit string");
        }

        var valueStart = encoded.End.Value - value.Length;
        return new Range(valueStart, encoded.End.Value);
    }

    public Range ReadOctetString(string what, Asn1Tag? tag = null) => Read(tag ?? Asn1Tag.PrimitiveOctetString, what);

    /// <summary>Reads a UTCTime (RFC 5280 4.1.2.5.1: years 50-99 are 19xx) or a GeneralizedTime.</summary>
    public DateTimeOffset ReadTime(string what)
    {
        if (!HasData)
        {
            throw Malformed($"{what} is missing");
        }

        var tag = ReadAny(out var encoded, out _);
        if (tag == Asn1Tag.UtcTime)
        {
            return AsnDecoder.ReadUtcTime(_buffer[encoded], AsnEncodingRules.DER, out _, twoDigitYearMax: 2049);
        }

        if (tag == Asn1Tag.GeneralizedTime)
        {
            return AsnDecoder.ReadGeneralizedTime(_buffer[encoded], AsnEncodingRules.DER, out _);
        }

        throw Malformed($"{what} is neither UTCTime nor GeneralizedTime");
    }

    public readonly void ExpectEnd(string what)
    {
        if (HasData)
        {
            throw Malformed($"{what} has unexpected data at its end");
        }
    }

    public static MaterialException Malformed(string sentence) => new(MaterialErrorCode.Malformed, sentence);

    /// <summary>
    /// True for a well-formed OID content whose every arc fits in 128 bits: System.Formats.Asn1 refuses wider arcs when
    /// the dotted text is made, so accepting them here would let a "parsed" certificate throw later, from a property
    /// getter or from validation (issue 17). 19 groups of 7 bits hold 133 bits; the top 5 must then be zero.
    /// </summary>
    internal static bool IsValidOid(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty || (content[^1] & 0x80) != 0)
        {
            return false;
        }

        var arcStart = 0;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (i == arcStart && b == 0x80)
            {
                return false;
            }

            if ((b & 0x80) == 0)
            {
                var arcLength = i - arcStart + 1;
                if (arcLength > MaxOidArcBytes || (arcLength == MaxOidArcBytes && (content[arcStart] & 0x7C) != 0))
                {
                    return false;
                }

                arcStart = i + 1;
            }
        }

        return true;
    }

    /// <summary>The most base-128 groups an arc of at most 128 bits takes.</summary>
    internal const int MaxOidArcBytes = 19;

    internal static bool IsIa5(ReadOnlySpan<byte> content) => !content.ContainsAnyExceptInRange((byte)0, (byte)0x7F);
}
