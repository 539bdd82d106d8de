using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core;

/// <summary>
/// An immutable, managed X.509 certificate (RFC 5280) parsed from DER with System.Formats.Asn1.
/// <para>
/// Parsing validates the whole structure, including the values of every known extension, but does not copy
/// the input: every <see cref="ReadOnlyMemory{T}"/> property is a view over the caller's buffer, which must
/// therefore not be changed afterwards. Strings and typed extension objects are created on first access
/// and cached (thread-safe). Validity rules (dates, serial sign, version/extension consistency, signature
/// algorithm agreement) are for the chain validator: a structurally sound certificate parses.
/// </para>
/// <para>
/// Refused with <see cref="MaterialErrorCode.Malformed"/>: encodings that are not DER (indefinite or non-minimal
/// lengths, non-minimal INTEGERs, BOOLEAN TRUE other than 0xFF, wrong tags), trailing data inside or after the
/// certificate, a version other than v1-v3, a serial longer than 20 octets (RFC 5280 4.1.2.2), an extension OID that
/// appears twice (RFC 5280 4.2), and a malformed value of a known extension (basicConstraints, keyUsage,
/// extendedKeyUsage, subject/authority key identifiers, subject/issuer alternative names, CRL distribution points,
/// freshest CRL, authority/subject information access, name constraints, certificate policies), including IP
/// addresses of the wrong size and non-ASCII IA5 names. Refused with <see cref="MaterialErrorCode.Truncated"/>: input
/// shorter than its outer length announces. Refused with <see cref="MaterialErrorCode.InputTooLarge"/> or
/// <see cref="MaterialErrorCode.TooManyObjects"/>: input beyond a <see cref="ParseLimits"/> bound.
/// Accepted and exposed for the validator: zero or negative serials (<see cref="HasNonPositiveSerial"/>),
/// differing inner and outer signature algorithms (<see cref="SignatureAlgorithmsMatch"/>), extensions in v1/v2
/// certificates, unknown (even critical) extensions, explicitly encoded DEFAULT values (critical FALSE, version v1)
/// that OpenSSL also accepts, and RSA key bits that do not decode (<see cref="SubjectPublicKeyInfo.KeySize"/> 0).
/// </para>
/// </summary>
public sealed partial class Certificate
{
    // Decoded objects are built on first access; their cache fields live in one object allocated then, so a
    // certificate that only passes through the validator's warm path carries no empty cache slots.
    private DecodedParts? _decoded;

    /// <summary>The complete DER encoding; a view over the buffer given to <see cref="Parse(ReadOnlyMemory{byte})"/>.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The DER of the TBSCertificate (the signed part).</summary>
    public ReadOnlyMemory<byte> TbsCertificate => RawData[_tbs];

    /// <summary>The certificate version: 1, 2 or 3.</summary>
    public int Version { get; }

    /// <summary>The serial number as encoded: big-endian two's-complement INTEGER bytes.</summary>
    public ReadOnlyMemory<byte> SerialNumber => RawData[_serial];

    /// <summary>The serial number as upper-case hex of the encoded bytes (like <see cref="X509Certificate2.SerialNumber"/>).</summary>
    public string SerialNumberHex => Decoded.SerialNumberHex ??= Convert.ToHexString(SerialNumber.Span);

    /// <summary>True when the serial is zero or negative, which RFC 5280 4.1.2.2 forbids (the validator reports it).</summary>
    public bool HasNonPositiveSerial { get; }

    /// <summary>The outer signatureAlgorithm (RFC 5280 4.1.1.2).</summary>
    public SignatureAlgorithm SignatureAlgorithm => _decoded?.SignatureAlgorithm ?? Publish(ref Decoded.SignatureAlgorithm, SignatureAlgorithm.Create(SignatureAlgorithmRaw));

    /// <summary>The signature field inside the TBSCertificate (RFC 5280 4.1.2.3).</summary>
    public SignatureAlgorithm TbsSignatureAlgorithm => _decoded?.TbsSignatureAlgorithm ?? Publish(ref Decoded.TbsSignatureAlgorithm, SignatureAlgorithm.Create(RawData[_tbsSignatureAlgorithm]));

    /// <summary>True when the outer and inner signature algorithm identifiers are byte-identical, as RFC 5280 4.1.1.2 requires.</summary>
    public bool SignatureAlgorithmsMatch => SignatureAlgorithmRaw.Span.SequenceEqual(RawData[_tbsSignatureAlgorithm].Span);

    /// <summary>The issuer name.</summary>
    public DistinguishedName Issuer => _decoded?.Issuer ?? Publish(ref Decoded.Issuer, new DistinguishedName(IssuerRaw));

    /// <summary>The subject name.</summary>
    public DistinguishedName Subject => _decoded?.Subject ?? Publish(ref Decoded.Subject, new DistinguishedName(SubjectRaw));

    /// <summary>notBefore (UTCTime years 50-99 are 19xx, RFC 5280 4.1.2.5).</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>notAfter (UTCTime years 00-49 are 20xx, RFC 5280 4.1.2.5).</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>The subject public key.</summary>
    public SubjectPublicKeyInfo PublicKey => _decoded?.PublicKey ?? Publish(ref Decoded.PublicKey, SubjectPublicKeyInfo.Create(PublicKeyRaw));

    /// <summary>issuerUniqueID bits, or null when absent.</summary>
    public ReadOnlyMemory<byte>? IssuerUniqueId => _issuerUniqueId is { } range ? RawData[range] : (ReadOnlyMemory<byte>?)null;

    /// <summary>subjectUniqueID bits, or null when absent.</summary>
    public ReadOnlyMemory<byte>? SubjectUniqueId => _subjectUniqueId is { } range ? RawData[range] : (ReadOnlyMemory<byte>?)null;

    /// <summary>The signature BIT STRING contents (for ECDSA the DER Ecdsa-Sig-Value).</summary>
    public ReadOnlyMemory<byte> Signature => RawData[_signature];

    /// <summary>The SHA-256 of <see cref="RawData"/> as upper-case hex.</summary>
    public string Sha256Thumbprint => Decoded.Thumbprint ??= Convert.ToHexString(SHA256.HashData(RawData.Span));

    /// <summary>True when issuer and subject are byte-identical (RFC 5280 6.1: self-issued).</summary>
    public bool IsSelfIssued => IssuerRaw.Span.SequenceEqual(SubjectRaw.Span);

    /// <summary>Every extension in encoding order (empty for v1/v2 certificates).</summary>
    public IReadOnlyList<CertificateExtension> Extensions => _extensions.All;

    /// <summary>basicConstraints, or null when the extension is absent.</summary>
    public BasicConstraints? BasicConstraints => _facts.BasicConstraints;

    /// <summary>keyUsage bits, or null when the extension is absent.</summary>
    public KeyUsage? KeyUsage => _facts.KeyUsage;

    /// <summary>subjectKeyIdentifier, or null when absent.</summary>
    public ReadOnlyMemory<byte>? SubjectKeyIdentifier => _facts.HasSubjectKeyIdentifier ? RawData[_facts.SubjectKeyIdentifier] : (ReadOnlyMemory<byte>?)null;

    /// <summary>extendedKeyUsage purpose OIDs (see <see cref="ExtendedKeyUsageOids"/>), or null when absent.</summary>
    public IReadOnlyList<string>? ExtendedKeyUsages =>
        _decoded?.ExtendedKeyUsages ?? (_extensions.Find(WellKnownOids.ExtendedKeyUsage) is { } v ? Publish(ref Decoded.ExtendedKeyUsages, ExtensionDecoding.ExtendedKeyUsages(v)) : null);

    /// <summary>authorityKeyIdentifier, or null when absent.</summary>
    public AuthorityKeyIdentifier? AuthorityKeyIdentifier =>
        _decoded?.AuthorityKeyIdentifier ?? (_extensions.Find(WellKnownOids.AuthorityKeyIdentifier) is { } v ? Publish(ref Decoded.AuthorityKeyIdentifier, ExtensionDecoding.AuthorityKeyIdentifier(v)) : null);

    /// <summary>subjectAltName names, or null when absent.</summary>
    public IReadOnlyList<GeneralName>? SubjectAlternativeNames =>
        _decoded?.SubjectAlternativeNames ?? (_extensions.Find(WellKnownOids.SubjectAltName) is { } v ? Publish(ref Decoded.SubjectAlternativeNames, ExtensionDecoding.GeneralNames(v)) : null);

    /// <summary>issuerAltName names, or null when absent.</summary>
    public IReadOnlyList<GeneralName>? IssuerAlternativeNames =>
        _decoded?.IssuerAlternativeNames ?? (_extensions.Find(WellKnownOids.IssuerAltName) is { } v ? Publish(ref Decoded.IssuerAlternativeNames, ExtensionDecoding.GeneralNames(v)) : null);

    /// <summary>cRLDistributionPoints, or null when absent.</summary>
    public IReadOnlyList<DistributionPoint>? CrlDistributionPoints =>
        _decoded?.CrlDistributionPoints ?? (_extensions.Find(WellKnownOids.CrlDistributionPoints) is { } v ? Publish(ref Decoded.CrlDistributionPoints, ExtensionDecoding.DistributionPoints(v)) : null);

    /// <summary>authorityInfoAccess descriptions, or null when absent.</summary>
    public IReadOnlyList<AccessDescription>? AuthorityInformationAccess =>
        _decoded?.AuthorityInformationAccess ?? (_extensions.Find(WellKnownOids.AuthorityInfoAccess) is { } v ? Publish(ref Decoded.AuthorityInformationAccess, ExtensionDecoding.AccessDescriptions(v)) : null);

    /// <summary>nameConstraints, or null when absent.</summary>
    public NameConstraints? NameConstraints =>
        _decoded?.NameConstraints ?? (_extensions.Find(WellKnownOids.NameConstraints) is { } v ? Publish(ref Decoded.NameConstraints, ExtensionDecoding.NameConstraints(v)) : null);

    /// <summary>certificatePolicies, or null when absent.</summary>
    public IReadOnlyList<CertificatePolicy>? CertificatePolicies =>
        _decoded?.CertificatePolicies ?? (_extensions.Find(WellKnownOids.CertificatePolicies) is { } v ? Publish(ref Decoded.CertificatePolicies, ExtensionDecoding.CertificatePolicies(v)) : null);

    /// <summary>The URIs of every CRL distribution point's full name (plain http in IoT deployments, R-13).</summary>
    public IEnumerable<string> CrlDistributionPointUris => CrlDistributionPoints?.SelectMany(p => p.Uris) ?? [];

    /// <summary>The OCSP responder URIs from authorityInfoAccess.</summary>
    public IEnumerable<string> OcspUris => AccessUris(AccessMethodOids.Ocsp);

    /// <summary>The caIssuers URIs from authorityInfoAccess.</summary>
    public IEnumerable<string> CaIssuersUris => AccessUris(AccessMethodOids.CaIssuers);

    /// <summary>The extension with <paramref name="oid"/>, or null.</summary>
    public CertificateExtension? GetExtension(string oid) => _extensions.Get(oid);

    /// <summary>True when <see cref="Signature"/> is a valid signature of <see cref="TbsCertificate"/> under
    /// <paramref name="issuerKey"/> with <see cref="SignatureAlgorithm"/>. False for unsupported algorithms.</summary>
    public bool IsSignatureValid(SubjectPublicKeyInfo issuerKey) =>
        SignatureVerification.Verify(SignatureAlgorithm, TbsCertificate.Span, Signature.Span, issuerKey);

    /// <summary>Creates an <see cref="X509Certificate2"/> from <see cref="RawData"/> (a copy).</summary>
    /// <exception cref="MaterialException">The platform refuses the certificate.</exception>
    public X509Certificate2 ToX509Certificate2()
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(RawData.Span);
        }
        catch (CryptographicException ex)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, "the platform (X509Certificate2) refuses this certificate", ex);
        }
    }

    /// <summary>Parses the DER of <paramref name="certificate"/> (copied, so the result does not depend on it).</summary>
    /// <exception cref="MaterialException">Our parser refuses the certificate.</exception>
    public static Certificate FromX509Certificate2(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Parse(certificate.RawData);
    }

    /// <summary>Parses a DER-encoded certificate with <see cref="ParseLimits.Default"/>.</summary>
    /// <exception cref="MaterialException">The bytes are not a valid certificate.</exception>
    public static Certificate Parse(ReadOnlyMemory<byte> der) => Parse(der, ParseLimits.Default);

    /// <summary>Parses a DER-encoded certificate without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, [NotNullWhen(true)] out Certificate? certificate, [NotNullWhen(false)] out MaterialException? error) =>
        TryParse(der, ParseLimits.Default, out certificate, out error);

    /// <summary>Parses a DER-encoded certificate with the given limits without throwing.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> der, ParseLimits limits, [NotNullWhen(true)] out Certificate? certificate, [NotNullWhen(false)] out MaterialException? error)
    {
        ArgumentNullException.ThrowIfNull(limits);

        // Garbage and truncations are refused here without throwing (a hostile flood pays no exception per input).
        if (DerEnvelope.SignedSkeletonError(der.Span, limits.MaxEncodedSize, "certificate") is { } early)
        {
            certificate = null;
            error = early;
            return false;
        }

        try
        {
            certificate = Parse(der, limits);
            error = null;
            return true;
        }
        catch (MaterialException ex)
        {
            certificate = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Returns the subject as an RFC 4514 string.</summary>
    public override string ToString() => Subject.Rfc4514Name;

    private IEnumerable<string> AccessUris(string method) =>
        AuthorityInformationAccess?.Where(a => a.AccessMethod == method && a.AccessLocation.Kind == GeneralNameKind.Uri).Select(a => a.AccessLocation.Value!) ?? [];

    private DecodedParts Decoded => _decoded ?? Publish(ref _decoded, new DecodedParts());

    private static T Publish<T>(ref T? field, T value)
        where T : class => Interlocked.CompareExchange(ref field, value, null) ?? value;

    // Fields, not properties: each is published by reference with Interlocked.CompareExchange.
    private sealed class DecodedParts
    {
        public DistinguishedName? Issuer;
        public DistinguishedName? Subject;
        public SignatureAlgorithm? SignatureAlgorithm;
        public SignatureAlgorithm? TbsSignatureAlgorithm;
        public SubjectPublicKeyInfo? PublicKey;
        public string? SerialNumberHex;
        public string? Thumbprint;
        public IReadOnlyList<string>? ExtendedKeyUsages;
        public AuthorityKeyIdentifier? AuthorityKeyIdentifier;
        public IReadOnlyList<GeneralName>? SubjectAlternativeNames;
        public IReadOnlyList<GeneralName>? IssuerAlternativeNames;
        public IReadOnlyList<DistributionPoint>? CrlDistributionPoints;
        public IReadOnlyList<AccessDescription>? AuthorityInformationAccess;
        public NameConstraints? NameConstraints;
        public IReadOnlyList<CertificatePolicy>? CertificatePolicies;
    }
}
