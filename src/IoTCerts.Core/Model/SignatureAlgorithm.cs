using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>The family of a signature algorithm.</summary>
public enum SignatureAlgorithmKind
{
    /// <summary>An algorithm IoTCerts does not recognise.</summary>
    Unknown = 0,

    /// <summary>RSA with PKCS#1 v1.5 padding (sha256WithRSAEncryption, ...).</summary>
    RsaPkcs1,

    /// <summary>RSASSA-PSS (RFC 4055).</summary>
    RsaPss,

    /// <summary>ECDSA (RFC 5758).</summary>
    Ecdsa,

    /// <summary>Ed25519 (RFC 8410).</summary>
    Ed25519,

    /// <summary>Ed448 (RFC 8410).</summary>
    Ed448,

    /// <summary>DSA.</summary>
    Dsa,
}

/// <summary>RSASSA-PSS parameters (RFC 4055 3.1), with the defaults applied when a field is absent.</summary>
/// <param name="HashAlgorithm">The message digest.</param>
/// <param name="MaskGenerationHashAlgorithm">The digest used by MGF1.</param>
/// <param name="SaltLength">The salt length in bytes.</param>
/// <param name="TrailerField">The trailer field (always 1 in valid parameters).</param>
public sealed record RsaPssParameters(HashAlgorithmName HashAlgorithm, HashAlgorithmName MaskGenerationHashAlgorithm, int SaltLength, int TrailerField);

/// <summary>A signature AlgorithmIdentifier (RFC 5280 4.1.1.2).</summary>
public sealed class SignatureAlgorithm
{
    internal SignatureAlgorithm(ReadOnlyMemory<byte> rawData, string oid, ReadOnlyMemory<byte> parameters)
    {
        RawData = rawData;
        Oid = oid;
        Parameters = parameters;
        Kind = KindOf(oid);
        PssParameters = Kind == SignatureAlgorithmKind.RsaPss ? ReadPss(parameters) : null;
        HashAlgorithm = PssParameters?.HashAlgorithm ?? HashOf(oid);
    }

    /// <summary>The DER encoding of the AlgorithmIdentifier.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The algorithm OID, for example <c>1.2.840.113549.1.1.11</c>.</summary>
    public string Oid { get; }

    /// <summary>The DER encoding of the parameters (NULL for RSA PKCS#1), or empty when absent.</summary>
    public ReadOnlyMemory<byte> Parameters { get; }

    /// <summary>A readable name such as <c>sha256WithRSAEncryption</c>, or the OID when unknown.</summary>
    public string FriendlyName => WellKnownOids.FriendlyName(Oid) ?? Oid;

    /// <summary>The digest the signature uses, or null (Ed25519/Ed448, unknown algorithms).</summary>
    public HashAlgorithmName? HashAlgorithm { get; }

    /// <summary>The algorithm family.</summary>
    public SignatureAlgorithmKind Kind { get; }

    /// <summary>The RSASSA-PSS parameters when <see cref="Kind"/> is <see cref="SignatureAlgorithmKind.RsaPss"/>.</summary>
    public RsaPssParameters? PssParameters { get; }

    /// <summary>True for RSA with PKCS#1 v1.5 padding.</summary>
    public bool IsRsaPkcs1 => Kind == SignatureAlgorithmKind.RsaPkcs1;

    /// <summary>True for RSASSA-PSS.</summary>
    public bool IsRsaPss => Kind == SignatureAlgorithmKind.RsaPss;

    /// <summary>True for ECDSA.</summary>
    public bool IsEcdsa => Kind == SignatureAlgorithmKind.Ecdsa;

    /// <summary>The friendly name.</summary>
    public override string ToString() => FriendlyName;

    /// <summary>Validates an AlgorithmIdentifier at the walker's position; PSS parameters are checked too.</summary>
    internal static Range Validate(ref DerWalker walker, string what)
    {
        var content = walker.Read(Asn1Tag.Sequence, what, out var encoded);
        var inner = walker.Enter(content);
        var oid = inner.ReadOid(what);
        Range parameters = default;
        if (inner.HasData)
        {
            inner.ReadAny(out parameters, out _);
        }

        inner.ExpectEnd(what);
        if (walker.Slice(oid).SequenceEqual(s_pssOid))
        {
            var span = walker.Slice(parameters);
            ValidatePss(span);
        }

        return encoded;
    }

    internal static SignatureAlgorithm Create(ReadOnlyMemory<byte> encoded)
    {
        var reader = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence();
        var oid = WellKnownOids.Decode(DerEnvelope.ContentOf(reader.ReadEncodedValue()).Span);
        var parameters = reader.HasData ? reader.ReadEncodedValue() : ReadOnlyMemory<byte>.Empty;
        return new SignatureAlgorithm(encoded, oid, parameters);
    }

    internal static HashAlgorithmName? HashOf(string oid) => oid switch
    {
        WellKnownOids.Sha256WithRsa or WellKnownOids.EcdsaWithSha256 or WellKnownOids.Sha256 => HashAlgorithmName.SHA256,
        WellKnownOids.Sha384WithRsa or WellKnownOids.EcdsaWithSha384 or WellKnownOids.Sha384 => HashAlgorithmName.SHA384,
        WellKnownOids.Sha512WithRsa or WellKnownOids.EcdsaWithSha512 or WellKnownOids.Sha512 => HashAlgorithmName.SHA512,
        WellKnownOids.Sha1WithRsa or WellKnownOids.EcdsaWithSha1 or WellKnownOids.DsaWithSha1 or WellKnownOids.Sha1 => HashAlgorithmName.SHA1,
        WellKnownOids.Sha224WithRsa or WellKnownOids.EcdsaWithSha224 or WellKnownOids.Sha224 => new HashAlgorithmName("SHA224"),
        WellKnownOids.Md5WithRsa => HashAlgorithmName.MD5,
        _ => null,
    };

    private static readonly byte[] s_pssOid = WellKnownOids.EncodeContent(WellKnownOids.RsaPss);

    internal static SignatureAlgorithmKind KindOf(string oid) => oid switch
    {
        WellKnownOids.Sha256WithRsa or WellKnownOids.Sha384WithRsa or WellKnownOids.Sha512WithRsa or WellKnownOids.Sha1WithRsa
            or WellKnownOids.Sha224WithRsa or WellKnownOids.Md5WithRsa => SignatureAlgorithmKind.RsaPkcs1,
        WellKnownOids.RsaPss => SignatureAlgorithmKind.RsaPss,
        WellKnownOids.EcdsaWithSha256 or WellKnownOids.EcdsaWithSha384 or WellKnownOids.EcdsaWithSha512
            or WellKnownOids.EcdsaWithSha1 or WellKnownOids.EcdsaWithSha224 => SignatureAlgorithmKind.Ecdsa,
        WellKnownOids.Ed25519 => SignatureAlgorithmKind.Ed25519,
        WellKnownOids.Ed448 => SignatureAlgorithmKind.Ed448,
        WellKnownOids.DsaWithSha1 => SignatureAlgorithmKind.Dsa,
        _ => SignatureAlgorithmKind.Unknown,
    };

    private static void ValidatePss(ReadOnlySpan<byte> parameters)
    {
        if (parameters.IsEmpty)
        {
            throw DerWalker.Malformed("the RSASSA-PSS algorithm has no parameters");
        }

        var walker = new DerWalker(parameters, 0, parameters.Length);
        var fields = walker.ReadSequence("the RSASSA-PSS parameters");
        walker.ExpectEnd("the RSASSA-PSS parameters");
        for (var i = 0; i < 4 && fields.HasData; i++)
        {
            var tag = new Asn1Tag(TagClass.ContextSpecific, i, isConstructed: true);
            if (!fields.PeekIs(tag))
            {
                continue;
            }

            var field = fields.ReadSequence(tag, "an RSASSA-PSS parameter");
            if (i < 2)
            {
                var algorithm = field.ReadSequence("an RSASSA-PSS digest");
                algorithm.ReadOid("an RSASSA-PSS digest");
                if (algorithm.HasData)
                {
                    var nested = algorithm.PeekTag();
                    if (nested == Asn1Tag.Sequence)
                    {
                        // MGF1's parameter is itself an AlgorithmIdentifier of the digest.
                        var mgfHash = algorithm.ReadSequence("the MGF1 digest");
                        mgfHash.ReadOid("the MGF1 digest");
                        if (mgfHash.HasData)
                        {
                            mgfHash.ReadAny(out _, out _);
                        }
                    }
                    else
                    {
                        algorithm.ReadAny(out _, out _);
                    }
                }

                algorithm.ExpectEnd("an RSASSA-PSS digest");
            }
            else if (field.ReadInt32("an RSASSA-PSS number") < 0)
            {
                throw DerWalker.Malformed("an RSASSA-PSS number is negative");
            }

            field.ExpectEnd("an RSASSA-PSS parameter");
        }

        fields.ExpectEnd("the RSASSA-PSS parameters");
    }

    private static RsaPssParameters ReadPss(ReadOnlyMemory<byte> parameters)
    {
        var hash = HashAlgorithmName.SHA1;
        var mgfHash = HashAlgorithmName.SHA1;
        var salt = 20;
        var trailer = 1;
        var fields = new AsnReader(parameters, AsnEncodingRules.DER).ReadSequence();
        var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0, true);
        var mgfTag = new Asn1Tag(TagClass.ContextSpecific, 1, true);
        var saltTag = new Asn1Tag(TagClass.ContextSpecific, 2, true);
        var trailerTag = new Asn1Tag(TagClass.ContextSpecific, 3, true);
        if (fields.HasData && fields.PeekTag() == hashTag)
        {
            var algorithm = fields.ReadSequence(hashTag).ReadSequence();
            hash = HashOf(algorithm.ReadObjectIdentifier()) ?? new HashAlgorithmName("unknown");
        }

        if (fields.HasData && fields.PeekTag() == mgfTag)
        {
            var mgf = fields.ReadSequence(mgfTag).ReadSequence();
            mgf.ReadObjectIdentifier();
            if (mgf.HasData && mgf.PeekTag() == Asn1Tag.Sequence)
            {
                mgfHash = HashOf(mgf.ReadSequence().ReadObjectIdentifier()) ?? new HashAlgorithmName("unknown");
            }
        }

        if (fields.HasData && fields.PeekTag() == saltTag)
        {
            fields.ReadSequence(saltTag).TryReadInt32(out salt);
        }

        if (fields.HasData && fields.PeekTag() == trailerTag)
        {
            fields.ReadSequence(trailerTag).TryReadInt32(out trailer);
        }

        return new RsaPssParameters(hash, mgfHash, salt, trailer);
    }
}
