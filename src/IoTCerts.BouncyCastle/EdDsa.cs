using System.Formats.Asn1;

namespace IoTCerts.BouncyCastle;

/// <summary>RFC 8410 encodings shared by the verifier and the signer.</summary>
internal static class EdDsa
{
    public const string Ed25519Oid = "1.3.101.112";
    public const string Ed448Oid = "1.3.101.113";

    /// <summary>Reads an Ed25519/Ed448 SubjectPublicKeyInfo (RFC 8410 §4: no parameters, the raw key in the BIT STRING).</summary>
    public static bool TryReadPublicKey(ReadOnlySpan<byte> spki, out string oid, out byte[] raw)
    {
        oid = string.Empty;
        raw = [];
        try
        {
            var reader = new AsnReader(spki.ToArray(), AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            var algorithm = info.ReadSequence();
            oid = algorithm.ReadObjectIdentifier();
            if (algorithm.HasData || (oid is not Ed25519Oid and not Ed448Oid))
            {
                return false;
            }

            raw = info.ReadBitString(out int unused);
            return unused == 0 && !info.HasData && !reader.HasData;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>The SubjectPublicKeyInfo of a raw Ed25519/Ed448 public key.</summary>
    public static byte[] EncodePublicKey(string oid, ReadOnlySpan<byte> raw)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(oid);
            }

            writer.WriteBitString(raw);
        }

        return writer.Encode();
    }

    /// <summary>The AlgorithmIdentifier of the signature (RFC 8410 §3: the key's OID, parameters absent).</summary>
    public static byte[] EncodeAlgorithmIdentifier(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
        }

        return writer.Encode();
    }
}
