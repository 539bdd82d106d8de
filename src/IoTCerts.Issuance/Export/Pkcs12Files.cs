using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>
/// PKCS#12 keystores (a device key with its chain) and truststores (trusted certificates only) that OpenSSL and Java
/// keytool read.
/// </summary>
public static class Pkcs12Files
{
    /// <summary>
    /// Creates a keystore: the private key (shrouded) and the chain, leaf first. The leaf and the key share a
    /// localKeyId and the friendly name (alias), so Java shows one PrivateKeyEntry holding the whole chain.
    /// </summary>
    /// <exception cref="IssuanceException">The chain is empty or its first certificate does not belong to the key.</exception>
    public static byte[] CreateKeystore(SigningKey key, IReadOnlyList<X509Certificate2> chain, string password, Pkcs12Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(password);
        options ??= new Pkcs12Options();
        if (chain.Count == 0)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "a keystore needs at least the certificate of the key");
        }

        if (!key.Matches(chain[0].PublicKey))
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "certificate and key do not match: the first certificate of the chain must belong to the key");
        }

        if (!key.IsExportable)
        {
            throw new IssuanceException(IssuanceErrorCode.KeyNotExportable, "the key lives in a PKCS#11 token and cannot be put into a PKCS#12 file");
        }

        CheckIterations(options);

        // Core's one PKCS#12 writer: the leaf and the key share a localKeyId and the alias.
        return MaterialWriter.ToPkcs12(PrivateKey.FromAsymmetricAlgorithm(key.Key), [.. chain.Select(c => Certificate.Parse(c.RawData))], WriteOptions(password, options));
    }

    /// <summary>
    /// Creates a truststore: trusted certificates only, each with a friendly name (its commonName, made unique) and
    /// Java's trusted-key-usage attribute, so <c>keytool -list</c> shows every one as trustedCertEntry.
    /// </summary>
    public static byte[] CreateTruststore(IReadOnlyList<X509Certificate2> certificates, string password, Pkcs12Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(password);
        options ??= new Pkcs12Options();
        if (certificates.Count == 0)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "a truststore needs at least one certificate");
        }

        CheckIterations(options);

        // Core's one PKCS#12 writer: aliases are the common names in lower case, made unique, each trusted for any purpose.
        return MaterialWriter.ToPkcs12Truststore([.. certificates.Select(c => Certificate.Parse(c.RawData))], WriteOptions(password, options));
    }

    private static void CheckIterations(Pkcs12Options options)
    {
        if (options.Iterations is < 1 or > 10_000_000)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "the PKCS#12 iteration count must be between 1 and 10 000 000");
        }
    }

    private static MaterialWriteOptions WriteOptions(string password, Pkcs12Options options) => new()
    {
        Password = password,
        FriendlyName = options.FriendlyName,
        Iterations = options.Iterations,
        Pkcs12Encryption = options.Encryption,
    };
}
