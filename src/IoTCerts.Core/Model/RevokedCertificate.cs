using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>CRLReason codes (RFC 5280 5.3.1).</summary>
public enum CrlReason
{
    /// <summary>unspecified (0).</summary>
    Unspecified = 0,

    /// <summary>keyCompromise (1).</summary>
    KeyCompromise = 1,

    /// <summary>cACompromise (2).</summary>
    CACompromise = 2,

    /// <summary>affiliationChanged (3).</summary>
    AffiliationChanged = 3,

    /// <summary>superseded (4).</summary>
    Superseded = 4,

    /// <summary>cessationOfOperation (5).</summary>
    CessationOfOperation = 5,

    /// <summary>certificateHold (6).</summary>
    CertificateHold = 6,

    /// <summary>removeFromCRL (8), only in delta CRLs.</summary>
    RemoveFromCrl = 8,

    /// <summary>privilegeWithdrawn (9).</summary>
    PrivilegeWithdrawn = 9,

    /// <summary>aACompromise (10).</summary>
    AACompromise = 10,
}

/// <summary>One entry of a CRL's revokedCertificates (RFC 5280 5.1.2.6).</summary>
public sealed class RevokedCertificate
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly Range _extensions;
    private IReadOnlyList<CertificateExtension>? _extensionList;
    private string? _serialNumberHex;

    internal RevokedCertificate(ReadOnlyMemory<byte> buffer, ReadOnlyMemory<byte> serialNumber, DateTimeOffset revocationDate, int reason, Range extensions)
    {
        _buffer = buffer;
        SerialNumber = serialNumber;
        RevocationDate = revocationDate;
        Reason = reason < 0 ? null : (CrlReason)reason;
        _extensions = extensions;
    }

    /// <summary>The revoked certificate's serial number as encoded (big-endian INTEGER bytes).</summary>
    public ReadOnlyMemory<byte> SerialNumber { get; }

    /// <summary>The serial number as upper-case hex.</summary>
    public string SerialNumberHex => _serialNumberHex ??= Convert.ToHexString(SerialNumber.Span);

    /// <summary>When the certificate was revoked.</summary>
    public DateTimeOffset RevocationDate { get; }

    /// <summary>The reasonCode entry extension, or null when absent.</summary>
    public CrlReason? Reason { get; }

    /// <summary>The entry extensions (reasonCode, invalidityDate, certificateIssuer, ...) in encoding order.</summary>
    public IReadOnlyList<CertificateExtension> Extensions => _extensionList ??= DecodeExtensions();

    /// <summary>The certificateIssuer entry extension (indirect CRLs, RFC 5280 5.3.3), or null.</summary>
    public IReadOnlyList<GeneralName>? CertificateIssuer =>
        Extensions.FirstOrDefault(e => e.Oid == WellKnownOids.CertificateIssuer) is { } e ? ExtensionDecoding.GeneralNames(e.Value) : null;

    /// <summary>The invalidityDate entry extension, or null.</summary>
    public DateTimeOffset? InvalidityDate =>
        Extensions.FirstOrDefault(e => e.Oid == WellKnownOids.InvalidityDate) is { } e ? AsnDecoder.ReadGeneralizedTime(e.Value.Span, AsnEncodingRules.DER, out _) : null;

    private IReadOnlyList<CertificateExtension> DecodeExtensions()
    {
        if (_extensions.Equals(default(Range)))
        {
            return [];
        }

        var facts = default(ExtensionFacts);
        return ExtensionList.Validate(_buffer, _extensions, ParseLimits.Default, ExtensionContext.CrlEntry, "a CRL entry", ref facts).All;
    }
}

/// <summary>The issuingDistributionPoint CRL extension (RFC 5280 5.2.5).</summary>
public sealed class IssuingDistributionPoint
{
    internal IssuingDistributionPoint(IReadOnlyList<GeneralName> fullName, ReadOnlyMemory<byte>? relativeName, bool onlyUser, bool onlyCa, RevocationReasons? reasons, bool indirect, bool onlyAttribute)
    {
        FullName = fullName;
        NameRelativeToCrlIssuer = relativeName;
        OnlyContainsUserCerts = onlyUser;
        OnlyContainsCACerts = onlyCa;
        OnlySomeReasons = reasons;
        IndirectCrl = indirect;
        OnlyContainsAttributeCerts = onlyAttribute;
    }

    /// <summary>distributionPoint fullName (empty when absent).</summary>
    public IReadOnlyList<GeneralName> FullName { get; }

    /// <summary>The DER (SET) of nameRelativeToCRLIssuer, or null.</summary>
    public ReadOnlyMemory<byte>? NameRelativeToCrlIssuer { get; }

    /// <summary>onlyContainsUserCerts.</summary>
    public bool OnlyContainsUserCerts { get; }

    /// <summary>onlyContainsCACerts.</summary>
    public bool OnlyContainsCACerts { get; }

    /// <summary>onlySomeReasons, or null (all reasons).</summary>
    public RevocationReasons? OnlySomeReasons { get; }

    /// <summary>indirectCRL.</summary>
    public bool IndirectCrl { get; }

    /// <summary>onlyContainsAttributeCerts.</summary>
    public bool OnlyContainsAttributeCerts { get; }

    internal static IssuingDistributionPoint Decode(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        IReadOnlyList<GeneralName> fullName = [];
        ReadOnlyMemory<byte>? relative = null;
        var flags = new bool[6];
        RevocationReasons? reasons = null;
        if (reader.HasData && reader.PeekTag() == new Asn1Tag(TagClass.ContextSpecific, 0, true))
        {
            (fullName, relative) = ExtensionDecoding.DistributionPointName(reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)));
        }

        for (var i = 1; i <= 5 && reader.HasData; i++)
        {
            var tag = new Asn1Tag(TagClass.ContextSpecific, i);
            if (reader.PeekTag() != tag)
            {
                continue;
            }

            if (i == 3)
            {
                reasons = (RevocationReasons)ExtensionDecoding.Bits(reader.ReadEncodedValue(), tag);
            }
            else
            {
                flags[i] = reader.ReadBoolean(tag);
            }
        }

        return new IssuingDistributionPoint(fullName, relative, flags[1], flags[2], reasons, flags[4], flags[5]);
    }
}
