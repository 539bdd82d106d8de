using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>
/// PKCS#12 keystores (a device key with its chain) and truststores (trusted certificates only) that OpenSSL and Java
/// keytool read.
/// </summary>
public static class Pkcs12Files
{
    private const string FriendlyNameOid = "1.2.840.113549.1.9.20";
    private const string LocalKeyIdOid = "1.2.840.113549.1.9.21";

    // Java's PKCS12KeyStore lists a certificate bag as trustedCertEntry only when it carries this Oracle attribute
    // ("trusted key usage"), whose value is the set of purposes it is trusted for: anyExtendedKeyUsage.
    private const string OracleTrustedKeyUsageOid = "2.16.840.1.113894.746875.1.1";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

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

        var pbe = PbeFor(options);
        var localKeyId = new Pkcs9LocalKeyId(SHA1.HashData(chain[0].RawData));
        var friendlyName = FriendlyName(options.FriendlyName);

        var certificates = new Pkcs12SafeContents();
        for (var i = 0; i < chain.Count; i++)
        {
            var bag = certificates.AddCertificate(chain[i]);
            if (i == 0)
            {
                bag.Attributes.Add(localKeyId);
                bag.Attributes.Add(friendlyName);
            }
        }

        var keys = new Pkcs12SafeContents();
        var keyBag = keys.AddShroudedKey(key.Key, password.AsSpan(), pbe);
        keyBag.Attributes.Add(localKeyId);
        keyBag.Attributes.Add(friendlyName);

        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certificates, password.AsSpan(), pbe);
        builder.AddSafeContentsUnencrypted(keys);
        Seal(builder, password, options);
        return builder.Encode();
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

        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(AnyExtendedKeyUsageOid);
        var trustedKeyUsage = new Pkcs9AttributeObject(OracleTrustedKeyUsageOid, writer.Encode());

        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var contents = new Pkcs12SafeContents();
        foreach (var certificate in certificates)
        {
            var alias = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            alias = string.IsNullOrWhiteSpace(alias) ? certificate.Thumbprint : alias.ToLowerInvariant();
            var unique = alias;
            for (var n = 2; !used.Add(unique); n++)
            {
                unique = $"{alias}-{n}";
            }

            var bag = contents.AddCertificate(certificate);
            bag.Attributes.Add(FriendlyName(unique));
            bag.Attributes.Add(trustedKeyUsage);
        }

        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(contents, password.AsSpan(), PbeFor(options));
        Seal(builder, password, options);
        return builder.Encode();
    }

    private static PbeParameters PbeFor(Pkcs12Options options)
    {
        if (options.Iterations is < 1 or > 10_000_000)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "the PKCS#12 iteration count must be between 1 and 10 000 000");
        }

        return options.Encryption == Pkcs12Encryption.LegacyTripleDesSha1
            ? new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, options.Iterations)
            : new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, options.Iterations);
    }

    private static void Seal(Pkcs12Builder builder, string password, Pkcs12Options options) =>
        builder.SealWithMac(password.AsSpan(), options.Encryption == Pkcs12Encryption.LegacyTripleDesSha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, options.Iterations);

    private static Pkcs9AttributeObject FriendlyName(string name)
    {
        // PKCS#9 friendlyName ::= BMPString.
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.BMPString, name);
        return new Pkcs9AttributeObject(FriendlyNameOid, writer.Encode());
    }
}
