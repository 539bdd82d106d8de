using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// ECDSA verification of an X.509 signature (a DER Ecdsa-Sig-Value, RFC 3279 §2.2.3) without the per-call buffers
/// of <c>ECDsa.VerifyData(..., DSASignatureFormat.Rfc3279DerSequence)</c>: the signature is converted to the IEEE
/// P1363 form (r‖s, each left-padded to the field size) on the stack and the digest is computed on the stack.
/// </summary>
/// <remarks>
/// The conversion is strict DER, as OpenSSL's own verification is (it re-encodes the parsed signature and compares):
/// one SEQUENCE of exactly two INTEGERs, minimal lengths, minimal positive integers no longer than the field, nothing
/// after. Anything else does not verify.
/// </remarks>
internal static class EcdsaDerSignature
{
    /// <summary>The largest field: P-521 (66 bytes).</summary>
    public const int MaxFieldSize = 66;

    /// <summary>The field size in bytes of a named curve (P-256, P-384, P-521), or 0 when the curve is not one of them.</summary>
    public static int FieldSizeOf(string? curveOid) => curveOid switch
    {
        PublicKeyFacts.P256 => 32,
        PublicKeyFacts.P384 => 48,
        PublicKeyFacts.P521 => 66,
        _ => 0,
    };

    /// <summary>Verifies <paramref name="derSignature"/> over <paramref name="data"/>; false for any malformed signature.</summary>
    public static bool Verify(ECDsa key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> derSignature, HashAlgorithmName hash, int fieldSize)
    {
        Span<byte> signature = stackalloc byte[2 * MaxFieldSize];
        signature = signature[..(2 * fieldSize)];
        if (!TryConvertToP1363(derSignature, fieldSize, signature))
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[64];
        var length = CryptographicOperations.HashData(hash, data, digest);
        return key.VerifyHash(digest[..length], signature);
    }

    /// <summary>Converts a DER Ecdsa-Sig-Value to r‖s with <paramref name="fieldSize"/> bytes each; false when it is not strict DER or does not fit.</summary>
    public static bool TryConvertToP1363(ReadOnlySpan<byte> der, int fieldSize, Span<byte> destination)
    {
        if (fieldSize is <= 0 or > MaxFieldSize || destination.Length != 2 * fieldSize)
        {
            return false;
        }

        if (der.Length < 2 || der[0] != 0x30 || !TryReadLength(der, 1, out var contentLength, out var position) || position + contentLength != der.Length)
        {
            return false;
        }

        return TryReadInteger(der, ref position, destination[..fieldSize])
            && TryReadInteger(der, ref position, destination[fieldSize..])
            && position == der.Length;
    }

    // X.690 §10.1: the definite form with the fewest octets (a short form below 128, no leading zero octets).
    private static bool TryReadLength(ReadOnlySpan<byte> der, int offset, out int length, out int next)
    {
        length = 0;
        next = 0;
        if (offset >= der.Length)
        {
            return false;
        }

        var first = der[offset];
        if (first < 0x80)
        {
            length = first;
            next = offset + 1;
            return true;
        }

        // Two length octets cover every curve here (P-521 signatures are under 140 bytes); more is never minimal.
        var octets = first & 0x7F;
        if (octets is 0 or > 2 || offset + octets >= der.Length || der[offset + 1] == 0)
        {
            return false;
        }

        for (var i = 1; i <= octets; i++)
        {
            length = (length << 8) | der[offset + i];
        }

        next = offset + 1 + octets;
        return length >= 0x80;
    }

    // X.690 §8.3: a minimal two's-complement INTEGER; r and s must be positive (RFC 3279 §2.2.3, FIPS 186-4 §6.4).
    private static bool TryReadInteger(ReadOnlySpan<byte> der, ref int position, Span<byte> field)
    {
        if (position >= der.Length || der[position] != 0x02 || !TryReadLength(der, position + 1, out var length, out var content)
            || length == 0 || length > der.Length - content)
        {
            return false;
        }

        var value = der.Slice(content, length);
        if ((value[0] & 0x80) != 0)
        {
            return false;
        }

        if (value.Length > 1 && value[0] == 0)
        {
            if ((value[1] & 0x80) == 0)
            {
                return false;
            }

            value = value[1..];
        }

        if (value.Length > field.Length)
        {
            return false;
        }

        field[..^value.Length].Clear();
        value.CopyTo(field[^value.Length..]);
        position = content + length;
        return true;
    }
}
