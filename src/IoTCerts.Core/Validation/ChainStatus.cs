namespace IoTCerts.Core;

/// <summary>
/// Why a chain is not valid: a closed set of causes, one per cause an operator must tell apart.
/// Names follow <c>System.Security.Cryptography.X509Certificates.X509ChainStatusFlags</c> where the meaning is the same.
/// </summary>
public enum ChainStatus
{
    /// <summary>The certificate's validity period has ended (notAfter is before the validation time).</summary>
    Expired = 1,

    /// <summary>The certificate's validity period has not started (notBefore is after the validation time).</summary>
    NotYetValid,

    /// <summary>The signature does not verify with the issuer's public key.</summary>
    NotSignatureValid,

    /// <summary>The chain ends at a self-signed certificate that is not a trust anchor.</summary>
    UntrustedRoot,

    /// <summary>No issuer of a certificate was found among the trust anchors and the supplied intermediates.</summary>
    PartialChain,

    /// <summary>A certificate that signs another is not a CA (basicConstraints missing or CA:FALSE), or a CA certificate has inconsistent CA extensions.</summary>
    InvalidBasicConstraints,

    /// <summary>A CA's pathLenConstraint allows fewer CA certificates below it than the chain has.</summary>
    PathLengthExceeded,

    /// <summary>The chain has more intermediate CA certificates than the policy's maximum depth.</summary>
    ChainTooLong,

    /// <summary>keyUsage or extendedKeyUsage does not allow the use (signing certificates, the asked purpose).</summary>
    NotValidForUsage,

    /// <summary>The public key is too weak for the policy (RSA below the minimum size, a curve not allowed).</summary>
    WeakKey,

    /// <summary>The signature uses a hash or algorithm the policy refuses (for example SHA-1 or MD5).</summary>
    WeakSignatureAlgorithm,

    /// <summary>The key or signature algorithm is not supported (DSA, explicit EC parameters, unknown OIDs).</summary>
    UnsupportedAlgorithm,

    /// <summary>The certificate has a critical extension the validator does not understand.</summary>
    HasNotSupportedCriticalExtension,

    /// <summary>An extension is malformed, duplicated, marked critical/non-critical against RFC 5280, or present/critical against the policy's <see cref="ChainRuleSet"/>.</summary>
    InvalidExtension,

    /// <summary>A name in the certificate is outside the permitted subtrees of an issuing CA's name constraints.</summary>
    HasNotPermittedNameConstraint,

    /// <summary>A name in the certificate is inside the excluded subtrees of an issuing CA's name constraints.</summary>
    HasExcludedNameConstraint,

    /// <summary>A name in the certificate cannot be checked against a name constraint of a type the validator does not support.</summary>
    HasNotSupportedNameConstraint,

    /// <summary>A CA's name-constraints extension is malformed or holds an invalid subtree.</summary>
    InvalidNameConstraints,

    /// <summary>The end-entity certificate does not hold the expected peer name (DNS name, IP address or e-mail).</summary>
    NameMismatch,

    /// <summary>The certificate is revoked by its issuer.</summary>
    Revoked,

    /// <summary>The revocation status could not be determined from the data available.</summary>
    RevocationStatusUnknown,

    /// <summary>The revocation data (CRL) could not be fetched: its location was not reachable.</summary>
    OfflineRevocation,

    /// <summary>The CRL that covers the certificate is out of date (nextUpdate passed) or not yet valid.</summary>
    CrlNotTimeValid,

    /// <summary>The CRL that covers the certificate does not verify with its issuer's key.</summary>
    CrlNotSignatureValid,

    /// <summary>A basic field of the certificate is invalid (version, serial number, empty issuer or subject, time encoding, signature algorithm mismatch).</summary>
    Malformed,

    /// <summary>The search for a chain used up its budget (signature checks, build steps or name-constraint comparisons) before finding one.</summary>
    BudgetExceeded,

    /// <summary>
    /// A CA certificate (basicConstraints CA:TRUE or keyUsage keyCertSign) is presented as the end entity, which
    /// <see cref="ChainRuleSet.WebPki"/> forbids (CA/B Forum BR 7.1.2.7.8, 7.1.2.7.11): it could issue other identities.
    /// </summary>
    CaCertificateAsEndEntity,

    /// <summary>
    /// A key is outside the bounds IoTCerts imports (an RSA modulus above <see cref="SubjectPublicKeyInfo.MaxRsaModulusBits"/>
    /// bits, or a public exponent that is even, 1 or above 2^256): it is refused before any import, so that one such
    /// certificate cannot cost seconds of CPU per validation.
    /// </summary>
    KeyOutOfBounds,

    /// <summary>
    /// No certificate policy is valid for the whole chain (or none in the user-initial-policy-set) while a CA's
    /// requireExplicitPolicy or the validation's initial-explicit-policy requires one (RFC 5280 §6.1.3 (f), §6.1.5 (g)).
    /// </summary>
    NoIssuanceChainPolicy,

    /// <summary>A CA's policy extensions are invalid for policy processing: a policyMappings entry maps to or from anyPolicy (RFC 5280 §6.1.4 (a)).</summary>
    InvalidPolicyConstraints,

    /// <summary>The certificate policies of a chain need a larger policy graph than <see cref="ValidationBudget.MaxPolicyGraphSize"/> allows (CVE-2023-0464).</summary>
    PolicyGraphTooLarge,
}

/// <summary>Stable codes and ranking for <see cref="ChainStatus"/>.</summary>
public static class ChainStatusCodes
{
    /// <summary>The stable code string used in CLI output and JSON: the enum name, for example <c>UntrustedRoot</c>.</summary>
    public static string ToCode(this ChainStatus status) => status.ToString();

    /// <summary>
    /// How specific a status is: a higher rank is reported first. A failure of the certificate itself (expired,
    /// revoked, wrong purpose) says more than a failure to find its issuer, as rustls-webpki ranks its errors.
    /// </summary>
    internal static int Rank(this ChainStatus status) => status switch
    {
        ChainStatus.BudgetExceeded => 100,
        ChainStatus.PolicyGraphTooLarge => 99,
        ChainStatus.Revoked => 90,
        ChainStatus.Malformed => 85,
        ChainStatus.InvalidExtension => 84,
        ChainStatus.HasNotSupportedCriticalExtension => 83,
        ChainStatus.UnsupportedAlgorithm => 82,
        ChainStatus.WeakKey => 81,
        ChainStatus.KeyOutOfBounds => 81,
        ChainStatus.WeakSignatureAlgorithm => 80,
        ChainStatus.Expired => 75,
        ChainStatus.NotYetValid => 74,
        ChainStatus.NameMismatch => 70,
        ChainStatus.NotValidForUsage => 65,
        ChainStatus.InvalidPolicyConstraints => 63,
        ChainStatus.InvalidNameConstraints => 62,
        ChainStatus.HasExcludedNameConstraint => 61,
        ChainStatus.HasNotPermittedNameConstraint => 60,
        ChainStatus.HasNotSupportedNameConstraint => 59,
        ChainStatus.NoIssuanceChainPolicy => 58,
        ChainStatus.CaCertificateAsEndEntity => 68,
        ChainStatus.InvalidBasicConstraints => 67,
        ChainStatus.PathLengthExceeded => 66,
        ChainStatus.ChainTooLong => 53,
        ChainStatus.NotSignatureValid => 50,
        ChainStatus.CrlNotSignatureValid => 47,
        ChainStatus.CrlNotTimeValid => 46,
        ChainStatus.OfflineRevocation => 45,
        ChainStatus.RevocationStatusUnknown => 44,
        ChainStatus.UntrustedRoot => 20,
        ChainStatus.PartialChain => 10,
        _ => 0,
    };
}
