using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core;

/// <summary>The PKCS#12 key-derivation function (RFC 7292 Appendix B.2), used by legacy PBE schemes and the MAC.</summary>
internal static class Pkcs12Kdf
{
    public const byte KeyMaterial = 1;
    public const byte IvMaterial = 2;
    public const byte MacMaterial = 3;

    /// <summary>
    /// RFC 7292 Appendix B.1: a BMPString with a two-byte zero terminator. A <see langword="null"/> password is the
    /// empty byte string, which some tools use for "no password" while others encode "" as just the terminator.
    /// </summary>
    public static byte[] EncodePassword(string? password)
    {
        if (password is null)
        {
            return Array.Empty<byte>();
        }

        var bytes = new byte[(password.Length + 1) * 2];
        Encoding.BigEndianUnicode.GetBytes(password, 0, password.Length, bytes, 0);
        return bytes;
    }

    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, byte id, int length)
    {
        int u = HashSize(hash);
        int v = hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512 ? 128 : 64;
        byte[] input = new byte[Fill(salt.Length, v) + Fill(password.Length, v)];
        Repeat(salt, input.AsSpan(0, Fill(salt.Length, v)));
        Repeat(password, input.AsSpan(Fill(salt.Length, v)));

        byte[] diversifier = new byte[v];
        diversifier.AsSpan().Fill(id);
        var output = new byte[length];
        var block = new byte[u];
        var b = new byte[v];
        using var incremental = IncrementalHash.CreateHash(hash);
        for (int offset = 0; offset < length; offset += u)
        {
            incremental.AppendData(diversifier);
            incremental.AppendData(input);
            incremental.GetHashAndReset(block);
            for (int r = 1; r < iterations; r++)
            {
                incremental.AppendData(block);
                incremental.GetHashAndReset(block);
            }

            block.AsSpan(0, Math.Min(u, length - offset)).CopyTo(output.AsSpan(offset));
            Repeat(block, b);
            for (int j = 0; j < input.Length; j += v)
            {
                // I_j = (I_j + B + 1) mod 2^(8v), big-endian.
                int carry = 1;
                for (int k = v - 1; k >= 0; k--)
                {
                    int sum = input[j + k] + b[k] + carry;
                    input[j + k] = (byte)sum;
                    carry = sum >> 8;
                }
            }
        }

        CryptographicOperations.ZeroMemory(input);
        return output;
    }

    public static int HashSize(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20
        : hash == HashAlgorithmName.SHA256 ? 32
        : hash == HashAlgorithmName.SHA384 ? 48
        : hash == HashAlgorithmName.SHA512 ? 64
        : throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#12 MAC digest is not supported");

    private static int Fill(int length, int v) => length == 0 ? 0 : ((length + v - 1) / v) * v;

    private static void Repeat(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.IsEmpty)
        {
            return;
        }

        for (int i = 0; i < destination.Length; i += source.Length)
        {
            source[..Math.Min(source.Length, destination.Length - i)].CopyTo(destination[i..]);
        }
    }
}
