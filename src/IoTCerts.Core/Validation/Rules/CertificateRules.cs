using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>Where a certificate sits in a candidate chain; the rules differ (RFC 5280 §6.1.3 vs §6.1.4).</summary>
internal enum ChainRole
{
    EndEntity,
    Intermediate,
    TrustAnchor,
}

/// <summary>A problem found with one certificate of a candidate chain (its index is known to the caller).</summary>
internal readonly record struct RuleViolation(ChainStatus Status, string Message);

/// <summary>
/// The per-certificate rules of RFC 5280 §6.1 and, each a small function citing its section.
/// Every function appends what it finds to <c>found</c>; none throws for an invalid certificate.
/// </summary>
internal static class CertificateRules
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    public const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    private static readonly RuleViolation[] None = [];
    internal static readonly byte[] ServerAuthOidContent = WellKnownOids.EncodeContent(ServerAuthOid);
    internal static readonly byte[] ClientAuthOidContent = WellKnownOids.EncodeContent(ClientAuthOid);
    internal static readonly byte[] AnyExtendedKeyUsageOidContent = WellKnownOids.EncodeContent(AnyExtendedKeyUsageOid);

    /// <summary>
    /// The rules for a CA certificate (intermediate or anchor): the time-independent part is computed once per
    /// certificate, role and purpose and kept with the certificate's facts (the warm path re-checks only validity).
    /// </summary>
    public static IReadOnlyList<RuleViolation> ForIssuer(CertificateFacts cert, ChainRole role, DateTimeOffset at, CertificatePurpose purpose, AlgorithmPolicy algorithms, ChainRuleSet rules)
    {
        // Cached per role and purpose only: facts live per validator, and so does the policy's rule set.
        var cached = cert.GetIssuerRules(role, purpose);
        if (cached is null)
        {
            var list = new List<RuleViolation>();
            ApplyTimeless(cert, role, purpose, algorithms, rules, list);
            cached = cert.SetIssuerRules(role, purpose, list.Count == 0 ? None : [.. list]);
        }

        if (at >= cert.NotBefore && at <= cert.NotAfter)
        {
            return cached;
        }

        var withTime = new List<RuleViolation>(cached);
        CheckValidityPeriod(cert, at, withTime);
        return withTime;
    }

    /// <summary>Runs every rule that depends only on the certificate, its role and the validation time.</summary>
    public static void Apply(CertificateFacts cert, ChainRole role, DateTimeOffset at, CertificatePurpose purpose, AlgorithmPolicy algorithms, ChainRuleSet rules, List<RuleViolation> found)
    {
        CheckValidityPeriod(cert, at, found);
        ApplyTimeless(cert, role, purpose, algorithms, rules, found);
    }

    private static void ApplyTimeless(CertificateFacts cert, ChainRole role, CertificatePurpose purpose, AlgorithmPolicy algorithms, ChainRuleSet rules, List<RuleViolation> found)
    {
        if (cert.Defects is { } defects)
        {
            foreach (var defect in defects)
            {
                found.Add(new RuleViolation(defect.Status, defect.Message));
            }
        }

        if (role != ChainRole.TrustAnchor)
        {
            CheckSerialNumber(cert, found);
        }

        CheckCriticalExtensions(cert, found);
        CheckPublicKey(cert, algorithms, found);
        if (role != ChainRole.TrustAnchor)
        {
            CheckSignatureAlgorithm(cert, algorithms, found);
        }

        // The §4 rules for conforming CAs belong to the Strict profile (and the Web PKI's BR profile), not to §6.1.
        var caProfile = rules != ChainRuleSet.Rfc5280;
        if (caProfile)
        {
            CheckKeyIdentifiers(cert, role, found);
            CheckPolicyExtensionCriticality(cert, found);
        }

        CheckSubjectAltNameCriticality(cert, found);
        if (role == ChainRole.EndEntity)
        {
            CheckEndEntityExtensions(cert, found);
            if (rules == ChainRuleSet.WebPki)
            {
                WebPkiRules.ApplyToEndEntity(cert, purpose, found);
            }
            else
            {
                CheckPurpose(cert, purpose, isCa: false, found);
            }
        }
        else
        {
            CheckCaBasicConstraints(cert, caProfile, found);
            CheckNameConstraintsCriticality(cert, rules, found);
            CheckCaKeyUsage(cert, found);
            CheckPurpose(cert, purpose, isCa: true, found);
            if (rules == ChainRuleSet.WebPki && role == ChainRole.TrustAnchor)
            {
                WebPkiRules.ApplyToTrustAnchor(cert, found);
            }
        }
    }

    // RFC 5280 §4.1.2.5 / §6.1.3 (a)(2): the validation time must lie within [notBefore, notAfter], inclusive.
    private static void CheckValidityPeriod(CertificateFacts cert, DateTimeOffset at, List<RuleViolation> found)
    {
        if (at < cert.NotBefore)
        {
            found.Add(new RuleViolation(ChainStatus.NotYetValid, $"certificate \"{cert.SubjectText}\" is not yet valid: it becomes valid on {cert.NotBefore:yyyy-MM-dd HH:mm:ss}Z"));
        }
        else if (at > cert.NotAfter)
        {
            found.Add(new RuleViolation(ChainStatus.Expired, $"certificate \"{cert.SubjectText}\" expired on {cert.NotAfter:yyyy-MM-dd HH:mm:ss}Z"));
        }
    }

    // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. Not applied to trust anchors: they are
    // configured, not presented, and long-lived roots with serial 0 exist.
    private static void CheckSerialNumber(CertificateFacts cert, List<RuleViolation> found)
    {
        var serial = cert.Serial.Span;
        if (serial.Length > 20)
        {
            found.Add(new RuleViolation(ChainStatus.Malformed, $"certificate \"{cert.SubjectText}\" has a serial number of {serial.Length} bytes; RFC 5280 §4.1.2.2 allows at most 20"));
        }
        else if ((serial[0] & 0x80) != 0)
        {
            found.Add(new RuleViolation(ChainStatus.Malformed, $"certificate \"{cert.SubjectText}\" has a negative serial number; RFC 5280 §4.1.2.2 requires a positive integer"));
        }
        else if (serial.Length == 1 && serial[0] == 0)
        {
            found.Add(new RuleViolation(ChainStatus.Malformed, $"certificate \"{cert.SubjectText}\" has serial number zero; RFC 5280 §4.1.2.2 requires a positive integer"));
        }
    }

    // RFC 5280 §4.2: a certificate with a critical extension the validator does not process MUST be rejected.
    private static void CheckCriticalExtensions(CertificateFacts cert, List<RuleViolation> found)
    {
        foreach (var oid in cert.Extensions.UnknownCritical ?? [])
        {
            found.Add(new RuleViolation(ChainStatus.HasNotSupportedCriticalExtension, $"certificate \"{cert.SubjectText}\" has a critical extension {oid} that is not supported"));
        }
    }

    // RSA ≥ the policy minimum (and a whole number of bytes), EC on P-256/P-384 (and P-521 when allowed).
    private static void CheckPublicKey(CertificateFacts cert, AlgorithmPolicy policy, List<RuleViolation> found)
    {
        var key = cert.PublicKey;
        switch (key.Algorithm)
        {
            case PublicKeyKind.Rsa when key.BoundsViolation is { } violation:
                found.Add(new RuleViolation(ChainStatus.KeyOutOfBounds, $"certificate \"{cert.SubjectText}\" has a key outside IoTCerts' bounds: {violation}"));
                break;
            case PublicKeyKind.Rsa when key.KeySizeBits < policy.MinimumRsaKeySize:
                found.Add(new RuleViolation(ChainStatus.WeakKey, $"certificate \"{cert.SubjectText}\" has a key too weak: RSA-{key.KeySizeBits} is below the minimum of {policy.MinimumRsaKeySize} bits"));
                break;
            case PublicKeyKind.Rsa when key.KeySizeBits % 8 != 0:
                found.Add(new RuleViolation(ChainStatus.WeakKey, $"certificate \"{cert.SubjectText}\" has an RSA key of {key.KeySizeBits} bits, not a whole number of bytes"));
                break;
            case PublicKeyKind.Rsa:
                break;
            case PublicKeyKind.EllipticCurve when key.ExplicitCurve:
                found.Add(new RuleViolation(ChainStatus.UnsupportedAlgorithm, $"certificate \"{cert.SubjectText}\" has an EC key with explicit curve parameters; only named curves are accepted (RFC 5480 §2.1.1)"));
                break;
            case PublicKeyKind.EllipticCurve when key.CurveOid is PublicKeyFacts.P256 or PublicKeyFacts.P384 || (key.CurveOid == PublicKeyFacts.P521 && policy.AllowP521):
                break;
            case PublicKeyKind.Ed25519 when policy.AllowEd25519:
            case PublicKeyKind.Ed448 when policy.AllowEd448:
                break;
            case PublicKeyKind.Ed25519 or PublicKeyKind.Ed448:
                found.Add(new RuleViolation(ChainStatus.UnsupportedAlgorithm, $"certificate \"{cert.SubjectText}\" has an {key.Describe()} key, which the algorithm policy does not allow"));
                break;
            case PublicKeyKind.EllipticCurve when key.KeySizeBits is > 0 and < 256:
                found.Add(new RuleViolation(ChainStatus.WeakKey, $"certificate \"{cert.SubjectText}\" has a key too weak: {key.Describe()} is not allowed (P-256, P-384 or P-521 required)"));
                break;
            default:
                found.Add(new RuleViolation(ChainStatus.UnsupportedAlgorithm, $"certificate \"{cert.SubjectText}\" has a {key.Describe()} key, which is not supported (RSA and EC P-256/P-384/P-521 are)"));
                break;
        }
    }

    // signatures with SHA-256 or stronger; SHA-1 only when the policy admits it; MD5 never.
    private static void CheckSignatureAlgorithm(CertificateFacts cert, AlgorithmPolicy policy, List<RuleViolation> found)
    {
        var algorithm = cert.SignatureAlgorithm;
        if (algorithm.Scheme == SignatureScheme.Unknown)
        {
            found.Add(new RuleViolation(ChainStatus.UnsupportedAlgorithm, $"certificate \"{cert.SubjectText}\" is signed with {algorithm.Describe()}, which is not supported"));
            return;
        }

        // EdDSA (RFC 8032) hashes inside the algorithm (SHA-512 / SHAKE256): no separate digest to weigh.
        if (algorithm.Scheme == SignatureScheme.External)
        {
            return;
        }

        var strength = HashStrength(algorithm.Hash);
        if (strength < policy.MinimumSignatureHash)
        {
            found.Add(new RuleViolation(ChainStatus.WeakSignatureAlgorithm, $"certificate \"{cert.SubjectText}\" is signed with {algorithm.Describe()}; the policy requires {Describe(policy.MinimumSignatureHash)} or stronger"));
        }
    }

    internal static SignatureHashStrength HashStrength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 ? SignatureHashStrength.Sha256
        : hash == HashAlgorithmName.SHA384 ? SignatureHashStrength.Sha384
        : hash == HashAlgorithmName.SHA512 ? SignatureHashStrength.Sha512
        : hash == HashAlgorithmName.SHA1 ? SignatureHashStrength.Sha1
        : 0;

    private static string Describe(SignatureHashStrength strength) => strength switch
    {
        SignatureHashStrength.Sha1 => "SHA-1",
        SignatureHashStrength.Sha256 => "SHA-256",
        SignatureHashStrength.Sha384 => "SHA-384",
        _ => "SHA-512",
    };

    // RFC 5280 §4.2.1.1: authorityKeyIdentifier with keyIdentifier in every certificate except a self-signed one;
    // CA/B Forum BR 7.1.2: no authorityCertIssuer/serial. §4.2.1.2: every CA certificate has a subjectKeyIdentifier,
    // and a self-signed certificate's AKI, when present, names its own SKI.
    private static void CheckKeyIdentifiers(CertificateFacts cert, ChainRole role, List<RuleViolation> found)
    {
        var ski = cert.Extensions.SubjectKeyId;
        var selfSigned = cert.IsSelfIssued; // self-issued; for a trust anchor that means self-signed
        if (cert.Extensions.AuthorityKeyId is not { } aki)
        {
            // A trust anchor is configured, not presented: a cross-signed root without AKI is still a usable anchor.
            if (!selfSigned && role != ChainRole.TrustAnchor)
            {
                found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has no authorityKeyIdentifier, which RFC 5280 §4.2.1.1 requires in every certificate that is not self-signed"));
            }
        }
        else
        {
            if (aki.KeyId is null)
            {
                found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has an authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)"));
            }

            if (aki.HasIssuerAndSerial)
            {
                found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has an authorityKeyIdentifier naming the issuer and serial number, which the CA/Browser Forum profile forbids"));
            }

            if (role == ChainRole.TrustAnchor && selfSigned && aki.KeyId is { } keyId && ski is { } own && !keyId.Span.SequenceEqual(own.Span))
            {
                found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"self-signed certificate \"{cert.SubjectText}\" has an authorityKeyIdentifier that differs from its own subjectKeyIdentifier"));
            }
        }

        if (role != ChainRole.EndEntity && ski is null)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"CA certificate \"{cert.SubjectText}\" has no subjectKeyIdentifier, which RFC 5280 §4.2.1.2 requires in CA certificates"));
        }
    }

    // RFC 5280 §4.2.1.6: with an empty subject the SAN MUST be critical; with a non-empty subject it SHOULD NOT be.
    private static void CheckSubjectAltNameCriticality(CertificateFacts cert, List<RuleViolation> found)
    {
        var emptySubject = cert.Certificate.SubjectIsEmpty;
        var hasSans = cert.Extensions.HasSubjectAltNames;
        if (emptySubject && (!hasSans || !cert.Extensions.SubjectAltNamesCritical))
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, "a certificate with an empty subject must carry a critical subjectAltName (RFC 5280 §4.2.1.6)"));
        }
        else if (!emptySubject && hasSans && cert.Extensions.SubjectAltNamesCritical)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" marks subjectAltName critical although its subject is not empty (RFC 5280 §4.2.1.6)"));
        }
    }

    // R-11, RFC 5280 §4.2.1.3/§4.2.1.9/§4.2.1.10 for the end entity: keyCertSign only with cA; cA only with keyCertSign;
    // nameConstraints only in CA certificates.
    private static void CheckEndEntityExtensions(CertificateFacts cert, List<RuleViolation> found)
    {
        var ext = cert.Extensions;
        var isCa = ext.BasicConstraints is { IsCa: true };
        if (ext.KeyUsage is { } ku)
        {
            if ((ku & KeyUsage.KeyCertSign) != 0 && !isCa)
            {
                found.Add(new RuleViolation(ChainStatus.InvalidBasicConstraints, $"certificate \"{cert.SubjectText}\" asserts keyCertSign without basicConstraints CA:TRUE (RFC 5280 §4.2.1.3)"));
            }
            else if (isCa && (ku & KeyUsage.KeyCertSign) == 0)
            {
                found.Add(new RuleViolation(ChainStatus.InvalidBasicConstraints, $"certificate \"{cert.SubjectText}\" is marked CA:TRUE but its keyUsage does not allow signing certificates: inconsistent CA extensions"));
            }
        }

        if (ext.HasNameConstraints && !isCa)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidNameConstraints, $"certificate \"{cert.SubjectText}\" is not a CA but carries nameConstraints (RFC 5280 §4.2.1.10)"));
        }
    }

    // R-11, RFC 5280 §6.1.4 (k) and §4.2.1.9: a certificate that signs another is a CA, marked critical.
    // The criticality is a rule for conforming CAs (§4.2.1.9 MUST), which the §6.1 algorithm does not check: it is
    // part of the Strict and Web PKI profiles.
    private static void CheckCaBasicConstraints(CertificateFacts cert, bool caProfile, List<RuleViolation> found)
    {
        if (cert.Extensions.BasicConstraints is not { } bc)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidBasicConstraints, $"certificate \"{cert.SubjectText}\" signs other certificates but is not a CA: it has no basicConstraints extension"));
        }
        else if (!bc.IsCa)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidBasicConstraints, $"certificate \"{cert.SubjectText}\" signs other certificates but is not a CA: basicConstraints says CA:FALSE"));
        }
        else if (caProfile && !bc.Critical)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidBasicConstraints, $"CA certificate \"{cert.SubjectText}\" has a non-critical basicConstraints extension; RFC 5280 §4.2.1.9 requires it critical"));
        }

        if (cert.Certificate.SubjectIsEmpty)
        {
            found.Add(new RuleViolation(ChainStatus.Malformed, "a CA certificate has an empty subject name (RFC 5280 §4.1.2.6)"));
        }
    }

    // RFC 5280 §4.2.1.10: conforming CAs MUST mark nameConstraints critical (Strict only). The CA/B Forum BR
    // 7.1.2.10.8 makes an explicit exception (MAY be non-critical for legacy clients), and the §6.1 algorithm processes
    // them either way, so the other rule sets accept either; the constraints are enforced all the same.
    private static void CheckNameConstraintsCriticality(CertificateFacts cert, ChainRuleSet rules, List<RuleViolation> found)
    {
        if (rules == ChainRuleSet.Strict && cert.Extensions.HasNameConstraints && !cert.Extensions.NameConstraintsCritical)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidNameConstraints, $"CA certificate \"{cert.SubjectText}\" has a non-critical nameConstraints extension; RFC 5280 §4.2.1.10 requires it critical"));
        }
    }

    // RFC 5280 §4.2.1.11 and §4.2.1.14: conforming CAs MUST mark policyConstraints and inhibitAnyPolicy critical, and
    // MUST NOT issue an empty policyConstraints. The §6.1 algorithm processes them either way (Strict profile only).
    private static void CheckPolicyExtensionCriticality(CertificateFacts cert, List<RuleViolation> found)
    {
        var ext = cert.Extensions;
        if (!ext.HasPolicyExtensions)
        {
            return;
        }

        if (ext.NonCriticalPolicyConstraints)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has a non-critical policyConstraints extension; RFC 5280 §4.2.1.11 requires it critical"));
        }

        if (ext.NonCriticalInhibitAnyPolicy)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has a non-critical inhibitAnyPolicy extension; RFC 5280 §4.2.1.14 requires it critical"));
        }

        if (cert.Policy is { HasPolicyConstraints: true, RequireExplicitPolicy: null, InhibitPolicyMapping: null, Defect: null })
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension, $"certificate \"{cert.SubjectText}\" has an empty policyConstraints extension, which RFC 5280 §4.2.1.11 forbids"));
        }
    }

    // R-12, RFC 5280 §6.1.4 (n): when keyUsage is present in a CA certificate, keyCertSign must be set.
    private static void CheckCaKeyUsage(CertificateFacts cert, List<RuleViolation> found)
    {
        if (cert.Extensions.KeyUsage is { } ku && (ku & KeyUsage.KeyCertSign) == 0)
        {
            found.Add(new RuleViolation(ChainStatus.NotValidForUsage, $"CA certificate \"{cert.SubjectText}\" is not allowed to sign certificates: its keyUsage lacks keyCertSign"));
        }
    }

    // R-12, RFC 5280 §4.2.1.12: the end entity's EKU (when present) must include the purpose or anyExtendedKeyUsage;
    // a CA's EKU, when present, restricts what it may issue for (the common EKU-chaining practice).
    private static void CheckPurpose(CertificateFacts cert, CertificatePurpose purpose, bool isCa, List<RuleViolation> found)
    {
        if (purpose == CertificatePurpose.Any || !cert.Extensions.HasExtendedKeyUsage || AllowsPurpose(cert.Extensions.ExtendedKeyUsageValue, purpose) is not false)
        {
            return;
        }

        var what = purpose == CertificatePurpose.ServerAuth ? "TLS server authentication (serverAuth)" : "TLS client authentication (clientAuth)";
        found.Add(new RuleViolation(ChainStatus.NotValidForUsage, isCa
            ? $"wrong purpose: CA certificate \"{cert.SubjectText}\" restricts its extendedKeyUsage and does not allow {what}"
            : $"wrong purpose: certificate \"{cert.SubjectText}\" is not valid for {what}: its extendedKeyUsage does not include it"));
    }

    // Compares the encoded OIDs (validated DER at parse, so equal bytes mean equal OIDs) without decoding them to text.
    // Null when the list is empty (an empty EKU is reported as a defect of its own, not as a wrong purpose).
    internal static bool? AllowsPurpose(ReadOnlySpan<byte> extendedKeyUsage, CertificatePurpose purpose)
    {
        var outer = new DerWalker(extendedKeyUsage, 0, extendedKeyUsage.Length);
        var list = outer.ReadSequence("the extendedKeyUsage extension");
        if (!list.HasData)
        {
            return null;
        }

        var wanted = purpose == CertificatePurpose.ServerAuth ? ServerAuthOidContent : ClientAuthOidContent;
        while (list.HasData)
        {
            var oid = list.Slice(list.ReadOid("the extendedKeyUsage extension"));
            if (oid.SequenceEqual(wanted) || oid.SequenceEqual(AnyExtendedKeyUsageOidContent))
            {
                return true;
            }
        }

        return false;
    }

    // Whether the extendedKeyUsage value (a DER SEQUENCE OF OBJECT IDENTIFIER) lists the OID with these content bytes.
    internal static bool ExtendedKeyUsageContains(ReadOnlySpan<byte> extendedKeyUsage, ReadOnlySpan<byte> oidContent)
    {
        var outer = new DerWalker(extendedKeyUsage, 0, extendedKeyUsage.Length);
        var list = outer.ReadSequence("the extendedKeyUsage extension");
        while (list.HasData)
        {
            if (list.Slice(list.ReadOid("the extendedKeyUsage extension")).SequenceEqual(oidContent))
            {
                return true;
            }
        }

        return false;
    }
}
