using System.Security.Cryptography;

namespace IoTCerts.Core;

internal enum SignatureScheme
{
    Unknown,
    RsaPkcs1,
    RsaPss,
    Ecdsa,

    /// <summary>Verified by a registered <see cref="ISignatureAlgorithmVerifier"/> (EdDSA and others beyond .NET's).</summary>
    External,
}

/// <summary>A certificate's signature algorithm reduced to what verification needs: scheme, hash, PSS salt.</summary>
internal readonly record struct SignatureAlgorithmFacts(SignatureScheme Scheme, HashAlgorithmName Hash, string Name, int PssSaltLength)
{
    /// <summary>
    /// The facts of a certificate's outer signature algorithm. PKCS#1 v1.5 and ECDSA (nearly every certificate) are
    /// recognised from the OID bytes with shared strings; RSA-PSS and unknown algorithms go through the model's object.
    /// </summary>
    public static SignatureAlgorithmFacts From(Certificate certificate)
    {
        var encoded = certificate.SignatureAlgorithmRaw.Span;
        var walker = new DerWalker(encoded, 0, encoded.Length);
        var identifier = walker.ReadSequence("the signature algorithm");
        var oid = WellKnownOids.TryGetKnown(identifier.Slice(identifier.ReadOid("the signature algorithm")));
        switch (oid is null ? SignatureAlgorithmKind.Unknown : SignatureAlgorithm.KindOf(oid))
        {
            case SignatureAlgorithmKind.RsaPkcs1:
                return new(SignatureScheme.RsaPkcs1, SignatureAlgorithm.HashOf(oid!) ?? default, WellKnownOids.FriendlyName(oid!) ?? oid!, 0);
            case SignatureAlgorithmKind.Ecdsa:
                return new(SignatureScheme.Ecdsa, SignatureAlgorithm.HashOf(oid!) ?? default, WellKnownOids.FriendlyName(oid!) ?? oid!, 0);
            default:
                return From(certificate.SignatureAlgorithm);
        }
    }

    public static SignatureAlgorithmFacts From(SignatureAlgorithm algorithm)
    {
        var hash = algorithm.HashAlgorithm ?? default;
        switch (algorithm.Kind)
        {
            case SignatureAlgorithmKind.RsaPkcs1:
                return new(SignatureScheme.RsaPkcs1, hash, algorithm.FriendlyName, 0);
            case SignatureAlgorithmKind.Ecdsa:
                return new(SignatureScheme.Ecdsa, hash, algorithm.FriendlyName, 0);
            case SignatureAlgorithmKind.RsaPss when algorithm.PssParameters is { } pss
                && pss.HashAlgorithm == pss.MaskGenerationHashAlgorithm && pss.TrailerField == 1:
                return new(SignatureScheme.RsaPss, pss.HashAlgorithm, algorithm.FriendlyName, pss.SaltLength);
            default:
                return CryptoExtensions.CanVerify(algorithm.Oid)
                    ? new(SignatureScheme.External, default, algorithm.FriendlyName, 0)
                    : new(SignatureScheme.Unknown, default, algorithm.FriendlyName, 0);
        }
    }

    public string Describe() => Scheme switch
    {
        SignatureScheme.RsaPkcs1 => $"RSA PKCS#1 v1.5 with {Hash.Name}",
        SignatureScheme.RsaPss => $"RSA-PSS with {Hash.Name}",
        SignatureScheme.Ecdsa => $"ECDSA with {Hash.Name}",
        SignatureScheme.External => Name,
        _ => Name is "Ed25519" or "Ed448"
            ? $"{Name}, which needs a registered verifier (IoTCerts.BouncyCastle: IoTCertsBouncyCastle.Register())"
            : $"unsupported algorithm {Name}",
    };
}

/// <summary>A subject public key's algorithm and strength, from the model without importing the key.</summary>
internal readonly record struct PublicKeyFacts(PublicKeyKind Algorithm, int KeySizeBits, string? CurveOid, string AlgorithmOid, string? BoundsViolation = null)
{
    public const string P256 = "1.2.840.10045.3.1.7";
    public const string P384 = "1.3.132.0.34";
    public const string P521 = "1.3.132.0.35";

    /// <summary>RFC 5480 §2.1.1: only named curves; explicit parameters leave no curve OID.</summary>
    public bool ExplicitCurve => Algorithm == PublicKeyKind.EllipticCurve && CurveOid is null;

    public static PublicKeyFacts From(SubjectPublicKeyInfo key) => new(key.Kind, key.KeySize, key.CurveOid, key.AlgorithmOid, key.BoundsViolation);

    /// <summary>The same facts read from a validated SubjectPublicKeyInfo encoding without building the model's object.</summary>
    public static PublicKeyFacts From(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        SubjectPublicKeyInfo.ReadFacts(subjectPublicKeyInfo, out var kind, out var size, out var curve, out var algorithmOid, out var boundsViolation);
        return new(kind, size, curve, algorithmOid, boundsViolation);
    }

    public string Describe() => Algorithm switch
    {
        PublicKeyKind.Rsa => $"RSA-{KeySizeBits}",
        PublicKeyKind.EllipticCurve when ExplicitCurve => "EC with explicit curve parameters",
        PublicKeyKind.EllipticCurve => CurveOid switch
        {
            P256 => "EC P-256",
            P384 => "EC P-384",
            P521 => "EC P-521",
            _ => $"EC curve {CurveOid}",
        },
        PublicKeyKind.Dsa => "DSA",
        PublicKeyKind.Ed25519 => "Ed25519",
        PublicKeyKind.Ed448 => "Ed448",
        _ => $"key algorithm {AlgorithmOid}",
    };
}
