using System.Runtime.CompilerServices;

namespace IoTCerts.Core;

/// <summary>A defect of a certificate found while reading it: it makes any path through the certificate invalid.</summary>
internal readonly record struct CertificateDefect(ChainStatus Status, string Message);

/// <summary>
/// What the validator needs from one parsed <see cref="Certificate"/> (the managed model), gathered once and kept
/// while the certificate lives: content hashes for the caches, the key and signature facts for R-15, and the
/// extensions in the shape the RFC 5280 rules use. Gathering never throws; problems become <see cref="Defects"/>.
/// </summary>
/// <remarks>
/// An end entity's facts are read on every warm validation, so reading them builds no name, key or algorithm object
/// and no text (raw views and shared strings only); hashes and the issuer-rule cache are made when first needed,
/// which for an end entity is never on a valid path.
/// </remarks>
internal sealed class CertificateFacts
{
    private const int IssuerRuleSlots = 6;

    private RuleViolation[]?[]? _issuerRules;
    private string? _subjectText;
    private PolicyFacts? _policy;
    private byte[]? _canonicalSubject;
    private byte[]? _canonicalIssuer;
    private int _selfIssued; // 0 unknown, 1 yes, 2 no
    // Boxed so that a lazily computed value is published by one reference write (facts of issuers are shared
    // between threads; a Nullable<struct> of 32+ bytes could be read torn on weakly ordered CPUs).
    private StrongBox<Sha256Key>? _contentKey;
    private StrongBox<Sha256Key>? _spkiHash;

    private CertificateFacts(Certificate certificate)
    {
        Certificate = certificate;
        SignatureAlgorithm = SignatureAlgorithmFacts.From(certificate);
        PublicKey = PublicKeyFacts.From(certificate.PublicKeyRaw.Span);
        List<CertificateDefect>? defects = null;
        Extensions = ExtensionSummary.Read(certificate, ref defects);
        if (!certificate.SignatureAlgorithmsMatch)
        {
            (defects ??= []).Add(new CertificateDefect(ChainStatus.Malformed, "the signature algorithm inside the certificate differs from the one outside it (RFC 5280 §4.1.1.2)"));
        }

        if (certificate.IssuerIsEmpty)
        {
            (defects ??= []).Add(new CertificateDefect(ChainStatus.Malformed, "the issuer name is empty; RFC 5280 §4.1.2.4 requires a non-empty issuer"));
        }

        if (certificate.Version != 3)
        {
            (defects ??= []).Add(new CertificateDefect(ChainStatus.Malformed, $"the certificate is X.509 v{certificate.Version}; only v3 certificates (with extensions) are accepted"));
        }

        Defects = defects;
    }

    public Certificate Certificate { get; }

    /// <summary>SHA-256 of the whole DER: the identity used by every cache (a forged certificate with the same names differs here).</summary>
    public Sha256Key ContentKey => (_contentKey ??= new(Sha256Key.Of(Certificate.RawData.Span))).Value;

    /// <summary>SHA-256 of the SubjectPublicKeyInfo: the identity of the key in the key and edge caches (issuers only).</summary>
    public Sha256Key SpkiHash => (_spkiHash ??= new(Sha256Key.Of(SubjectPublicKeyInfo.Span))).Value;

    public ReadOnlyMemory<byte> Tbs => Certificate.TbsCertificate;

    public ReadOnlyMemory<byte> SignatureValue => Certificate.Signature;

    public SignatureAlgorithmFacts SignatureAlgorithm { get; }

    public ReadOnlyMemory<byte> Serial => Certificate.SerialNumber;

    public ReadOnlyMemory<byte> Issuer => Certificate.IssuerRaw;

    public ReadOnlyMemory<byte> Subject => Certificate.SubjectRaw;

    public DateTimeOffset NotBefore => Certificate.NotBefore;

    public DateTimeOffset NotAfter => Certificate.NotAfter;

    /// <summary>The complete SubjectPublicKeyInfo encoding.</summary>
    public ReadOnlyMemory<byte> SubjectPublicKeyInfo => Certificate.PublicKeyRaw;

    public PublicKeyFacts PublicKey { get; }

    /// <summary>Problems found while reading, or null when there are none.</summary>
    public List<CertificateDefect>? Defects { get; }

    public ExtensionSummary Extensions { get; }

    /// <summary>The subject in the §7.1 canonical form (<see cref="NameComparison"/>): the key of candidate-issuer lookups.</summary>
    public ReadOnlyMemory<byte> CanonicalSubject => _canonicalSubject ??= NameComparison.Canonical(Subject.Span);

    /// <summary>The issuer in the §7.1 canonical form.</summary>
    public ReadOnlyMemory<byte> CanonicalIssuer => _canonicalIssuer ??= Certificate.IsSelfIssued ? (_canonicalSubject ??= NameComparison.Canonical(Subject.Span)) : NameComparison.Canonical(Issuer.Span);

    /// <summary>
    /// Adopts <paramref name="issuer"/>'s cached canonical subject as this certificate's canonical issuer when the two
    /// names are the same bytes (the usual case): a warm validation then builds no canonical form for its end entity.
    /// </summary>
    public void BorrowCanonicalIssuer(CertificateFacts issuer)
    {
        if (_canonicalIssuer is null && issuer._canonicalSubject is { } canonical && Issuer.Span.SequenceEqual(issuer.Subject.Span))
        {
            _canonicalIssuer = canonical;
        }
    }

    /// <summary>True when issuer and subject are the same name under RFC 5280 §7.1 (§6.1: self-issued).</summary>
    public bool IsSelfIssued
    {
        get
        {
            if (_selfIssued == 0)
            {
                _selfIssued = Certificate.IsSelfIssued || CanonicalIssuer.Span.SequenceEqual(CanonicalSubject.Span) ? 1 : 2;
            }

            return _selfIssued == 1;
        }
    }

    public bool IsCa => Extensions.BasicConstraints is { IsCa: true };

    /// <summary>The policy extensions (RFC 5280 §6.1 policy processing), decoded on first use; <see cref="PolicyFacts.None"/> without any.</summary>
    public PolicyFacts Policy => _policy ??= Extensions.HasPolicyExtensions ? PolicyFacts.Read(Certificate) : PolicyFacts.None;

    public string SubjectText => _subjectText ??= Readable(Certificate.Subject);

    public string IssuerText => Readable(Certificate.Issuer);

    public static CertificateFacts Read(Certificate certificate) => new(certificate);

    /// <summary>
    /// True when both are the same CA for loop prevention (Go's crypto/x509: same subject and same key), compared
    /// on the bytes so that an end entity on the path is never hashed for it.
    /// </summary>
    public bool IsSameSubjectAndKey(CertificateFacts other) =>
        ReferenceEquals(this, other)
        || (SubjectPublicKeyInfo.Span.SequenceEqual(other.SubjectPublicKeyInfo.Span)
            && (Subject.Span.SequenceEqual(other.Subject.Span) || CanonicalSubject.Span.SequenceEqual(other.CanonicalSubject.Span)));

    /// <summary>The cached time-independent rule results for this certificate as an issuer (facts live per validator, so the policy is fixed).</summary>
    public RuleViolation[]? GetIssuerRules(ChainRole role, CertificatePurpose purpose) =>
        Volatile.Read(ref _issuerRules) is { } slots ? Volatile.Read(ref slots[Slot(role, purpose)]) : null;

    public RuleViolation[] SetIssuerRules(ChainRole role, CertificatePurpose purpose, RuleViolation[] rules)
    {
        var slots = Volatile.Read(ref _issuerRules)
            ?? Interlocked.CompareExchange(ref _issuerRules, new RuleViolation[]?[IssuerRuleSlots], null)
            ?? _issuerRules!;
        return Interlocked.CompareExchange(ref slots[Slot(role, purpose)], rules, null) ?? rules;
    }

    private static int Slot(ChainRole role, CertificatePurpose purpose) => ((role == ChainRole.TrustAnchor ? 1 : 0) * 3) + (int)purpose;

    private static string Readable(DistinguishedName name) => name.IsEmpty ? "(empty name)" : name.Rfc4514Name;
}
