using System.Security.Cryptography;
using IoTCerts.Core;

namespace IoTCerts.Est.Server;

/// <summary>
/// What the EST server accepts in a PKCS#10 body before the CA sees it (R-15, RFC 7030 section 4.2.1): each refusal is
/// a 400 with a sentence naming the rule, never a 500. Signatures are checked by Core (RSA PKCS#1 v1.5, RSA-PSS, ECDSA).
/// </summary>
internal static class RequestPolicy
{
    private const string Secp256k1 = "1.3.132.0.10";

    private static readonly HashSet<string> AllowedCurves = new(StringComparer.Ordinal)
    {
        "1.2.840.10045.3.1.7", // P-256
        "1.3.132.0.34", // P-384
        "1.3.132.0.35", // P-521
    };

    /// <summary>Reads and checks a request; the refusal text otherwise.</summary>
    public static CertificationRequest? Check(ReadOnlyMemory<byte> der, out string? refusal)
    {
        if (!CertificationRequest.TryParse(der, out var request, out var error))
        {
            refusal = $"the body is not a PKCS#10 certification request ({error.CodeString}: {error.Message})";
            return null;
        }

        refusal = CheckAlgorithms(request) ?? CheckKey(request.PublicKey);
        if (refusal is null && !request.VerifySignature())
        {
            refusal = $"bad signature: the request's {request.SignatureAlgorithm.FriendlyName} signature does not verify with its own public key (proof of possession failed)";
        }

        return refusal is null ? request : null;
    }

    private static string? CheckAlgorithms(CertificationRequest request)
    {
        var algorithm = request.SignatureAlgorithm;
        switch (algorithm.Kind)
        {
            // EdDSA (RFC 8410) verifies through a registered verifier (IoTCerts.BouncyCastle); the digest is built in.
            case SignatureAlgorithmKind.Ed25519 or SignatureAlgorithmKind.Ed448:
                return CryptoExtensions.CanVerify(algorithm.Oid)
                    ? null
                    : $"unsupported algorithm: {algorithm.FriendlyName} requests need the IoTCerts.BouncyCastle package registered on the server; use ECDSA (P-256, P-384) or RSA (R-15)";
            case SignatureAlgorithmKind.RsaPkcs1 or SignatureAlgorithmKind.Ecdsa:
                return algorithm.HashAlgorithm is { } hash ? CheckHash(hash, algorithm) : $"unsupported algorithm: {algorithm.FriendlyName}";
            case SignatureAlgorithmKind.RsaPss:
                return algorithm.PssParameters is { } pss ? CheckHash(pss.HashAlgorithm, algorithm) : "unsupported algorithm: RSA-PSS with malformed parameters";
            default:
                return $"unsupported algorithm: {algorithm.FriendlyName} signatures are not accepted; use ECDSA or RSA (R-15)";
        }
    }

    private static string? CheckHash(HashAlgorithmName hash, SignatureAlgorithm algorithm) =>
        hash == HashAlgorithmName.SHA256 || hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512
            ? null
            : hash == HashAlgorithmName.SHA1
                ? $"SHA-1 signature: the request is signed with {algorithm.FriendlyName}; sign it with SHA-256 or stronger (R-15)"
                : $"unsupported algorithm: {algorithm.FriendlyName}";

    private static string? CheckKey(SubjectPublicKeyInfo key) => key.Kind switch
    {
        PublicKeyKind.Rsa when key.KeySize < 2048 => $"weak key: an RSA key of {key.KeySize} bits is too weak; use 2048 bits or more (R-15)",
        PublicKeyKind.Rsa => null,
        PublicKeyKind.EllipticCurve when key.CurveOid == Secp256k1 => "weak key: the curve secp256k1 is not accepted; use P-256 or P-384 (R-15)",
        PublicKeyKind.EllipticCurve when key.CurveOid is null || !AllowedCurves.Contains(key.CurveOid) => $"weak key: the curve {key.CurveName ?? "(explicit parameters)"} is not accepted; use P-256 or P-384 (R-15)",
        PublicKeyKind.EllipticCurve => null,
        PublicKeyKind.Ed25519 or PublicKeyKind.Ed448 => null,
        _ => $"unsupported algorithm: the request's key ({key.AlgorithmOid}) is not RSA or EC (R-15)",
    };
}
