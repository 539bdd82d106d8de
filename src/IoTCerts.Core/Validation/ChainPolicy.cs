namespace IoTCerts.Core;

/// <summary>What the end-entity certificate will be used for (extendedKeyUsage, RFC 5280 §4.2.1.12).</summary>
public enum CertificatePurpose
{
    /// <summary>No particular purpose: extendedKeyUsage is not checked.</summary>
    Any,

    /// <summary>A TLS server (id-kp-serverAuth), for example the platform's MQTT broker.</summary>
    ServerAuth,

    /// <summary>A TLS client (id-kp-clientAuth), for example a device.</summary>
    ClientAuth,
}

/// <summary>How revocation results other than good and revoked are treated (R-13: the policy decides).</summary>
public enum RevocationFailureMode
{
    /// <summary>An unknown status or unreachable revocation data makes the chain invalid.</summary>
    HardFail,

    /// <summary>An unknown status or unreachable revocation data is accepted; only a revoked certificate fails.</summary>
    SoftFail,
}

/// <summary>Which keys and signature algorithms are acceptable .</summary>
public sealed class AlgorithmPolicy
{
    /// <summary>RSA ≥ 2048 bits, EC P-256/P-384/P-521, SHA-256 or stronger; RSA PKCS#1 v1.5, RSA-PSS and ECDSA.</summary>
    public static AlgorithmPolicy Default { get; } = new();

    /// <summary>The smallest accepted RSA modulus in bits. Default 2048.</summary>
    public int MinimumRsaKeySize { get; init => field = value >= 512 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RSA keys below 512 bits cannot be accepted"); } = 2048;

    /// <summary>Whether EC keys on P-521 are accepted in addition to P-256 and P-384. Default true.</summary>
    public bool AllowP521 { get; init; } = true;

    /// <summary>Whether Ed25519 keys (RFC 8410) are accepted. Default true; their signatures verify once a verifier is registered (IoTCerts.BouncyCastle).</summary>
    public bool AllowEd25519 { get; init; } = true;

    /// <summary>Whether Ed448 keys (RFC 8410) are accepted. Default true; their signatures verify once a verifier is registered (IoTCerts.BouncyCastle).</summary>
    public bool AllowEd448 { get; init; } = true;

    /// <summary>The weakest accepted signature hash. Default <see cref="SignatureHashStrength.Sha256"/>; <see cref="SignatureHashStrength.Sha1"/> admits legacy SHA-1 signatures.</summary>
    public SignatureHashStrength MinimumSignatureHash { get; init; } = SignatureHashStrength.Sha256;
}

/// <summary>Signature hash strengths, weakest first.</summary>
public enum SignatureHashStrength
{
    /// <summary>SHA-1 (broken for collision resistance; legacy only).</summary>
    Sha1 = 1,

    /// <summary>SHA-256.</summary>
    Sha256,

    /// <summary>SHA-384.</summary>
    Sha384,

    /// <summary>SHA-512.</summary>
    Sha512,
}

/// <summary>
/// Which profile of certificate rules a chain must follow. RFC 5280 and the CA/Browser Forum Baseline Requirements
/// (the Web PKI) disagree on a few points, so one validator cannot satisfy both: the ecosystem decides.
/// </summary>
public enum ChainRuleSet
{
    /// <summary>
    /// The RFC 5280 §6.1 path validation algorithm (the default): what the algorithm checks, and no more of the
    /// certificate profile of §4 than a relying party needs. A CA certificate may be validated as the end entity, an
    /// end entity without extendedKeyUsage or with anyExtendedKeyUsage serves any purpose, and the criticality and
    /// presence rules that §4 puts on conforming CAs (basicConstraints, nameConstraints, policyConstraints and
    /// inhibitAnyPolicy critical; authority and subject key identifiers present) are not required: the extensions are
    /// processed the same whether critical or not. <see cref="Strict"/> adds those rules.
    /// </summary>
    Rfc5280,

    /// <summary>
    /// RFC 5280 plus the CA/Browser Forum Baseline Requirements for TLS server certificates (BR 7.1.2), as
    /// rustls-webpki applies them:
    /// <list type="bullet">
    /// <item>the end entity must not be a CA: basicConstraints cA must be false (BR 7.1.2.7.8) and keyUsage must not
    /// allow keyCertSign (BR 7.1.2.7.11); reported as <see cref="ChainStatus.CaCertificateAsEndEntity"/>. For IoT
    /// this matters: a device certificate that is itself a CA could mint other device identities;</item>
    /// <item>the end entity must carry a non-critical extendedKeyUsage (BR 7.1.2.7.6) without anyExtendedKeyUsage
    /// (BR 7.1.2.7.10), and it must name the asked purpose explicitly (anyExtendedKeyUsage does not stand in for it);</item>
    /// <item>a self-signed trust anchor (a root CA) must not carry extendedKeyUsage (BR 7.1.2.1.2);</item>
    /// <item>nameConstraints may be non-critical, the BR's explicit exception to RFC 5280 (BR 7.1.2.10.8);</item>
    /// <item>otherwise the CA-profile rules of <see cref="Strict"/> apply (the BR profile requires them too).</item>
    /// </list>
    /// </summary>
    WebPki,

    /// <summary>
    /// <see cref="Rfc5280"/> plus the rules RFC 5280 §4 puts on conforming CAs, checked on every certificate of the
    /// chain (a pedantic profile, as x509-limbo's pedantic-rfc5280 cases expect): basicConstraints critical in a CA
    /// certificate (§4.2.1.9); nameConstraints critical (§4.2.1.10); policyConstraints critical and not empty
    /// (§4.2.1.11); inhibitAnyPolicy critical (§4.2.1.14); authorityKeyIdentifier with a keyIdentifier in every
    /// certificate that is not self-signed, without authorityCertIssuer/serial (§4.2.1.1); subjectKeyIdentifier in
    /// every CA certificate (§4.2.1.2).
    /// </summary>
    Strict,
}

/// <summary>
/// The rules a <see cref="ChainValidator"/> applies to every chain: the rule set, maximum depth, algorithms, budget
/// and the treatment of revocation results. Immutable; purpose, time and peer name are given per validation.
/// </summary>
public sealed class ChainPolicy
{
    /// <summary>The defaults: <see cref="ChainRuleSet.Rfc5280"/>, at most 8 intermediate CAs, <see cref="AlgorithmPolicy.Default"/>, <see cref="ValidationBudget.Default"/>, hard-fail revocation.</summary>
    public static ChainPolicy Default { get; } = new();

    /// <summary>
    /// The defaults with <see cref="ChainRuleSet.WebPki"/>: the CA/Browser Forum rules for TLS server certificates on top of
    /// RFC 5280 (for example the platform's MQTT broker or an HTTPS endpoint a device connects to).
    /// </summary>
    public static ChainPolicy WebPki { get; } = new() { Rules = ChainRuleSet.WebPki };

    /// <summary>
    /// The defaults with <see cref="ChainRuleSet.Strict"/>: RFC 5280 §6.1 plus the §4 rules for conforming CAs.
    /// </summary>
    public static ChainPolicy Strict { get; } = new() { Rules = ChainRuleSet.Strict };

    /// <summary>Which profile of certificate rules applies. Default <see cref="ChainRuleSet.Rfc5280"/>.</summary>
    public ChainRuleSet Rules
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "unknown rule set");
    }

    /// <summary>
    /// The most intermediate CA certificates allowed between the end entity and the trust anchor; self-issued
    /// intermediates (key rollover) are not counted (RFC 5280 §6.1.4). Default 8.
    /// </summary>
    public int MaxDepth { get; init => field = value is >= 0 and <= 64 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the maximum depth must be between 0 and 64"); } = 8;

    /// <summary>Accepted keys and signature algorithms.</summary>
    public AlgorithmPolicy Algorithms { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = AlgorithmPolicy.Default;

    /// <summary>Work limits of one validation.</summary>
    public ValidationBudget Budget { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = ValidationBudget.Default;

    /// <summary>How unknown or unreachable revocation status is treated when a revocation checker is configured.</summary>
    public RevocationFailureMode RevocationFailureMode { get; init; } = RevocationFailureMode.HardFail;
}
