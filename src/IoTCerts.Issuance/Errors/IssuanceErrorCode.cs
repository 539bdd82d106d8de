namespace IoTCerts.Issuance;

/// <summary>
/// Why a certificate authority operation was refused. Every value has a stable kebab-case code
/// (see <see cref="IssuanceErrorCodes.ToCode"/>) used in CLI output.
/// </summary>
public enum IssuanceErrorCode
{
    /// <summary>A subject or issuer name is not a valid RFC 4514 (or OpenSSL <c>/K=V</c>) string.</summary>
    InvalidName = 1,

    /// <summary>A subject alternative name is not of the form <c>DNS:…</c>, <c>IP:…</c>, <c>email:…</c> or <c>URI:…</c>.</summary>
    InvalidSubjectAlternativeName,

    /// <summary>The signing policy refused the request (for example the commonName is missing or already in use).</summary>
    PolicyViolation,

    /// <summary>The certification request's self-signature does not verify.</summary>
    RequestSignatureInvalid,

    /// <summary>The key type or size is not allowed .</summary>
    WeakOrUnsupportedKey,

    /// <summary>An option value is out of range or a combination of options is impossible.</summary>
    InvalidOption,

    /// <summary>The CA directory or database is missing, incomplete or corrupt.</summary>
    StoreCorrupt,

    /// <summary>The CA directory or a file already exists and overwriting was not allowed.</summary>
    AlreadyExists,

    /// <summary>Another process holds the CA database lock for longer than the wait limit.</summary>
    StoreBusy,

    /// <summary>No certificate with the given serial number was issued by this CA.</summary>
    UnknownSerial,

    /// <summary>The certificate is already revoked.</summary>
    AlreadyRevoked,

    /// <summary>A key in a PKCS#11 token could not be opened (engine, module, URI or PIN).</summary>
    TokenKeyUnavailable,

    /// <summary>The operation needs the private key in exportable form, but the key lives in a token.</summary>
    KeyNotExportable,

    /// <summary>
    /// The CA database server cannot be reached or keeps failing (after the bounded retries of transient failures); the
    /// operation did not happen, or — when the connection broke during the commit — its outcome is unknown.
    /// </summary>
    StoreUnavailable,
}

/// <summary>Stable codes for <see cref="IssuanceErrorCode"/>.</summary>
public static class IssuanceErrorCodes
{
    /// <summary>The stable kebab-case code, for example <c>policy-violation</c>.</summary>
    public static string ToCode(this IssuanceErrorCode code) => code switch
    {
        IssuanceErrorCode.InvalidName => "invalid-name",
        IssuanceErrorCode.InvalidSubjectAlternativeName => "invalid-san",
        IssuanceErrorCode.PolicyViolation => "policy-violation",
        IssuanceErrorCode.RequestSignatureInvalid => "csr-signature-invalid",
        IssuanceErrorCode.WeakOrUnsupportedKey => "weak-or-unsupported-key",
        IssuanceErrorCode.InvalidOption => "invalid-option",
        IssuanceErrorCode.StoreCorrupt => "ca-store-corrupt",
        IssuanceErrorCode.AlreadyExists => "already-exists",
        IssuanceErrorCode.StoreBusy => "ca-store-busy",
        IssuanceErrorCode.UnknownSerial => "unknown-serial",
        IssuanceErrorCode.AlreadyRevoked => "already-revoked",
        IssuanceErrorCode.TokenKeyUnavailable => "token-key-unavailable",
        IssuanceErrorCode.KeyNotExportable => "key-not-exportable",
        IssuanceErrorCode.StoreUnavailable => "ca-store-unavailable",
        _ => "issuance-error",
    };
}
