using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>Whether devices may connect with certificates issued under a trusted certificate.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrustedCertificateStatus>))]
public enum TrustedCertificateStatus
{
    /// <summary><c>ENABLED</c>: devices may connect.</summary>
    [JsonStringEnumMemberName("ENABLED")]
    Enabled,

    /// <summary><c>DISABLED</c>: kept, but devices are refused.</summary>
    [JsonStringEnumMemberName("DISABLED")]
    Disabled,
}

/// <summary>A CA certificate in the tenant's trust list, as the platform reports it.</summary>
public sealed class TrustedCertificate
{
    /// <summary>The display name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The certificate as PEM (the platform may omit line breaks).</summary>
    [JsonPropertyName("certInPemFormat")]
    public string? CertificatePem { get; init; }

    /// <summary>SHA-1 of the DER certificate, lowercase hex: the resource id.</summary>
    [JsonPropertyName("fingerprint")]
    public string? Fingerprint { get; init; }

    /// <summary>Enabled or disabled; null when absent or a value this client does not know (newer releases).</summary>
    [JsonPropertyName("status")]
    [JsonConverter(typeof(LenientStatusConverter))]
    public TrustedCertificateStatus? Status { get; init; }

    /// <summary>Whether devices are registered on their first connection .</summary>
    [JsonPropertyName("autoRegistrationEnabled")]
    public bool? AutoRegistrationEnabled { get; init; }

    /// <summary>The issuer name as the platform prints it.</summary>
    [JsonPropertyName("issuer")]
    public string? Issuer { get; init; }

    /// <summary>The subject name as the platform prints it.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>The signature algorithm name, for example <c>SHA256withRSA</c>.</summary>
    [JsonPropertyName("algorithmName")]
    public string? AlgorithmName { get; init; }

    /// <summary>The serial number as the platform prints it.</summary>
    [JsonPropertyName("serialNumber")]
    public string? SerialNumber { get; init; }

    /// <summary>The X.509 version (3).</summary>
    [JsonPropertyName("version")]
    public int? Version { get; init; }

    /// <summary>Start of validity.</summary>
    [JsonPropertyName("notBefore")]
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>End of validity.</summary>
    [JsonPropertyName("notAfter")]
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>The resource URL.</summary>
    [JsonPropertyName("self")]
    public string? Self { get; init; }

    /// <summary>The code to sign for proof of possession, once requested.</summary>
    [JsonPropertyName("proofOfPossessionUnsignedVerificationCode")]
    public string? ProofOfPossessionUnsignedVerificationCode { get; init; }

    /// <summary>Whether proof of possession succeeded.</summary>
    [JsonPropertyName("proofOfPossessionValid")]
    public bool? ProofOfPossessionValid { get; init; }

    /// <summary>Until when the verification code may be signed and uploaded.</summary>
    [JsonPropertyName("proofOfPossessionVerificationCodeUsableUntil")]
    public DateTimeOffset? ProofOfPossessionVerificationCodeUsableUntil { get; init; }

    /// <summary>True for the tenant CA made by the certificate-authority feature.</summary>
    [JsonPropertyName("tenantCertificateAuthority")]
    public bool? TenantCertificateAuthority { get; init; }

    /// <summary>
    /// A fingerprint as the platform's resource id: lowercase hex without separators (accepts the colon-separated,
    /// upper-case form openssl prints).
    /// </summary>
    /// <exception cref="ArgumentException">Not 40 hexadecimal digits.</exception>
    public static string NormalizeFingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var hex = fingerprint.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (hex.Length != 40 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("a fingerprint is the SHA-1 of the certificate: 40 hexadecimal digits", nameof(fingerprint));
        }

        return hex;
    }

    /// <summary>The platform's fingerprint of a certificate: SHA-1 of its DER encoding, lowercase hex.</summary>
    public static string FingerprintOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA1.HashData(certificate.RawData));
    }
}

/// <summary>Reads ENABLED/DISABLED; any other value becomes null instead of failing the whole listing.</summary>
internal sealed class LenientStatusConverter : JsonConverter<TrustedCertificateStatus?>
{
    public override TrustedCertificateStatus? Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType != System.Text.Json.JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        return reader.GetString() switch
        {
            "ENABLED" => TrustedCertificateStatus.Enabled,
            "DISABLED" => TrustedCertificateStatus.Disabled,
            _ => null,
        };
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, TrustedCertificateStatus? value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value == TrustedCertificateStatus.Enabled ? "ENABLED" : "DISABLED");
        }
    }
}

/// <summary>A certificate to add to the trust list .</summary>
public sealed class NewTrustedCertificate
{
    /// <summary>The display name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>The CA certificate as PEM.</summary>
    [JsonPropertyName("certInPemFormat")]
    public required string CertificatePem { get; init; }

    /// <summary>Enabled (default) or disabled.</summary>
    [JsonPropertyName("status")]
    public TrustedCertificateStatus Status { get; init; } = TrustedCertificateStatus.Enabled;

    /// <summary>Register devices automatically on first connection; off by default.</summary>
    [JsonPropertyName("autoRegistrationEnabled")]
    public bool AutoRegistrationEnabled { get; init; }

    /// <summary>A new trusted certificate made from <paramref name="certificate"/>; the name defaults to its subject.</summary>
    public static NewTrustedCertificate From(X509Certificate2 certificate, string? name = null, bool autoRegistrationEnabled = false, TrustedCertificateStatus status = TrustedCertificateStatus.Enabled)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new NewTrustedCertificate
        {
            Name = name ?? certificate.GetNameInfo(X509NameType.SimpleName, false) ?? certificate.Subject,
            CertificatePem = certificate.ExportCertificatePem(),
            Status = status,
            AutoRegistrationEnabled = autoRegistrationEnabled,
        };
    }
}

/// <summary>Changes to a trusted certificate; null fields are left out of the request and stay as they are.</summary>
public sealed class TrustedCertificateUpdate
{
    /// <summary>A new display name.</summary>
    [JsonPropertyName("name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>Enable or disable.</summary>
    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TrustedCertificateStatus? Status { get; init; }

    /// <summary>Switch auto-registration on or off.</summary>
    [JsonPropertyName("autoRegistrationEnabled")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? AutoRegistrationEnabled { get; init; }
}

/// <summary>What an upload did: created, or found the certificate already there (409, a normal outcome).</summary>
public enum UploadOutcome
{
    /// <summary>201: the certificate was added.</summary>
    Created,

    /// <summary>409: a certificate with this fingerprint exists already (in this tenant or elsewhere on the instance).</summary>
    AlreadyExists,
}

/// <summary>The result of <see cref="CumulocityClient.CreateTrustedCertificateAsync"/> or <see cref="CumulocityClient.CreateCertificateAuthorityAsync"/>.</summary>
public sealed class TrustedCertificateUploadResult
{
    /// <summary>Creates a result.</summary>
    public TrustedCertificateUploadResult(UploadOutcome outcome, string? fingerprint, TrustedCertificate? certificate)
    {
        Outcome = outcome;
        Fingerprint = fingerprint;
        Certificate = certificate;
    }

    /// <summary>Created or already there.</summary>
    public UploadOutcome Outcome { get; }

    /// <summary>The fingerprint (from the platform when created, computed locally on 409).</summary>
    public string? Fingerprint { get; }

    /// <summary>The platform's record when it was created; null on 409.</summary>
    public TrustedCertificate? Certificate { get; }
}

/// <summary>How <see cref="CumulocityClient.VerifyCertificateChainAsync"/> sends the chain.</summary>
public enum ChainSubmission
{
    /// <summary>Multipart form with parts <c>tenantId</c> and <c>file</c> (PEM); up to 10 certificates.</summary>
    File,

    /// <summary>Headers <c>X-Cumulocity-TenantId</c> and <c>X-Cumulocity-Client-Cert-Chain</c>; up to 5 certificates.</summary>
    Headers,
}

/// <summary>The answer of <c>verify-cert-chain</c>.</summary>
public sealed class CertificateChainVerification
{
    /// <summary>Whether the platform accepted the chain.</summary>
    [JsonPropertyName("successfullyValidated")]
    public bool SuccessfullyValidated { get; init; }

    /// <summary>The tenant that was asked.</summary>
    [JsonPropertyName("tenantId")]
    public string? TenantId { get; init; }

    /// <summary>The issuer of the device certificate.</summary>
    [JsonPropertyName("issuer")]
    public string? Issuer { get; init; }

    /// <summary>The subject of the device certificate.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }
}

/// <summary>One revocation for the tenant CRL (irreversible on the platform).</summary>
public sealed class CrlRevocation
{
    /// <summary>The revoked certificate's serial number, hex.</summary>
    [JsonPropertyName("serialNumberInHex")]
    public required string SerialNumberInHex { get; init; }

    /// <summary>When it was revoked; the platform uses now when absent.</summary>
    [JsonPropertyName("revocationDate")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RevocationDate { get; init; }
}

/// <summary>The state of the certificate-authority feature (<c>GET /features/certificate-authority</c>).</summary>
public sealed class CertificateAuthorityFeature
{
    /// <summary>The feature's release phase.</summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; init; }

    /// <summary>Whether the feature is on for the tenant.</summary>
    [JsonPropertyName("active")]
    public bool Active { get; init; }

    /// <summary>How the feature was enabled.</summary>
    [JsonPropertyName("strategy")]
    public string? Strategy { get; init; }

    /// <summary>The feature key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }
}
