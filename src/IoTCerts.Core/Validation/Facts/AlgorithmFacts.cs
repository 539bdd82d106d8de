using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

internal enum SignatureScheme
{
    Unknown,
    RsaPkcs1,
    RsaPss,
    Ecdsa,
}

internal enum KeyAlgorithm
{
    Unknown,
    Rsa,
    Ec,
    Dsa,
    EdDsa,
}

/// <summary>A certificate's signature algorithm (RFC 4055, RFC 5758): scheme and hash.</summary>
internal readonly record struct SignatureAlgorithmFacts(SignatureScheme Scheme, HashAlgorithmName Hash, string Oid, int PssSaltLength)
{
    public static SignatureAlgorithmFacts Read(ReadOnlyMemory<byte> algorithmIdentifier)
    {
        var seq = new AsnReader(algorithmIdentifier, AsnEncodingRules.DER).ReadSequence();
        var oid = seq.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = seq.HasData ? seq.ReadEncodedValue() : null;
        if (seq.HasData)
        {
            throw new AsnContentException("AlgorithmIdentifier has trailing data");
        }

        return oid switch
        {
            "1.2.840.113549.1.1.11" => new(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA256, oid, 0),
            "1.2.840.113549.1.1.12" => new(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA384, oid, 0),
            "1.2.840.113549.1.1.13" => new(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA512, oid, 0),
            "1.2.840.113549.1.1.5" => new(SignatureScheme.RsaPkcs1, HashAlgorithmName.SHA1, oid, 0),
            "1.2.840.113549.1.1.4" => new(SignatureScheme.RsaPkcs1, HashAlgorithmName.MD5, oid, 0),
            "1.2.840.10045.4.3.2" => new(SignatureScheme.Ecdsa, HashAlgorithmName.SHA256, oid, 0),
            "1.2.840.10045.4.3.3" => new(SignatureScheme.Ecdsa, HashAlgorithmName.SHA384, oid, 0),
            "1.2.840.10045.4.3.4" => new(SignatureScheme.Ecdsa, HashAlgorithmName.SHA512, oid, 0),
            "1.2.840.10045.4.1" => new(SignatureScheme.Ecdsa, HashAlgorithmName.SHA1, oid, 0),
            "1.2.840.113549.1.1.10" => ReadPss(oid, parameters),
            _ => new(SignatureScheme.Unknown, default, oid, 0),
        };
    }

    // RFC 4055 §3.1 RSASSA-PSS-params; only MGF1 with the same hash and trailerField 1 are accepted.
    private static SignatureAlgorithmFacts ReadPss(string oid, ReadOnlyMemory<byte>? parameters)
    {
        if (parameters is null)
        {
            return new(SignatureScheme.Unknown, default, oid, 0);
        }

        var p = new AsnReader(parameters.Value, AsnEncodingRules.DER).ReadSequence();
        var hash = HashAlgorithmName.SHA1;
        var mgfHash = HashAlgorithmName.SHA1;
        var salt = 20;
        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            hash = HashFromAlgorithm(p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence());
        }

        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            var mgf = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadSequence();
            if (mgf.ReadObjectIdentifier() != "1.2.840.113549.1.1.8")
            {
                return new(SignatureScheme.Unknown, default, oid, 0);
            }

            mgfHash = HashFromAlgorithm(mgf.ReadSequence());
        }

        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
        {
            var s = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2)).ReadInteger();
            salt = s < 0 || s > 1024 ? -1 : (int)s;
        }

        if (p.HasData && p.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 3)))
        {
            if (p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3)).ReadInteger() != 1)
            {
                return new(SignatureScheme.Unknown, default, oid, 0);
            }
        }

        if (hash != mgfHash || salt < 0 || hash == default)
        {
            return new(SignatureScheme.Unknown, default, oid, 0);
        }

        return new(SignatureScheme.RsaPss, hash, oid, salt);
    }

    private static HashAlgorithmName HashFromAlgorithm(AsnReader algorithm) => algorithm.ReadObjectIdentifier() switch
    {
        "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
        "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
        "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
        "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
        _ => default,
    };

    public string Describe() => Scheme switch
    {
        SignatureScheme.RsaPkcs1 => $"RSA PKCS#1 v1.5 with {Hash.Name}",
        SignatureScheme.RsaPss => $"RSA-PSS with {Hash.Name}",
        SignatureScheme.Ecdsa => $"ECDSA with {Hash.Name}",
        _ => $"unsupported algorithm {Oid}",
    };
}

/// <summary>A subject public key's algorithm and strength, read from the SPKI without importing the key.</summary>
internal readonly record struct PublicKeyFacts(KeyAlgorithm Algorithm, int KeySizeBits, string? CurveOid, bool ExplicitCurve, string AlgorithmOid)
{
    public const string P256 = "1.2.840.10045.3.1.7";
    public const string P384 = "1.3.132.0.34";
    public const string P521 = "1.3.132.0.35";

    public static PublicKeyFacts Read(ReadOnlyMemory<byte> spki)
    {
        var seq = new AsnReader(spki, AsnEncodingRules.DER).ReadSequence();
        var algorithm = seq.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        var key = seq.ReadBitString(out _);
        if (seq.HasData)
        {
            throw new AsnContentException("SubjectPublicKeyInfo has trailing data");
        }

        switch (oid)
        {
            case "1.2.840.113549.1.1.1":
            {
                // RFC 3279 §2.3.1: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
                var rsa = new AsnReader(key, AsnEncodingRules.DER).ReadSequence();
                var modulus = rsa.ReadIntegerBytes().Span;
                rsa.ReadIntegerBytes();
                while (modulus.Length > 0 && modulus[0] == 0)
                {
                    modulus = modulus[1..];
                }

                var bits = modulus.Length == 0 ? 0 : ((modulus.Length - 1) * 8) + (8 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]) + 24);
                return new(KeyAlgorithm.Rsa, bits, null, false, oid);
            }

            case "1.2.840.10045.2.1":
            {
                // RFC 5480 §2.1.1: only namedCurve is allowed; explicit parameters are refused.
                if (!algorithm.HasData || algorithm.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    return new(KeyAlgorithm.Ec, 0, null, true, oid);
                }

                var curve = algorithm.ReadObjectIdentifier();
                var size = curve switch
                {
                    P256 => 256,
                    P384 => 384,
                    P521 => 521,
                    "1.2.840.10045.3.1.1" => 192,
                    "1.3.132.0.33" => 224,
                    _ => 0,
                };
                return new(KeyAlgorithm.Ec, size, curve, false, oid);
            }

            case "1.2.840.10040.4.1":
                return new(KeyAlgorithm.Dsa, 0, null, false, oid);
            case "1.3.101.112":
            case "1.3.101.113":
                return new(KeyAlgorithm.EdDsa, 0, null, false, oid);
            default:
                return new(KeyAlgorithm.Unknown, 0, null, false, oid);
        }
    }

    public string Describe() => Algorithm switch
    {
        KeyAlgorithm.Rsa => $"RSA-{KeySizeBits}",
        KeyAlgorithm.Ec when ExplicitCurve => "EC with explicit curve parameters",
        KeyAlgorithm.Ec => CurveOid switch
        {
            P256 => "EC P-256",
            P384 => "EC P-384",
            P521 => "EC P-521",
            _ => $"EC curve {CurveOid}",
        },
        KeyAlgorithm.Dsa => "DSA",
        KeyAlgorithm.EdDsa => "EdDSA",
        _ => $"key algorithm {AlgorithmOid}",
    };
}
