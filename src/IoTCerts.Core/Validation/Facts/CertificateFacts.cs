using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>A defect found while reading a certificate: it makes any path through the certificate invalid.</summary>
internal readonly record struct CertificateDefect(ChainStatus Status, string Message);

/// <summary>
/// What the validator needs from one certificate, read once from its DER (RFC 5280 §4.1) and kept for the
/// lifetime of the validator's caches. Reading never throws: a structural problem becomes a <see cref="CertificateDefect"/>.
/// </summary>
internal sealed partial class CertificateFacts
{
    private CertificateFacts(Certificate certificate, ReadOnlyMemory<byte> der)
    {
        Certificate = certificate;
        Der = der;
        ContentKey = Sha256Key.Of(der.Span);
    }

    public Certificate Certificate { get; }

    public ReadOnlyMemory<byte> Der { get; }

    /// <summary>SHA-256 of the whole DER: the identity used by every cache (a forged certificate with the same names differs here).</summary>
    public Sha256Key ContentKey { get; }

    /// <summary>SHA-256 of the SubjectPublicKeyInfo: the identity of the key in the key and edge caches.</summary>
    public Sha256Key SpkiHash { get; private set; }

    public ReadOnlyMemory<byte> Tbs { get; private set; }

    public ReadOnlyMemory<byte> SignatureValue { get; private set; }

    public SignatureAlgorithmFacts SignatureAlgorithm { get; private set; }

    public int Version { get; private set; }

    public ReadOnlyMemory<byte> Serial { get; private set; }

    public ReadOnlyMemory<byte> Issuer { get; private set; }

    public ReadOnlyMemory<byte> Subject { get; private set; }

    public DateTimeOffset NotBefore { get; private set; }

    public DateTimeOffset NotAfter { get; private set; }

    /// <summary>The complete SubjectPublicKeyInfo encoding.</summary>
    public ReadOnlyMemory<byte> SubjectPublicKeyInfo { get; private set; }

    public PublicKeyFacts PublicKey { get; private set; }

    /// <summary>SHA-256 over subject and SPKI: two certificates with equal values are the same CA for loop prevention (Go's crypto/x509).</summary>
    public (Sha256Key Subject, Sha256Key Key) SubjectAndKeyId { get; private set; }

    public List<CertificateDefect> Defects { get; } = [];

    public ExtensionFacts Extensions { get; private set; } = ExtensionFacts.Empty;

    /// <summary>True when issuer and subject are the same name (RFC 5280 §6.1: self-issued).</summary>
    public bool IsSelfIssued => Issuer.Span.SequenceEqual(Subject.Span);

    public bool IsCa => Extensions.BasicConstraints is { IsCa: true };

    private string? _subjectText;

    public string SubjectText => _subjectText ??= DistinguishedNameFacts.Format(Subject);

    public string IssuerText => DistinguishedNameFacts.Format(Issuer);

    public static CertificateFacts Read(Certificate certificate)
    {
        var der = certificate.RawData;
        var facts = new CertificateFacts(certificate, der);
        try
        {
            facts.ReadCertificate();
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException or CryptographicException or OverflowException or FormatException)
        {
            facts.Defects.Add(new CertificateDefect(ChainStatus.Malformed, "the certificate is not valid DER for an X.509 certificate: " + ex.Message));
        }

        return facts;
    }

    private void ReadCertificate()
    {
        // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
        var outer = new AsnReader(Der, AsnEncodingRules.DER);
        var cert = outer.ReadSequence();
        if (outer.HasData)
        {
            throw new AsnContentException("trailing data after the certificate");
        }

        Tbs = cert.ReadEncodedValue();
        var outerAlgorithm = cert.ReadEncodedValue();
        SignatureValue = cert.ReadBitString(out var unused);
        if (unused != 0)
        {
            throw new AsnContentException("signature BIT STRING has unused bits");
        }

        if (cert.HasData)
        {
            throw new AsnContentException("trailing data in the certificate");
        }

        SignatureAlgorithm = SignatureAlgorithmFacts.Read(outerAlgorithm);

        var tbs = new AsnReader(Tbs, AsnEncodingRules.DER).ReadSequence();
        Version = 1;
        var versionTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.PeekTag().HasSameClassAndValue(versionTag))
        {
            var explicitVersion = tbs.ReadSequence(versionTag);
            var v = explicitVersion.ReadInteger();
            if (explicitVersion.HasData || v < 0 || v > 2)
            {
                throw new AsnContentException("invalid version");
            }

            // DER: DEFAULT v1 must be omitted (§4.1 version DEFAULT v1).
            if (v == 0)
            {
                Defects.Add(new CertificateDefect(ChainStatus.Malformed, "the version field encodes the default v1 explicitly, which DER forbids"));
            }

            Version = (int)v + 1;
        }

        Serial = tbs.ReadIntegerBytes();
        var innerAlgorithm = tbs.ReadEncodedValue();
        if (!innerAlgorithm.Span.SequenceEqual(outerAlgorithm.Span))
        {
            // §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
            Defects.Add(new CertificateDefect(ChainStatus.Malformed, "the signature algorithm inside the certificate differs from the one outside it (RFC 5280 §4.1.1.2)"));
        }

        Issuer = tbs.ReadEncodedValue();
        DistinguishedNameFacts.Validate(Issuer);
        var validity = tbs.ReadSequence();
        NotBefore = ReadTime(validity);
        NotAfter = ReadTime(validity);
        if (validity.HasData)
        {
            throw new AsnContentException("validity has trailing data");
        }

        Subject = tbs.ReadEncodedValue();
        DistinguishedNameFacts.Validate(Subject);
        SubjectPublicKeyInfo = tbs.ReadEncodedValue();
        PublicKey = PublicKeyFacts.Read(SubjectPublicKeyInfo);

        SpkiHash = Sha256Key.Of(SubjectPublicKeyInfo.Span);
        SubjectAndKeyId = (Sha256Key.Of(Subject.Span), SpkiHash);

        // issuerUniqueID [1] and subjectUniqueID [2] (v2/v3 only) are skipped: nothing in path validation uses them.
        var issuerUid = new Asn1Tag(TagClass.ContextSpecific, 1);
        var subjectUid = new Asn1Tag(TagClass.ContextSpecific, 2);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(issuerUid))
        {
            tbs.ReadEncodedValue();
        }

        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(subjectUid))
        {
            tbs.ReadEncodedValue();
        }

        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            if (Version != 3)
            {
                throw new AsnContentException("extensions in a certificate that is not v3");
            }

            var wrapper = tbs.ReadSequence(extensionsTag);
            Extensions = ExtensionFacts.Read(wrapper.ReadSequence(), Defects);
            if (wrapper.HasData)
            {
                throw new AsnContentException("extensions wrapper has trailing data");
            }
        }

        if (tbs.HasData)
        {
            throw new AsnContentException("trailing data in tbsCertificate");
        }

        CheckBasicFields();
    }

    // RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (years 50-99 are 19xx) or GeneralizedTime YYYYMMDDHHMMSSZ, no fractions.
    private static DateTimeOffset ReadTime(AsnReader reader)
    {
        var tag = reader.PeekTag();
        var encoded = reader.ReadEncodedValue();
        var content = encoded.Span[2..];
        if (tag.HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            if (encoded.Length != 15 || content[12] != (byte)'Z')
            {
                throw new AsnContentException("UTCTime must be YYMMDDHHMMSSZ");
            }

            return new AsnReader(encoded, AsnEncodingRules.DER).ReadUtcTime(2049);
        }

        if (tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime))
        {
            if (encoded.Length != 17 || content[14] != (byte)'Z')
            {
                throw new AsnContentException("GeneralizedTime must be YYYYMMDDHHMMSSZ without fractional seconds (RFC 5280 §4.1.2.5.2)");
            }

            return new AsnReader(encoded, AsnEncodingRules.DER).ReadGeneralizedTime();
        }

        throw new AsnContentException("validity time is neither UTCTime nor GeneralizedTime");
    }

    // RFC 5280 §4.1.2.2 serial, §4.1.2.4 issuer, §4.1.2.6 subject.
    private void CheckBasicFields()
    {
        if (DistinguishedNameFacts.IsEmpty(Issuer))
        {
            Defects.Add(new CertificateDefect(ChainStatus.Malformed, "the issuer name is empty; RFC 5280 §4.1.2.4 requires a non-empty issuer"));
        }

        if (Version != 3)
        {
            Defects.Add(new CertificateDefect(ChainStatus.Malformed, $"the certificate is X.509 v{Version}; only v3 certificates (with extensions) are accepted"));
        }
    }
}
