using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>The kind of a public key.</summary>
public enum PublicKeyKind
{
    /// <summary>An algorithm IoTCerts does not recognise.</summary>
    Other = 0,

    /// <summary>RSA (rsaEncryption or RSASSA-PSS keys).</summary>
    Rsa,

    /// <summary>An elliptic-curve key (id-ecPublicKey).</summary>
    EllipticCurve,

    /// <summary>Ed25519.</summary>
    Ed25519,

    /// <summary>Ed448.</summary>
    Ed448,

    /// <summary>DSA.</summary>
    Dsa,
}

/// <summary>A SubjectPublicKeyInfo (RFC 5280 4.1.2.7): the algorithm, its parameters and the key bits.</summary>
public sealed class SubjectPublicKeyInfo
{
    private string? _algorithmOid;

    /// <summary>
    /// The largest RSA modulus IoTCerts imports or verifies with, in bits. Larger keys cost seconds of CPU per
    /// signature check (issue 17: a 65,536-bit intermediate), and no device or CA uses them.
    /// </summary>
    public const int MaxRsaModulusBits = 16_384;

    /// <summary>
    /// The widest RSA public exponent accepted, in bits: exponents above 2^256 (and even exponents, and 1) are refused
    /// before any import, as NIST SP 800-56B and rustls-webpki do; 65537 is what everybody uses.
    /// </summary>
    public const int MaxRsaExponentBits = 256;

    private SubjectPublicKeyInfo(ReadOnlyMemory<byte> rawData, Range algorithmOid, Range parameters, Range publicKey, PublicKeyKind kind, int keySize, string? curveOid, string? boundsViolation)
    {
        BoundsViolation = boundsViolation;
        RawData = rawData;
        AlgorithmOidRange = algorithmOid;
        AlgorithmParameters = parameters.Equals(default(Range)) ? ReadOnlyMemory<byte>.Empty : rawData[parameters];
        PublicKey = rawData[publicKey];
        Kind = kind;
        KeySize = keySize;
        CurveOid = curveOid;
    }

    /// <summary>The DER encoding of the SubjectPublicKeyInfo; a view over the parsed buffer.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The key algorithm OID, for example <c>1.2.840.10045.2.1</c>.</summary>
    public string AlgorithmOid => _algorithmOid ??= WellKnownOids.Decode(RawData.Span[AlgorithmOidRange]);

    /// <summary>The DER encoding of the algorithm parameters (the curve OID for EC, NULL for RSA), or empty.</summary>
    public ReadOnlyMemory<byte> AlgorithmParameters { get; }

    /// <summary>The contents of the subjectPublicKey BIT STRING (for RSA the RSAPublicKey DER, for EC the point).</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>The key kind.</summary>
    public PublicKeyKind Kind { get; }

    /// <summary>The key size in bits (RSA modulus size, EC field size), or 0 when unknown or when the key bits do not decode.</summary>
    public int KeySize { get; }

    /// <summary>The named curve OID for EC keys, or null.</summary>
    public string? CurveOid { get; }

    /// <summary>The curve name (P-256, P-384, P-521, ...) for EC keys, or null.</summary>
    public string? CurveName => CurveOid is null ? null : WellKnownOids.FriendlyName(CurveOid) ?? CurveOid;

    /// <summary>
    /// Why the key is outside IoTCerts' bounds (an RSA modulus above <see cref="MaxRsaModulusBits"/>, or a public exponent
    /// that is even, 1, or wider than <see cref="MaxRsaExponentBits"/>), or null when it is within them. Such a key is
    /// never imported: <see cref="CreateRsa"/> throws <see cref="MaterialErrorCode.KeyOutOfBounds"/> and the chain
    /// validator reports <see cref="ChainStatus.KeyOutOfBounds"/>.
    /// </summary>
    public string? BoundsViolation { get; }

    private Range AlgorithmOidRange { get; }

    /// <summary>Parses a DER-encoded SubjectPublicKeyInfo.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid SubjectPublicKeyInfo.</exception>
    public static SubjectPublicKeyInfo Parse(ReadOnlyMemory<byte> der)
    {
        DerEnvelope.CheckOuter(der.Span, ParseLimits.Default.MaxEncodedSize, "public key");
        try
        {
            var walker = new DerWalker(der.Span, 0, der.Length);
            return Read(der, ref walker, 0);
        }
        catch (Exception ex) when (DerEnvelope.IsParseFailure(ex))
        {
            throw DerEnvelope.Wrap(ex, "public key");
        }
    }

    /// <summary>Creates an <see cref="RSA"/> instance holding this public key.</summary>
    /// <exception cref="MaterialException">The key is not RSA or cannot be imported.</exception>
    public RSA CreateRsa()
    {
        if (Kind != PublicKeyKind.Rsa)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the public key is not an RSA key");
        }

        if (BoundsViolation is { } violation)
        {
            throw new MaterialException(MaterialErrorCode.KeyOutOfBounds, violation);
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportRSAPublicKey(PublicKey.Span, out _);
            return rsa;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or ArgumentException)
        {
            rsa.Dispose();
            throw new MaterialException(MaterialErrorCode.Malformed, "the RSA public key cannot be imported", ex);
        }
    }

    /// <summary>Creates an <see cref="ECDsa"/> instance holding this public key.</summary>
    /// <exception cref="MaterialException">The key is not EC or its curve is not supported.</exception>
    public ECDsa CreateECDsa()
    {
        if (Kind != PublicKeyKind.EllipticCurve)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the public key is not an elliptic-curve key");
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(RawData.Span, out _);
            return ecdsa;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or ArgumentException)
        {
            // An unknown or explicit curve is refused by the platform with PlatformNotSupportedException.
            ecdsa.Dispose();
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the elliptic-curve public key ({CurveName ?? "explicit curve"}) cannot be imported", ex);
        }
    }

    /// <summary>Returns "kind size" such as <c>RSA 2048</c> or <c>EC P-256</c>.</summary>
    public override string ToString() => Kind switch
    {
        PublicKeyKind.Rsa => $"RSA {KeySize}",
        PublicKeyKind.EllipticCurve => $"EC {CurveName ?? "explicit"}",
        PublicKeyKind.Other => AlgorithmOid,
        _ => Kind.ToString(),
    };

    /// <summary>Validates a SubjectPublicKeyInfo at the walker's position and returns the range of its encoding.</summary>
    internal static Range Validate(ref DerWalker walker)
    {
        var start = walker.Position;
        ReadParts(ref walker, out _, out _, out _, out _, out _, out _, out _);
        return new Range(start, walker.Position);
    }

    /// <summary>Creates the model over a validated encoding (rawData is exactly the SPKI TLV).</summary>
    internal static SubjectPublicKeyInfo Create(ReadOnlyMemory<byte> rawData)
    {
        var walker = new DerWalker(rawData.Span, 0, rawData.Length);
        return Read(rawData, ref walker, 0);
    }

    /// <summary>Kind, size, curve and algorithm OID of a validated encoding, as <see cref="Create"/> would give them, without the object.</summary>
    internal static void ReadFacts(ReadOnlySpan<byte> encoded, out PublicKeyKind kind, out int size, out string? curve, out string algorithmOid, out string? boundsViolation)
    {
        var walker = new DerWalker(encoded, 0, encoded.Length);
        ReadParts(ref walker, out var oid, out _, out _, out kind, out size, out curve, out boundsViolation);
        algorithmOid = WellKnownOids.Decode(encoded[oid]);
    }

    private static SubjectPublicKeyInfo Read(ReadOnlyMemory<byte> buffer, ref DerWalker walker, int start)
    {
        ReadParts(ref walker, out var oid, out var parameters, out var key, out var kind, out var size, out var curve, out var boundsViolation);
        walker.ExpectEnd("the public key");
        var raw = buffer[start..walker.Position];
        return new SubjectPublicKeyInfo(raw, Shift(oid, start), Shift(parameters, start), Shift(key, start), kind, size, curve, boundsViolation);
    }

    private static Range Shift(Range range, int start) =>
        range.Equals(default(Range)) ? range : new Range(range.Start.Value - start, range.End.Value - start);

    private static readonly byte[] s_rsa = WellKnownOids.EncodeContent(WellKnownOids.RsaEncryption);
    private static readonly byte[] s_rsaPss = WellKnownOids.EncodeContent(WellKnownOids.RsaPss);
    private static readonly byte[] s_ec = WellKnownOids.EncodeContent(WellKnownOids.EcPublicKey);
    private static readonly byte[] s_ed25519 = WellKnownOids.EncodeContent(WellKnownOids.Ed25519);
    private static readonly byte[] s_ed448 = WellKnownOids.EncodeContent(WellKnownOids.Ed448);
    private static readonly byte[] s_dsa = WellKnownOids.EncodeContent(WellKnownOids.Dsa);

    private static void ReadParts(ref DerWalker walker, out Range oid, out Range parameters, out Range key, out PublicKeyKind kind, out int size, out string? curve, out string? boundsViolation)
    {
        boundsViolation = null;
        var spki = walker.ReadSequence("the public key");
        var algorithm = spki.ReadSequence("the public key algorithm");
        oid = algorithm.ReadOid("the public key algorithm");
        parameters = default;
        Range parametersContent = default;
        var parametersTag = default(Asn1Tag);
        if (algorithm.HasData)
        {
            parametersTag = algorithm.ReadAny(out parameters, out parametersContent);
        }

        algorithm.ExpectEnd("the public key algorithm");
        key = spki.ReadBitString("the public key bits", out var unusedBits);
        spki.ExpectEnd("the public key");
        var oidBytes = walker.Slice(oid);
        var keyBytes = walker.Slice(key);
        curve = null;
        size = 0;
        if (oidBytes.SequenceEqual(s_rsa) || oidBytes.SequenceEqual(s_rsaPss))
        {
            kind = PublicKeyKind.Rsa;
            // A broken RSAPublicKey inside the BIT STRING is not a broken certificate: the key is unusable
            // (KeySize 0, CreateRsa fails, signatures do not verify) and the validator reports that.
            size = unusedBits == 0 ? RsaModulusBits(walker.Slice(key), out boundsViolation) : 0;
        }
        else if (oidBytes.SequenceEqual(s_ec))
        {
            kind = PublicKeyKind.EllipticCurve;
            if (parametersTag == Asn1Tag.ObjectIdentifier)
            {
                var curveBytes = walker.Slice(parametersContent);
                if (!DerWalker.IsValidOid(curveBytes))
                {
                    throw DerWalker.Malformed("the elliptic-curve key's curve is not a valid object identifier");
                }

                curve = WellKnownOids.Decode(curveBytes);
            }

            size = curve switch
            {
                WellKnownOids.NistP256 or WellKnownOids.Secp256k1 or WellKnownOids.BrainpoolP256r1 => 256,
                WellKnownOids.NistP384 or WellKnownOids.BrainpoolP384r1 => 384,
                WellKnownOids.NistP521 => 521,
                WellKnownOids.NistP224 => 224,
                WellKnownOids.BrainpoolP512r1 => 512,
                _ => keyBytes.Length > 1 && keyBytes[0] == 4 ? (keyBytes.Length - 1) / 2 * 8 : 0,
            };
        }
        else if (oidBytes.SequenceEqual(s_ed25519))
        {
            kind = PublicKeyKind.Ed25519;
            size = 256;
        }
        else if (oidBytes.SequenceEqual(s_ed448))
        {
            kind = PublicKeyKind.Ed448;
            size = 456;
        }
        else if (oidBytes.SequenceEqual(s_dsa))
        {
            kind = PublicKeyKind.Dsa;
        }
        else
        {
            kind = PublicKeyKind.Other;
        }
    }

    private static int RsaModulusBits(ReadOnlySpan<byte> rsaPublicKey, out string? boundsViolation)
    {
        boundsViolation = null;
        try
        {
            var outer = new DerWalker(rsaPublicKey, 0, rsaPublicKey.Length);
            var integers = outer.ReadSequence("the RSA public key");
            var modulus = integers.ReadInteger("the RSA modulus");
            var exponent = integers.ReadInteger("the RSA public exponent");
            integers.ExpectEnd("the RSA public key");
            outer.ExpectEnd("the RSA public key");
            var bits = BitLength(rsaPublicKey[modulus]);
            boundsViolation = RsaBoundsViolation(bits, rsaPublicKey[exponent]);
            return bits;
        }
        catch (Exception ex) when (ex is AsnContentException or MaterialException)
        {
            return 0;
        }
    }

    /// <summary>Why an RSA key with this modulus size and exponent (two's-complement bytes) is out of bounds, or null.</summary>
    internal static string? RsaBoundsViolation(int modulusBits, ReadOnlySpan<byte> exponent)
    {
        if (modulusBits > MaxRsaModulusBits)
        {
            return $"the RSA modulus has {modulusBits} bits; the limit is {MaxRsaModulusBits}";
        }

        if (exponent.IsEmpty || (exponent[0] & 0x80) != 0)
        {
            return "the RSA public exponent is negative";
        }

        var exponentBits = BitLength(exponent);
        if (exponentBits > MaxRsaExponentBits)
        {
            return $"the RSA public exponent has {exponentBits} bits; the limit is {MaxRsaExponentBits} (2^{MaxRsaExponentBits})";
        }

        if ((exponent[^1] & 1) == 0)
        {
            return "the RSA public exponent is even";
        }

        return exponentBits == 1 ? "the RSA public exponent is 1" : null;
    }

    private static int BitLength(ReadOnlySpan<byte> integer)
    {
        while (integer.Length > 0 && integer[0] == 0)
        {
            integer = integer[1..];
        }

        return integer.IsEmpty ? 0 : ((integer.Length - 1) * 8) + (8 - System.Numerics.BitOperations.LeadingZeroCount((uint)integer[0]) + 24);
    }
}
