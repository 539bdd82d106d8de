using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>One attribute of a certification request (RFC 2986 4.1): a type and its DER-encoded values.</summary>
/// <param name="Oid">The attribute type.</param>
/// <param name="Values">The DER encoding of each value in the SET.</param>
public sealed record RequestAttribute(string Oid, IReadOnlyList<ReadOnlyMemory<byte>> Values);

/// <summary>
/// An immutable, managed PKCS#10 certification request (RFC 2986) parsed from DER with System.Formats.Asn1.
/// Like <see cref="Certificate"/>, the memory properties are views over the caller's buffer.
/// </summary>
public sealed class CertificationRequest
{
    private static readonly Asn1Tag s_attributesTag = new(TagClass.ContextSpecific, 0, true);

    private readonly ReadOnlyMemory<byte> _subjectRaw;
    private readonly ReadOnlyMemory<byte> _publicKeyRaw;
    private readonly ReadOnlyMemory<byte> _signatureAlgorithmRaw;
    private readonly Range _attributes;
    private readonly ExtensionList _extensions;
    private readonly ExtensionFacts _facts;
    private DistinguishedName? _subject;
    private SubjectPublicKeyInfo? _publicKey;
    private SignatureAlgorithm? _signatureAlgorithm;
    private IReadOnlyList<RequestAttribute>? _attributeList;
    private IReadOnlyList<string>? _extendedKeyUsages;
    private IReadOnlyList<GeneralName>? _subjectAlternativeNames;

    private CertificationRequest(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        var span = der.Span;
        var top = new DerWalker(span, 0, span.Length);
        var request = top.ReadSequence("the certificate request");
        var infoContent = request.Read(Asn1Tag.Sequence, "the CertificationRequestInfo", out var infoEncoded);
        var signatureAlgorithm = SignatureAlgorithm.Validate(ref request, "the signature algorithm");
        var signature = request.ReadBitString("the signature", out _);
        request.ExpectEnd("the certificate request");

        var info = request.Enter(infoContent);
        var version = info.ReadInt32("the version");
        if (version != 0)
        {
            throw DerWalker.Malformed($"the version number is {version}; RFC 2986 defines only 0 (v1)");
        }

        var subject = DistinguishedName.Validate(ref info, limits, "the subject name");
        var publicKey = SubjectPublicKeyInfo.Validate(ref info);
        var facts = default(ExtensionFacts);
        _extensions = ExtensionList.Empty;
        if (info.HasData)
        {
            _attributes = info.Read(s_attributesTag, "the attributes");
            var attributes = info.Enter(_attributes);
            var count = 0;
            var sawExtensionRequest = false;
            while (attributes.HasData)
            {
                if (++count > limits.MaxRequestAttributes)
                {
                    throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the certificate request has more than {limits.MaxRequestAttributes} attributes");
                }

                var attribute = attributes.ReadSequence("an attribute");
                var oid = attribute.ReadOid("an attribute type");
                var values = attribute.ReadSequence(Asn1Tag.SetOf, "an attribute's values");
                attribute.ExpectEnd("an attribute");
                if (WellKnownOids.TryGetKnown(span[oid]) == WellKnownOids.ExtensionRequest)
                {
                    if (sawExtensionRequest)
                    {
                        throw DerWalker.Malformed("the certificate request has more than one extensionRequest attribute");
                    }

                    sawExtensionRequest = true;
                    var list = values.Read(Asn1Tag.Sequence, "the requested extensions");
                    values.ExpectEnd("the extensionRequest attribute");
                    _extensions = ExtensionList.Validate(der, list, limits, ExtensionContext.Certificate, "the certificate request", ref facts);
                }
                else
                {
                    while (values.HasData)
                    {
                        values.ReadAny(out _, out _);
                    }
                }
            }
        }

        info.ExpectEnd("the CertificationRequestInfo");
        RawData = der;
        CertificationRequestInfo = der[infoEncoded];
        Version = version + 1;
        _subjectRaw = der[subject];
        _publicKeyRaw = der[publicKey];
        _signatureAlgorithmRaw = der[signatureAlgorithm];
        Signature = der[signature];
        _facts = facts;
    }

    /// <summary>The complete DER encoding; a view over the buffer given to Parse.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The DER of the CertificationRequestInfo (the signed part).</summary>
    public ReadOnlyMemory<byte> CertificationRequestInfo { get; }

    /// <summary>The request version: always 1 (encoded as 0).</summary>
    public int Version { get; }

    /// <summary>The requested subject name.</summary>
    public DistinguishedName Subject => _subject ??= new DistinguishedName(_subjectRaw);

    /// <summary>The public key to be certified.</summary>
    public SubjectPublicKeyInfo PublicKey => _publicKey ??= SubjectPublicKeyInfo.Create(_publicKeyRaw);

    /// <summary>The algorithm of the proof-of-possession signature.</summary>
    public SignatureAlgorithm SignatureAlgorithm => _signatureAlgorithm ??= SignatureAlgorithm.Create(_signatureAlgorithmRaw);

    /// <summary>The signature BIT STRING contents.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>Every attribute (including extensionRequest and challengePassword) in encoding order.</summary>
    public IReadOnlyList<RequestAttribute> Attributes => _attributeList ??= DecodeAttributes();

    /// <summary>The extensions of the extensionRequest attribute (PKCS#9), empty when absent.</summary>
    public IReadOnlyList<CertificateExtension> Extensions => _extensions.All;

    /// <summary>The challengePassword attribute as text, or null when absent.</summary>
    public string? ChallengePassword
    {
        get
        {
            var attribute = Attributes.FirstOrDefault(a => a.Oid == WellKnownOids.ChallengePassword);
            if (attribute is null || attribute.Values.Count == 0)
            {
                return null;
            }

            var value = attribute.Values[0];
            return new NameAttribute(WellKnownOids.ChallengePassword, Asn1Tag.Decode(value.Span, out _), value).Value;
        }
    }

    /// <summary>Requested basicConstraints, or null.</summary>
    public BasicConstraints? BasicConstraints => _facts.BasicConstraints;

    /// <summary>Requested keyUsage, or null.</summary>
    public KeyUsage? KeyUsage => _facts.KeyUsage;

    /// <summary>Requested extendedKeyUsage OIDs, or null.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsages =>
        _extendedKeyUsages ??= _extensions.Find(WellKnownOids.ExtendedKeyUsage) is { } v ? ExtensionDecoding.ExtendedKeyUsages(v) : null;

    /// <summary>Requested subjectAltName names, or null.</summary>
    public IReadOnlyList<GeneralName>? SubjectAlternativeNames =>
        _subjectAlternativeNames ??= _extensions.Find(WellKnownOids.SubjectAltName) is { } v ? ExtensionDecoding.GeneralNames(v) : null;

    /// <summary>Verifies the proof-of-possession signature with the request's own public key (RFC 2986 3).</summary>
    public bool VerifySignature() => SignatureVerification.Verify(SignatureAlgorithm, CertificationRequestInfo.Span, Signature.Span, PublicKey);

    /// <summary>Parses a DER-encoded PKCS#10 certification request with <see cref="ParseLimits.Default"/>.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CSR.</exception>
    public static CertificationRequest Parse(ReadOnlyMemory<byte> der) => Parse(der, ParseLimits.Default);

    /// <summary>Parses a DER-encoded PKCS#10 certification request with explicit limits.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid CSR or exceed a limit.</exception>
    public static CertificationRequest Parse(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        DerEnvelope.CheckOuter(der.Span, limits.MaxEncodedSize, "certificate request");
        try
        {
            return new CertificationRequest(der, limits);
        }
        catch (MaterialException ex)
        {
            throw new MaterialException(ex.Code, "the certificate request is invalid: " + ex.Message);
        }
        catch (Exception ex) when (DerEnvelope.IsParseFailure(ex))
        {
            throw DerEnvelope.Wrap(ex, "certificate request");
        }
    }

    /// <summary>Parses a DER-encoded PKCS#10 certification request without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out CertificationRequest? request, [NotNullWhen(false)] out MaterialException? error)
    {
        // Garbage and truncations are refused here without throwing (a hostile flood pays no exception per input).
        if (DerEnvelope.SignedSkeletonError(der.Span, ParseLimits.Default.MaxEncodedSize, "certificate request") is { } early)
        {
            request = null;
            error = early;
            return false;
        }

        try
        {
            request = Parse(der);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            request = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Returns the subject as an RFC 4514 string.</summary>
    public override string ToString() => Subject.Rfc4514Name;

    private IReadOnlyList<RequestAttribute> DecodeAttributes()
    {
        if (_attributes.Equals(default(Range)))
        {
            return [];
        }

        var list = new List<RequestAttribute>();
        var reader = new AsnReader(RawData[_attributes], AsnEncodingRules.DER);
        while (reader.HasData)
        {
            var attribute = reader.ReadSequence();
            var oid = ExtensionDecoding.ReadOid(attribute);
            var set = attribute.ReadSetOf(skipSortOrderValidation: true);
            var values = new List<ReadOnlyMemory<byte>>();
            while (set.HasData)
            {
                values.Add(set.ReadEncodedValue());
            }

            list.Add(new RequestAttribute(oid, values));
        }

        return list;
    }
}
