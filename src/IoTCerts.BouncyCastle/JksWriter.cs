using System.Security.Cryptography;
using IoTCerts.Core;
using IoTCerts.Issuance;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace IoTCerts.BouncyCastle;

/// <summary>Writes JKS keystores (one PrivateKeyEntry with its chain) and truststores (trustedCertEntry per certificate) that keytool lists.</summary>
internal sealed class JksWriter : IKeystoreFormatWriter
{
    public string FormatName => "jks";

    public byte[] CreateKeystore(PrivateKey key, IReadOnlyList<Certificate> chain, string alias, string storePassword, string keyPassword)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentException.ThrowIfNullOrEmpty(alias);
        ArgumentNullException.ThrowIfNull(storePassword);
        ArgumentNullException.ThrowIfNull(keyPassword);
        if (chain.Count == 0)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "a keystore needs at least the certificate of the key");
        }

        if (!chain[0].PublicKey.RawData.Span.SequenceEqual(key.SubjectPublicKeyInfo.Span))
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "certificate and key do not match: the first certificate of the chain must belong to the key");
        }

        var pkcs8 = key.ExportPkcs8();
        try
        {
            var store = new JksStore();
            // Java lower-cases aliases; writing them so keeps keytool -alias lookups working.
            store.SetKeyEntry(alias.ToLowerInvariant(), PrivateKeyFactory.CreateKey(pkcs8), keyPassword.AsSpan(), [.. chain.Select(ToBouncyCastle)]);
            return Save(store, storePassword);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    public byte[] CreateTruststore(IReadOnlyList<Certificate> certificates, string storePassword)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(storePassword);
        if (certificates.Count == 0)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "a truststore needs at least one certificate");
        }

        var store = new JksStore();
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var certificate in certificates)
        {
            var alias = certificate.Subject.CommonName?.ToLowerInvariant() ?? "trusted";
            var unique = alias;
            for (int n = 2; !aliases.Add(unique); n++)
            {
                unique = $"{alias}-{n}";
            }

            store.SetCertificateEntry(unique, ToBouncyCastle(certificate));
        }

        return Save(store, storePassword);
    }

    private static X509Certificate ToBouncyCastle(Certificate certificate) => new(certificate.RawData.ToArray());

    private static byte[] Save(JksStore store, string storePassword)
    {
        using var buffer = new MemoryStream();
        store.Save(buffer, storePassword.AsSpan());
        return buffer.ToArray();
    }
}
