using IoTCerts.Core;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace IoTCerts.BouncyCastle;

/// <summary>Ed25519 and Ed448 (RFC 8410, RFC 8032 pure mode, empty context) with BouncyCastle.</summary>
internal sealed class EdDsaVerifier : ISignatureAlgorithmVerifier
{
    public bool Supports(string signatureAlgorithmOid) => signatureAlgorithmOid is EdDsa.Ed25519Oid or EdDsa.Ed448Oid;

    public bool Verify(string signatureAlgorithmOid, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> subjectPublicKeyInfo, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
    {
        // RFC 8410 §3: the parameters MUST be absent, and the key's algorithm must be the signature's.
        if (!parameters.IsEmpty || !EdDsa.TryReadPublicKey(subjectPublicKeyInfo, out var oid, out var raw) || oid != signatureAlgorithmOid)
        {
            return false;
        }

        ISigner signer;
        if (oid == EdDsa.Ed25519Oid)
        {
            if (raw.Length != Ed25519PublicKeyParameters.KeySize || signature.Length != 64)
            {
                return false;
            }

            signer = new Ed25519Signer();
            signer.Init(false, new Ed25519PublicKeyParameters(raw));
        }
        else
        {
            if (raw.Length != Ed448PublicKeyParameters.KeySize || signature.Length != 114)
            {
                return false;
            }

            signer = new Ed448Signer([]);
            signer.Init(false, new Ed448PublicKeyParameters(raw));
        }

        signer.BlockUpdate(signedData);
        return signer.VerifySignature(signature.ToArray());
    }
}
