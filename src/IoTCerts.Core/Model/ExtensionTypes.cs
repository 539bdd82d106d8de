namespace IoTCerts.Core;

/// <summary>One extension as encoded (RFC 5280 4.1): OID, criticality and the value's raw bytes.</summary>
public sealed class CertificateExtension
{
    internal CertificateExtension(string oid, bool critical, ReadOnlyMemory<byte> value)
    {
        Oid = oid;
        Critical = critical;
        Value = value;
    }

    /// <summary>The extension OID (extnID).</summary>
    public string Oid { get; }

    /// <summary>A readable name such as <c>basicConstraints</c>, or the OID when unknown.</summary>
    public string FriendlyName => WellKnownOids.FriendlyName(Oid) ?? Oid;

    /// <summary>True when the extension is marked critical.</summary>
    public bool Critical { get; }

    /// <summary>The contents of extnValue (the DER of the extension's own structure); a view over the parsed buffer.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>Returns the friendly name and criticality.</summary>
    public override string ToString() => Critical ? FriendlyName + " (critical)" : FriendlyName;
}

/// <summary>The basicConstraints extension (RFC 5280 4.2.1.9).</summary>
/// <param name="IsCertificateAuthority">The cA flag.</param>
/// <param name="PathLengthConstraint">pathLenConstraint, or null when absent.</param>
public readonly record struct BasicConstraints(bool IsCertificateAuthority, int? PathLengthConstraint);

/// <summary>The keyUsage bits (RFC 5280 4.2.1.3); each value is 1 shifted by the RFC's bit number.</summary>
[Flags]
public enum KeyUsage
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>digitalSignature (0).</summary>
    DigitalSignature = 1 << 0,

    /// <summary>nonRepudiation / contentCommitment (1).</summary>
    NonRepudiation = 1 << 1,

    /// <summary>keyEncipherment (2).</summary>
    KeyEncipherment = 1 << 2,

    /// <summary>dataEncipherment (3).</summary>
    DataEncipherment = 1 << 3,

    /// <summary>keyAgreement (4).</summary>
    KeyAgreement = 1 << 4,

    /// <summary>keyCertSign (5).</summary>
    KeyCertSign = 1 << 5,

    /// <summary>cRLSign (6).</summary>
    CrlSign = 1 << 6,

    /// <summary>encipherOnly (7).</summary>
    EncipherOnly = 1 << 7,

    /// <summary>decipherOnly (8).</summary>
    DecipherOnly = 1 << 8,
}

/// <summary>The ReasonFlags bits (RFC 5280 4.2.1.13) of distribution points and issuing distribution points.</summary>
[Flags]
public enum RevocationReasons
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>unused (0).</summary>
    Unused = 1 << 0,

    /// <summary>keyCompromise (1).</summary>
    KeyCompromise = 1 << 1,

    /// <summary>cACompromise (2).</summary>
    CACompromise = 1 << 2,

    /// <summary>affiliationChanged (3).</summary>
    AffiliationChanged = 1 << 3,

    /// <summary>superseded (4).</summary>
    Superseded = 1 << 4,

    /// <summary>cessationOfOperation (5).</summary>
    CessationOfOperation = 1 << 5,

    /// <summary>certificateHold (6).</summary>
    CertificateHold = 1 << 6,

    /// <summary>privilegeWithdrawn (7).</summary>
    PrivilegeWithdrawn = 1 << 7,

    /// <summary>aACompromise (8).</summary>
    AACompromise = 1 << 8,
}

/// <summary>Extended key usage purpose OIDs (RFC 5280 4.2.1.12, RFC 6402).</summary>
public static class ExtendedKeyUsageOids
{
    /// <summary>id-kp-serverAuth.</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth.</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>id-kp-codeSigning.</summary>
    public const string CodeSigning = "1.3.6.1.5.5.7.3.3";

    /// <summary>id-kp-emailProtection.</summary>
    public const string EmailProtection = "1.3.6.1.5.5.7.3.4";

    /// <summary>id-kp-timeStamping.</summary>
    public const string TimeStamping = "1.3.6.1.5.5.7.3.8";

    /// <summary>id-kp-OCSPSigning.</summary>
    public const string OcspSigning = "1.3.6.1.5.5.7.3.9";

    /// <summary>id-kp-cmcRA (RFC 6402), used by EST registration authorities.</summary>
    public const string CmcRegistrationAuthority = "1.3.6.1.5.5.7.3.28";

    /// <summary>anyExtendedKeyUsage.</summary>
    public const string AnyExtendedKeyUsage = "2.5.29.37.0";
}

/// <summary>Access method OIDs of authorityInfoAccess (RFC 5280 4.2.2.1).</summary>
public static class AccessMethodOids
{
    /// <summary>id-ad-ocsp.</summary>
    public const string Ocsp = "1.3.6.1.5.5.7.48.1";

    /// <summary>id-ad-caIssuers.</summary>
    public const string CaIssuers = "1.3.6.1.5.5.7.48.2";
}

/// <summary>The authorityKeyIdentifier extension (RFC 5280 4.2.1.1).</summary>
public sealed class AuthorityKeyIdentifier
{
    internal AuthorityKeyIdentifier(ReadOnlyMemory<byte>? keyIdentifier, IReadOnlyList<GeneralName> issuer, ReadOnlyMemory<byte>? serial)
    {
        KeyIdentifier = keyIdentifier;
        AuthorityCertIssuer = issuer;
        AuthorityCertSerialNumber = serial;
    }

    /// <summary>keyIdentifier, or null when absent.</summary>
    public ReadOnlyMemory<byte>? KeyIdentifier { get; }

    /// <summary>authorityCertIssuer (empty when absent).</summary>
    public IReadOnlyList<GeneralName> AuthorityCertIssuer { get; }

    /// <summary>authorityCertSerialNumber (big-endian INTEGER bytes), or null when absent.</summary>
    public ReadOnlyMemory<byte>? AuthorityCertSerialNumber { get; }
}

/// <summary>A DistributionPoint of cRLDistributionPoints / freshestCRL (RFC 5280 4.2.1.13).</summary>
public sealed class DistributionPoint
{
    internal DistributionPoint(IReadOnlyList<GeneralName> fullName, ReadOnlyMemory<byte>? relativeName, RevocationReasons? reasons, IReadOnlyList<GeneralName> crlIssuer)
    {
        FullName = fullName;
        NameRelativeToCrlIssuer = relativeName;
        Reasons = reasons;
        CrlIssuer = crlIssuer;
    }

    /// <summary>distributionPoint fullName (empty when absent or a relative name is used).</summary>
    public IReadOnlyList<GeneralName> FullName { get; }

    /// <summary>The DER (SET) of nameRelativeToCRLIssuer, or null.</summary>
    public ReadOnlyMemory<byte>? NameRelativeToCrlIssuer { get; }

    /// <summary>reasons, or null when absent (all reasons).</summary>
    public RevocationReasons? Reasons { get; }

    /// <summary>cRLIssuer (empty when absent).</summary>
    public IReadOnlyList<GeneralName> CrlIssuer { get; }

    /// <summary>The URIs among <see cref="FullName"/> (where to download the CRL).</summary>
    public IEnumerable<string> Uris => FullName.Where(n => n.Kind == GeneralNameKind.Uri).Select(n => n.Value!);
}

/// <summary>One AccessDescription of authorityInfoAccess / subjectInfoAccess (RFC 5280 4.2.2).</summary>
/// <param name="AccessMethod">The method OID (see <see cref="AccessMethodOids"/>).</param>
/// <param name="AccessLocation">Where (usually a URI).</param>
public sealed record AccessDescription(string AccessMethod, GeneralName AccessLocation);

/// <summary>One GeneralSubtree of nameConstraints (RFC 5280 4.2.1.10).</summary>
/// <param name="Base">The name form and value that constrains.</param>
/// <param name="Minimum">minimum (0 by default; RFC 5280 requires 0).</param>
/// <param name="Maximum">maximum, or null (RFC 5280 requires absence).</param>
public sealed record GeneralSubtree(GeneralName Base, int Minimum, int? Maximum);

/// <summary>The nameConstraints extension (RFC 5280 4.2.1.10).</summary>
/// <param name="PermittedSubtrees">permittedSubtrees (empty when absent).</param>
/// <param name="ExcludedSubtrees">excludedSubtrees (empty when absent).</param>
public sealed record NameConstraints(IReadOnlyList<GeneralSubtree> PermittedSubtrees, IReadOnlyList<GeneralSubtree> ExcludedSubtrees);

/// <summary>One PolicyQualifierInfo (RFC 5280 4.2.1.4).</summary>
/// <param name="Oid">policyQualifierId.</param>
/// <param name="RawValue">The DER of the qualifier.</param>
/// <param name="CpsUri">The URI for id-qt-cps qualifiers, otherwise null.</param>
public sealed record PolicyQualifier(string Oid, ReadOnlyMemory<byte> RawValue, string? CpsUri);

/// <summary>One PolicyInformation of certificatePolicies (RFC 5280 4.2.1.4).</summary>
/// <param name="PolicyOid">policyIdentifier.</param>
/// <param name="Qualifiers">policyQualifiers (empty when absent).</param>
public sealed record CertificatePolicy(string PolicyOid, IReadOnlyList<PolicyQualifier> Qualifiers)
{
    /// <summary>anyPolicy.</summary>
    public const string AnyPolicy = "2.5.29.32.0";
}
