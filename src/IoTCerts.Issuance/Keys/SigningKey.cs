using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>
/// A private key that signs certificates, CRLs and CSRs: an RSA or ECDSA key held in memory, or a key that never
/// leaves a PKCS#11 token. Any <see cref="RSA"/> or <see cref="ECDsa"/> implementation can be wrapped, so
/// other key providers plug in through <see cref="FromKey"/>.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private SigningKey(AsymmetricAlgorithm key, bool isExportable, string? tokenUri)
    {
        Key = key;
        IsExportable = isExportable;
        TokenUri = tokenUri;
        PublicKey = key switch
        {
            RSA rsa => new PublicKey(rsa),
            ECDsa ec => new PublicKey(ec),
            _ => throw new IssuanceException(IssuanceErrorCode.WeakOrUnsupportedKey, "only RSA and ECDSA keys can sign certificates"),
        };
        KeyPolicy.EnsureStrongEnough(key);
    }

    /// <summary>The underlying key (an <see cref="RSA"/> or <see cref="ECDsa"/>).</summary>
    public AsymmetricAlgorithm Key { get; }

    /// <summary>The public half, as placed in a certificate's subjectPublicKeyInfo.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>True when the private key can be exported (false for token keys).</summary>
    public bool IsExportable { get; }

    /// <summary>The PKCS#11 URI (without the PIN) when the key lives in a token; otherwise null.</summary>
    public string? TokenUri { get; }

    /// <summary>The digest used with this key: SHA-384 for P-384, SHA-256 otherwise .</summary>
    public HashAlgorithmName HashAlgorithm =>
        Key is ECDsa { KeySize: >= 384 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    /// <summary>Wraps an RSA or ECDSA key; the <see cref="SigningKey"/> takes ownership and disposes it.</summary>
    /// <exception cref="IssuanceException">The key is not RSA/ECDSA or is too weak (RSA below 2048 bits).</exception>
    public static SigningKey FromKey(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new SigningKey(key, isExportable: true, tokenUri: null);
    }

    /// <summary>Reads a private key file in any format IoTCerts knows (PKCS#8 plain or encrypted, PKCS#1, SEC1, legacy OpenSSL PEM, PKCS#12; PEM or DER).</summary>
    /// <exception cref="IoTCerts.Core.MaterialException">The file is missing, holds no single key, or the passphrase is wrong.</exception>
    public static SigningKey LoadFile(string path, string? passphrase)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new IoTCerts.Core.MaterialException(IoTCerts.Core.MaterialErrorCode.FileNotFound, $"the key file '{path}' does not exist") { SourceName = path };
        }

        return PrivateKeyText.Read(File.ReadAllBytes(path), passphrase, path);
    }

    /// <summary>Generates a new key of the given type.</summary>
    public static SigningKey Generate(KeyAlgorithm algorithm) => FromKey(algorithm.Generate());

    /// <summary>
    /// Opens a private key in a PKCS#11 token through OpenSSL's <c>pkcs11</c> engine (Debian: libengine-pkcs11-openssl).
    /// The URI follows RFC 7512, for example <c>pkcs11:token=iot;object=ca-key;type=private?pin-value=1234</c>.
    /// The engine loads the module named by the <c>PKCS11_MODULE_PATH</c> environment variable or by the OpenSSL
    /// configuration, and otherwise p11-kit's proxy (which includes the modules p11-kit knows, such as SoftHSM).
    /// </summary>
    /// <param name="uri">The PKCS#11 URI of the private key.</param>
    /// <param name="pin">A PIN to add as <c>pin-value</c> when the URI carries none.</param>
    /// <exception cref="IssuanceException">
    /// The engine, the module, the token, the object or the PIN is not right (<see cref="IssuanceErrorCode.TokenKeyUnavailable"/>,
    /// with the <see cref="MaterialException"/> from <see cref="Pkcs11Key.Open"/> naming the exact cause as inner exception).
    /// </exception>
    public static SigningKey OpenPkcs11(string uri, string? pin = null)
    {
        AsymmetricAlgorithm key;
        string tokenUri;
        try
        {
            tokenUri = Pkcs11Key.WithoutPin(uri);
            key = Pkcs11Key.Open(uri, pin);
        }
        catch (MaterialException ex)
        {
            throw new IssuanceException(
                ex.Code is MaterialErrorCode.InvalidPkcs11Uri ? IssuanceErrorCode.InvalidOption : IssuanceErrorCode.TokenKeyUnavailable,
                ex.Message,
                ex);
        }

        try
        {
            return new SigningKey(key, isExportable: false, tokenUri: tokenUri);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Exports the private key as PKCS#8 PEM, encrypted (AES-256-CBC, PBKDF2-SHA256) when a passphrase is given.</summary>
    /// <exception cref="IssuanceException">The key lives in a token and cannot be exported.</exception>
    public string ExportPkcs8Pem(string? passphrase)
    {
        if (!IsExportable)
        {
            throw new IssuanceException(IssuanceErrorCode.KeyNotExportable, "the key lives in a PKCS#11 token and cannot be written to a file");
        }

        return passphrase is null
            ? Key.ExportPkcs8PrivateKeyPem()
            : Key.ExportEncryptedPkcs8PrivateKeyPem(passphrase.AsSpan(), KeyPolicy.Pkcs8Encryption);
    }

    /// <summary>Creates the X.509 signature generator for this key (PKCS#1 v1.5 for RSA, as OpenSSL does by default).</summary>
    public X509SignatureGenerator CreateSignatureGenerator() => Key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new InvalidOperationException("unsupported key type"),
    };

    /// <summary>True when <paramref name="publicKey"/> is this key's public half.</summary>
    public bool Matches(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        return PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(publicKey.ExportSubjectPublicKeyInfo());
    }

    /// <inheritdoc/>
    public void Dispose() => Key.Dispose();
}
