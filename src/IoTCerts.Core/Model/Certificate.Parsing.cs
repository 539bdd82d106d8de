using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>Parsing of <see cref="Certificate"/> (RFC 5280 4.1).</summary>
public sealed partial class Certificate
{
    private static readonly Asn1Tag s_versionTag = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag s_issuerUniqueIdTag = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag s_subjectUniqueIdTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag s_extensionsTag = new(TagClass.ContextSpecific, 3, true);

    // Offsets into RawData rather than memory views: half the size, and slicing on access allocates nothing.
    private readonly Range _tbs;
    private readonly Range _serial;
    private readonly Range _signature;
    private readonly Range _signatureAlgorithm;
    private readonly Range _tbsSignatureAlgorithm;
    private readonly Range _issuerName;
    private readonly Range _subjectName;
    private readonly Range _publicKeyInfo;
    private readonly Range? _issuerUniqueId;
    private readonly Range? _subjectUniqueId;
    private readonly ExtensionList _extensions;
    private readonly ExtensionFacts _facts;

    private Certificate(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        var span = der.Span;
        var top = new DerWalker(span, 0, span.Length);
        var certificate = top.ReadSequence("the certificate");
        top.ExpectEnd("the certificate");

        var tbsContent = certificate.Read(Asn1Tag.Sequence, "the TBSCertificate", out var tbsEncoded);
        var sigAlg = SignatureAlgorithm.Validate(ref certificate, "the signature algorithm");
        var signature = certificate.ReadBitString("the signature", out _);
        certificate.ExpectEnd("the certificate");

        var tbs = certificate.Enter(tbsContent);
        var version = 1;
        if (tbs.PeekIs(s_versionTag))
        {
            var versionField = tbs.ReadSequence(s_versionTag, "the version");
            var value = versionField.ReadInt32("the version");
            versionField.ExpectEnd("the version");
            if (value is < 0 or > 2)
            {
                throw DerWalker.Malformed($"the version number {value} is not 0, 1 or 2 (v1, v2 or v3)");
            }

            version = value + 1;
        }

        var serial = tbs.ReadInteger("the serial number");
        var serialBytes = span[serial];
        if (serialBytes.Length > 21 || (serialBytes.Length == 21 && serialBytes[0] != 0))
        {
            // RFC 5280 4.1.2.2: at most 20 octets (21 encoded bytes when a sign byte is needed).
            throw DerWalker.Malformed($"the serial number is {serialBytes.Length} bytes long; RFC 5280 allows at most 20 octets");
        }

        var innerSigAlg = SignatureAlgorithm.Validate(ref tbs, "the TBSCertificate signature algorithm");
        var issuer = DistinguishedName.Validate(ref tbs, limits, "the issuer name");
        var validity = tbs.ReadSequence("the validity");
        NotBefore = validity.ReadTime("notBefore");
        NotAfter = validity.ReadTime("notAfter");
        validity.ExpectEnd("the validity");
        var subject = DistinguishedName.Validate(ref tbs, limits, "the subject name");
        var publicKey = SubjectPublicKeyInfo.Validate(ref tbs);
        if (tbs.PeekIs(s_issuerUniqueIdTag))
        {
            _issuerUniqueId = tbs.ReadBitString("the issuerUniqueID", out _, s_issuerUniqueIdTag);
        }

        if (tbs.PeekIs(s_subjectUniqueIdTag))
        {
            _subjectUniqueId = tbs.ReadBitString("the subjectUniqueID", out _, s_subjectUniqueIdTag);
        }

        var facts = default(ExtensionFacts);
        _extensions = ExtensionList.Empty;
        if (tbs.PeekIs(s_extensionsTag))
        {
            var wrapper = tbs.ReadSequence(s_extensionsTag, "the extensions");
            var list = wrapper.Read(Asn1Tag.Sequence, "the extensions");
            wrapper.ExpectEnd("the extensions");
            _extensions = ExtensionList.Validate(der, list, limits, ExtensionContext.Certificate, "the certificate", ref facts);
        }

        tbs.ExpectEnd("the TBSCertificate");

        RawData = der;
        _tbs = tbsEncoded;
        Version = version;
        _serial = serial;
        HasNonPositiveSerial = (serialBytes[0] & 0x80) != 0 || !serialBytes.ContainsAnyExcept((byte)0);
        _signatureAlgorithm = sigAlg;
        _tbsSignatureAlgorithm = innerSigAlg;
        _issuerName = issuer;
        _subjectName = subject;
        _publicKeyInfo = publicKey;
        _signature = signature;
        _facts = facts;
    }

    /// <summary>Parses a DER-encoded certificate with explicit limits.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid certificate or exceed a limit.</exception>
    public static Certificate Parse(ReadOnlyMemory<byte> der, ParseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        DerEnvelope.CheckOuter(der.Span, limits.MaxEncodedSize, "certificate");
        try
        {
            return new Certificate(der, limits);
        }
        catch (MaterialException ex)
        {
            throw new MaterialException(ex.Code, "the certificate is invalid: " + ex.Message);
        }
        catch (Exception ex) when (DerEnvelope.IsParseFailure(ex))
        {
            throw DerEnvelope.Wrap(ex, "certificate");
        }
    }

    // Raw views for the chain validator's warm path: no DistinguishedName, SubjectPublicKeyInfo or
    // SignatureAlgorithm object is built for a certificate that only passes through a validation.

    /// <summary>The DER of the issuer Name.</summary>
    internal ReadOnlyMemory<byte> IssuerRaw => RawData[_issuerName];

    /// <summary>The DER of the subject Name.</summary>
    internal ReadOnlyMemory<byte> SubjectRaw => RawData[_subjectName];

    /// <summary>The DER of the SubjectPublicKeyInfo.</summary>
    internal ReadOnlyMemory<byte> PublicKeyRaw => RawData[_publicKeyInfo];

    /// <summary>The DER of the outer signature AlgorithmIdentifier.</summary>
    internal ReadOnlyMemory<byte> SignatureAlgorithmRaw => RawData[_signatureAlgorithm];

    /// <summary>True when the issuer Name has no relative names (a validated empty SEQUENCE is exactly 30 00).</summary>
    internal bool IssuerIsEmpty => _issuerName.End.Value - _issuerName.Start.Value == 2;

    /// <summary>True when the subject Name has no relative names.</summary>
    internal bool SubjectIsEmpty => _subjectName.End.Value - _subjectName.Start.Value == 2;

    /// <summary>The extensions as validated, for reading without materialising <see cref="CertificateExtension"/> objects.</summary>
    internal ExtensionList ExtensionEntries => _extensions;

    /// <summary>What extension validation recorded (AKI key id, EKU value, ...), as offsets into <see cref="RawData"/>.</summary>
    internal ref readonly ExtensionFacts KnownExtensionFacts => ref _facts;
}
