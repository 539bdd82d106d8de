using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Text;

namespace IoTCerts.Core;

/// <summary>The encodings <see cref="MaterialWriter.Encode"/> produces .</summary>
public enum MaterialOutputFormat
{
    /// <summary>PEM blocks: certificates, then the key, then CSRs and CRLs.</summary>
    Pem = 1,

    /// <summary>DER of exactly one object.</summary>
    Der,

    /// <summary>A PKCS#12 keystore with at most one key and its chain .</summary>
    Pkcs12,
}

/// <summary>How a PKCS#12 file is protected.</summary>
public enum Pkcs12Encryption
{
    /// <summary>PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC: the default (OpenSSL 3, Java 12+ read it).</summary>
    Aes256Sha256 = 1,

    /// <summary>pbeWithSHAAnd3-KeyTripleDES-CBC and an HMAC-SHA1 MAC, for old Java tools and devices that read nothing newer.</summary>
    LegacyTripleDesSha1,
}

/// <summary>How <see cref="MaterialWriter"/> protects what it writes.</summary>
public sealed class MaterialWriteOptions
{
    /// <summary>
    /// The passphrase: private keys in PEM/DER are written as encrypted PKCS#8 when it is set; PKCS#12 files are
    /// always encrypted and use the empty passphrase when it is not set.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>The PKCS#12 alias (friendlyName) of the key entry; <c>devicekeyentry</c> by default .</summary>
    public string FriendlyName { get; init; } = MaterialWriter.DefaultFriendlyName;

    /// <summary>
    /// PBKDF2 / MAC iterations. PKCS#12 defaults to 100,000 and encrypted PKCS#8 to 600,000 (PBKDF2-HMAC-SHA256),
    /// both well below <see cref="MaterialLimits.MaxKdfIterations"/> so IoTCerts, OpenSSL and Java read them back.
    /// </summary>
    public int? Iterations { get; init; }

    /// <summary>The PKCS#12 protection; <see cref="Pkcs12Encryption.Aes256Sha256"/> by default.</summary>
    public Pkcs12Encryption Pkcs12Encryption { get; init; } = Pkcs12Encryption.Aes256Sha256;
}

/// <summary>
/// Encodes certificates, keys, CSRs and CRLs as PEM, DER or PKCS#12 and writes files atomically, with mode 0600
/// for anything that holds a private key.
/// </summary>
public static class MaterialWriter
{
    /// <summary>The default PKCS#12 alias, as the platform guides name the device key entry.</summary>
    public const string DefaultFriendlyName = "devicekeyentry";

    /// <summary>Default PKCS#12 PBKDF2 and MAC iteration count.</summary>
    public const int DefaultPkcs12Iterations = 100_000;

    /// <summary>Concatenated <c>CERTIFICATE</c> PEM blocks, in the given order.</summary>
    public static string CertificatesToPem(IEnumerable<Certificate> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var builder = new StringBuilder();
        foreach (var certificate in certificates)
        {
            builder.Append(PemWriter.Write("CERTIFICATE", certificate.RawData.Span));
        }

        return builder.ToString();
    }

    /// <summary>A <c>CERTIFICATE REQUEST</c> PEM block.</summary>
    public static string CertificationRequestToPem(CertificationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PemWriter.Write("CERTIFICATE REQUEST", request.RawData.Span);
    }

    /// <summary>An <c>X509 CRL</c> PEM block.</summary>
    public static string CrlToPem(CertificateRevocationList crl)
    {
        ArgumentNullException.ThrowIfNull(crl);
        return PemWriter.Write("X509 CRL", crl.RawData.Span);
    }

    /// <summary>
    /// PKCS#8 PEM: <c>PRIVATE KEY</c>, or <c>ENCRYPTED PRIVATE KEY</c> (PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256) when a
    /// password is given.
    /// </summary>
    public static string PrivateKeyToPem(PrivateKey key, string? password = null, int iterations = PrivateKey.DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(key);
        return password is null ? key.ExportPkcs8Pem() : key.ExportEncryptedPkcs8Pem(password, iterations);
    }

    /// <summary>
    /// A PKCS#12 keystore: the chain's certificates (PBES2 AES-256-CBC) and, if given, the key (shrouded with the same
    /// scheme), sealed with an HMAC-SHA256 MAC. The key's certificate goes first and both carry the friendlyName
    /// (alias) and a localKeyId so Java keytool lists a PrivateKeyEntry.
    /// </summary>
    /// <exception cref="MaterialException"><see cref="MaterialErrorCode.KeyCertificateMismatch"/> when no certificate belongs to the key.</exception>
    public static byte[] ToPkcs12(PrivateKey? key, IReadOnlyList<Certificate> certificates, MaterialWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        options ??= new MaterialWriteOptions();
        var password = options.Password ?? string.Empty;
        int iterations = options.Iterations ?? DefaultPkcs12Iterations;
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var (pbe, mac) = Pkcs12Protection(options.Pkcs12Encryption, iterations);

        var ordered = certificates.ToList();
        int leaf = -1;
        if (key is not null)
        {
            if (ordered.Count == 0)
            {
                throw new ArgumentException("a PKCS#12 key entry needs the key's certificate", nameof(certificates));
            }

            leaf = ordered.FindIndex(c => KeyMatch.Matches(key, c));
            if (leaf < 0)
            {
                throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch, "certificate and key do not match: no certificate in the chain belongs to the key");
            }

            var leafCertificate = ordered[leaf];
            ordered.RemoveAt(leaf);
            ordered.Insert(0, leafCertificate);
            leaf = 0;
        }

        var localKeyId = leaf == 0 ? SHA1.HashData(ordered[0].RawData.Span) : null;
        var certificateContents = new Pkcs12SafeContents();
        for (int i = 0; i < ordered.Count; i++)
        {
            var bag = CertificateBag(ordered[i]);
            if (i == leaf)
            {
                AddIdentity(bag, options.FriendlyName, localKeyId!);
            }

            certificateContents.AddSafeBag(bag);
        }

        var builder = new Pkcs12Builder();
        if (ordered.Count > 0)
        {
            builder.AddSafeContentsEncrypted(certificateContents, password, pbe);
        }

        if (key is not null)
        {
            var keyContents = new Pkcs12SafeContents();
            using var algorithm = key.CreateAsymmetricAlgorithm();
            var keyBag = keyContents.AddShroudedKey(algorithm, password, pbe);
            AddIdentity(keyBag, options.FriendlyName, localKeyId!);
            builder.AddSafeContentsUnencrypted(keyContents);
        }

        builder.SealWithMac(password, mac, iterations);
        return builder.Encode();
    }

    /// <summary>
    /// A PKCS#12 truststore: certificates only, each marked trusted for any purpose with the attribute Java reads
    /// (Oracle trustedKeyUsage, OID 2.16.840.1.113894.746875.1.1) so keytool lists trustedCertEntry entries.
    /// Aliases are the certificates' common names in lower case (Java lower-cases aliases), made unique.
    /// </summary>
    public static byte[] ToPkcs12Truststore(IReadOnlyList<Certificate> certificates, MaterialWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count == 0)
        {
            throw new ArgumentException("a truststore needs at least one certificate", nameof(certificates));
        }

        options ??= new MaterialWriteOptions();
        var password = options.Password ?? string.Empty;
        int iterations = options.Iterations ?? DefaultPkcs12Iterations;
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var (pbe, mac) = Pkcs12Protection(options.Pkcs12Encryption, iterations);
        var contents = new Pkcs12SafeContents();
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var certificate in certificates)
        {
            var bag = CertificateBag(certificate);
            var alias = certificate.Subject.CommonName?.ToLowerInvariant() ?? "trusted";
            var unique = alias;
            for (int n = 2; !aliases.Add(unique); n++)
            {
                unique = $"{alias}-{n}";
            }

            var writer = new AsnWriter(AsnEncodingRules.DER);
            writer.WriteCharacterString(UniversalTagNumber.BMPString, unique);
            bag.Attributes.Add(new AsnEncodedData(new Oid(Oids.FriendlyName), writer.Encode()));
            var usage = new AsnWriter(AsnEncodingRules.DER);
            usage.WriteObjectIdentifier(Oids.AnyExtendedKeyUsage);
            bag.Attributes.Add(new AsnEncodedData(new Oid(Oids.OracleTrustedKeyUsage), usage.Encode()));
            contents.AddSafeBag(bag);
        }

        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(contents, password, pbe);
        builder.SealWithMac(password, mac, iterations);
        return builder.Encode();
    }

    // The legacy scheme is pbeWithSHAAnd3-KeyTripleDES-CBC with an HMAC-SHA1 MAC, for readers that know nothing newer.
    private static (PbeParameters Pbe, HashAlgorithmName Mac) Pkcs12Protection(Pkcs12Encryption encryption, int iterations) =>
        encryption == Pkcs12Encryption.LegacyTripleDesSha1
            ? (new PbeParameters(PbeEncryptionAlgorithm.TripleDes3KeyPkcs12, HashAlgorithmName.SHA1, iterations), HashAlgorithmName.SHA1)
            : (new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, iterations), HashAlgorithmName.SHA256);

    /// <summary>
    /// Encodes everything in <paramref name="material"/> for <c>iotcerts convert</c>. DER takes exactly one object;
    /// PKCS#12 takes at most one key.
    /// </summary>
    /// <exception cref="ArgumentException">The material does not fit the format (for example two certificates as DER).</exception>
    /// <exception cref="MaterialException">The key does not belong to any certificate (PKCS#12).</exception>
    public static byte[] Encode(LoadedMaterial material, MaterialOutputFormat format, MaterialWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(material);
        options ??= new MaterialWriteOptions();
        switch (format)
        {
            case MaterialOutputFormat.Pem:
                var builder = new StringBuilder(CertificatesToPem(material.Certificates));
                foreach (var key in material.PrivateKeys)
                {
                    builder.Append(PrivateKeyToPem(key, options.Password, options.Iterations ?? PrivateKey.DefaultIterations));
                }

                foreach (var request in material.CertificationRequests)
                {
                    builder.Append(CertificationRequestToPem(request));
                }

                foreach (var crl in material.Crls)
                {
                    builder.Append(CrlToPem(crl));
                }

                return Encoding.ASCII.GetBytes(builder.ToString());
            case MaterialOutputFormat.Der:
                int count = material.Certificates.Count + material.PrivateKeys.Count + material.CertificationRequests.Count + material.Crls.Count;
                if (count != 1)
                {
                    throw new ArgumentException($"DER holds exactly one object, but the material holds {count}; choose PEM or PKCS#12, or select one object", nameof(material));
                }

                if (material.PrivateKeys.Count == 1)
                {
                    var key = material.PrivateKeys[0];
                    if (options.Password is null)
                    {
                        return key.ExportPkcs8();
                    }

                    using var algorithm = key.CreateAsymmetricAlgorithm();
                    return algorithm.ExportEncryptedPkcs8PrivateKey(options.Password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, options.Iterations ?? PrivateKey.DefaultIterations));
                }

                return (material.Certificates.Count == 1 ? material.Certificates[0].RawData
                    : material.CertificationRequests.Count == 1 ? material.CertificationRequests[0].RawData
                    : material.Crls[0].RawData).ToArray();
            case MaterialOutputFormat.Pkcs12:
                if (material.PrivateKeys.Count > 1)
                {
                    throw new ArgumentException("a PKCS#12 keystore holds one key entry, but the material holds several keys", nameof(material));
                }

                return material.PrivateKeys.Count == 1
                    ? ToPkcs12(material.PrivateKeys[0], material.Certificates, options)
                    : ToPkcs12Truststore(material.Certificates, options);
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> atomically (temporary file, flush, rename): a failure never leaves a
    /// half-written file nor replaces a good one. With <paramref name="holdsPrivateKey"/> the file is created with
    /// mode 0600 before any byte is written.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; the previous file, if any, is unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable; the previous file is unchanged.</exception>
    public static void WriteFile(string path, ReadOnlySpan<byte> content, bool holdsPrivateKey)
    {
        var copy = content.ToArray();
        try
        {
            AtomicFile.Write(path, holdsPrivateKey, stream => stream.Write(copy));
        }
        finally
        {
            if (holdsPrivateKey)
            {
                CryptographicOperations.ZeroMemory(copy);
            }
        }
    }

    /// <summary>Encodes <paramref name="material"/> (see <see cref="Encode"/>) and writes it with <see cref="WriteFile(string, ReadOnlySpan{byte}, bool)"/>.</summary>
    public static void WriteFile(string path, LoadedMaterial material, MaterialOutputFormat format, MaterialWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(material);
        WriteFile(path, Encode(material, format, options), holdsPrivateKey: material.PrivateKeys.Count > 0);
    }

    private static Pkcs12CertBag CertificateBag(Certificate certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(certificate.RawData.Span);
        return new Pkcs12CertBag(new Oid(Oids.Pkcs12X509Certificate), writer.Encode());
    }

    private static void AddIdentity(Pkcs12SafeBag bag, string friendlyName, byte[] localKeyId)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.BMPString, friendlyName);
        bag.Attributes.Add(new AsnEncodedData(new Oid(Oids.FriendlyName), writer.Encode()));
        bag.Attributes.Add(new Pkcs9LocalKeyId(localKeyId));
    }
}
