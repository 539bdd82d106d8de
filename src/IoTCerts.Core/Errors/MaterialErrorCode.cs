namespace IoTCerts.Core;

/// <summary>
/// Why certificate material (a certificate, key, CSR, CRL or container) could not be read.
/// Every value has a stable kebab-case code (see <see cref="MaterialErrorCodes.ToCode"/>) used in
/// CLI output and JSON, and an operator sentence (see <see cref="MaterialErrorCodes.DefaultMessage"/>).
/// </summary>
public enum MaterialErrorCode
{
    /// <summary>The bytes are not PEM, DER, PKCS#7 or PKCS#12 of a kind IoTCerts knows.</summary>
    UnknownFormat = 1,

    /// <summary>The data ends before the structure it announces (a truncated file or copy).</summary>
    Truncated,

    /// <summary>The structure is present but not valid DER/PEM of the expected type (corrupt data).</summary>
    Malformed,

    /// <summary>The input is empty.</summary>
    Empty,

    /// <summary>The material is encrypted and no passphrase was given.</summary>
    PassphraseRequired,

    /// <summary>A passphrase was given but it does not decrypt the material.</summary>
    WrongPassphrase,

    /// <summary>An algorithm (key type, curve, cipher, digest) is recognised but not supported.</summary>
    UnsupportedAlgorithm,

    /// <summary>A certificate and a private key were expected to belong together but do not.</summary>
    KeyCertificateMismatch,

    /// <summary>The input is larger than the configured size limit.</summary>
    InputTooLarge,

    /// <summary>The input holds more objects (PEM blocks, bags, certificates) than the configured limit.</summary>
    TooManyObjects,

    /// <summary>The input nests structures deeper than the configured limit.</summary>
    NestingTooDeep,

    /// <summary>A work factor in the input (for example a PBKDF2 iteration count) exceeds the configured limit.</summary>
    WorkFactorTooHigh,

    /// <summary>The file does not exist.</summary>
    FileNotFound,

    /// <summary>The file exists but could not be read (permissions, I/O error).</summary>
    FileUnreadable,

    /// <summary>The input was read but holds nothing of the kind that was asked for.</summary>
    NothingFound,

    /// <summary>A private key was named by something that is not a PKCS#11 URI (RFC 7512).</summary>
    InvalidPkcs11Uri,

    /// <summary>OpenSSL's pkcs11 engine (libengine-pkcs11-openssl) or the PKCS#11 module it loads is not installed .</summary>
    Pkcs11EngineUnavailable,

    /// <summary>The token refused the PIN .</summary>
    WrongPin,

    /// <summary>The token is present and the PIN accepted (or not needed), but no private key matches the URI .</summary>
    TokenKeyNotFound,

    /// <summary>A key in a PKCS#11 token could not be opened for another reason (token missing, module error) .</summary>
    TokenKeyUnavailable,

    /// <summary>The certificate subject has more than one Common Name, so it names no single device .</summary>
    AmbiguousCommonName,

    /// <summary>
    /// A key is outside the bounds IoTCerts imports: an RSA modulus above 16,384 bits or a public exponent that is even,
    /// 1 or above 2^256 (see <see cref="SubjectPublicKeyInfo.MaxRsaModulusBits"/>).
    /// </summary>
    KeyOutOfBounds,
}

/// <summary>Stable codes and default operator sentences for <see cref="MaterialErrorCode"/>.</summary>
public static class MaterialErrorCodes
{
    /// <summary>The stable kebab-case code, for example <c>wrong-passphrase</c>.</summary>
    public static string ToCode(this MaterialErrorCode code) => code switch
    {
        MaterialErrorCode.UnknownFormat => "unknown-format",
        MaterialErrorCode.Truncated => "truncated",
        MaterialErrorCode.Malformed => "malformed",
        MaterialErrorCode.Empty => "empty",
        MaterialErrorCode.PassphraseRequired => "passphrase-required",
        MaterialErrorCode.WrongPassphrase => "wrong-passphrase",
        MaterialErrorCode.UnsupportedAlgorithm => "unsupported-algorithm",
        MaterialErrorCode.KeyCertificateMismatch => "key-certificate-mismatch",
        MaterialErrorCode.InputTooLarge => "input-too-large",
        MaterialErrorCode.TooManyObjects => "too-many-objects",
        MaterialErrorCode.NestingTooDeep => "nesting-too-deep",
        MaterialErrorCode.WorkFactorTooHigh => "work-factor-too-high",
        MaterialErrorCode.FileNotFound => "file-not-found",
        MaterialErrorCode.FileUnreadable => "file-unreadable",
        MaterialErrorCode.NothingFound => "nothing-found",
        MaterialErrorCode.InvalidPkcs11Uri => "invalid-pkcs11-uri",
        MaterialErrorCode.Pkcs11EngineUnavailable => "pkcs11-engine-unavailable",
        MaterialErrorCode.WrongPin => "wrong-pin",
        MaterialErrorCode.TokenKeyNotFound => "token-key-not-found",
        MaterialErrorCode.TokenKeyUnavailable => "token-key-unavailable",
        MaterialErrorCode.AmbiguousCommonName => "ambiguous-common-name",
        MaterialErrorCode.KeyOutOfBounds => "key-out-of-bounds",
        _ => "unknown-error",
    };

    /// <summary>A sentence an operator understands, used when no more specific detail is known.</summary>
    public static string DefaultMessage(this MaterialErrorCode code) => code switch
    {
        MaterialErrorCode.UnknownFormat => "the data is not a certificate, key, CSR, CRL, PKCS#7 or PKCS#12 file in any format IoTCerts knows (PEM, DER, PKCS#7, PKCS#12)",
        MaterialErrorCode.Truncated => "the data is truncated: it ends before the structure it announces is complete",
        MaterialErrorCode.Malformed => "the data is corrupt: it is not valid DER/PEM for the structure it claims to be",
        MaterialErrorCode.Empty => "the input is empty",
        MaterialErrorCode.PassphraseRequired => "the material is encrypted: a passphrase is required",
        MaterialErrorCode.WrongPassphrase => "passphrase does not match the key",
        MaterialErrorCode.UnsupportedAlgorithm => "the material uses an algorithm IoTCerts does not support",
        MaterialErrorCode.KeyCertificateMismatch => "certificate and key do not match",
        MaterialErrorCode.InputTooLarge => "the input is larger than the allowed size",
        MaterialErrorCode.TooManyObjects => "the input holds more objects than allowed",
        MaterialErrorCode.NestingTooDeep => "the input nests structures deeper than allowed",
        MaterialErrorCode.WorkFactorTooHigh => "the input asks for more key-derivation work than allowed",
        MaterialErrorCode.FileNotFound => "the file does not exist",
        MaterialErrorCode.FileUnreadable => "the file could not be read",
        MaterialErrorCode.NothingFound => "the input holds nothing of the requested kind",
        MaterialErrorCode.InvalidPkcs11Uri => "a token key must be named by a PKCS#11 URI starting with 'pkcs11:' (RFC 7512)",
        MaterialErrorCode.Pkcs11EngineUnavailable => "OpenSSL's pkcs11 engine is not installed (Debian/Ubuntu: libengine-pkcs11-openssl) or the PKCS#11 module cannot be loaded",
        MaterialErrorCode.WrongPin => "the token refused the PIN",
        MaterialErrorCode.TokenKeyNotFound => "the token holds no private key matching the PKCS#11 URI",
        MaterialErrorCode.TokenKeyUnavailable => "the key in the PKCS#11 token could not be opened",
        MaterialErrorCode.AmbiguousCommonName => "the subject has more than one Common Name: the device identity would be ambiguous",
        MaterialErrorCode.KeyOutOfBounds => "the key is outside the bounds IoTCerts accepts (RSA above 16,384 bits, or an even, 1 or over-wide public exponent)",
        _ => "the material could not be read",
    };
}
