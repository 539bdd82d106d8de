using IoTCerts.Core;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace IoTCerts.BouncyCastle;

/// <summary>
/// Reads Java JKS keystores and truststores (keytool's format before Java 9, still what many guides make): trusted
/// certificates, and key entries with their chains. The store password checks the store's integrity (SHA-1 keyed
/// digest); key entries are protected by their own password, which keytool sets to the store password by default.
/// </summary>
internal sealed class JksReader : IMaterialContainerReader
{
    private static ReadOnlySpan<byte> Magic => [0xFE, 0xED, 0xFE, 0xED];

    public string FormatName => "JKS";

    public bool IsMatch(ReadOnlySpan<byte> data) => data.StartsWith(Magic);

    public IReadOnlyList<ContainerEntry> Read(ReadOnlyMemory<byte> data, string? storePassword, string? keyPassword)
    {
        var bytes = data.ToArray();
        var store = new JksStore();
        try
        {
            // The entries are parsed first, so a corrupt store is Malformed rather than a wrong password.
            store.LoadUnchecked(new MemoryStream(bytes, writable: false));
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException or OverflowException or FormatException or Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Crypto.CryptoException)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the JKS keystore is corrupt: {ex.Message}", ex);
        }

        if (storePassword is not null)
        {
            try
            {
                // The entries parsed, so a failure now is the keyed SHA-1 integrity check: the password (or a tampered store).
                new JksStore().Load(new MemoryStream(bytes, writable: false), storePassword.AsSpan());
            }
            catch (IOException ex)
            {
                throw new MaterialException(MaterialErrorCode.WrongPassphrase, "the JKS store password is wrong (or the keystore was altered): its integrity check fails", ex);
            }
        }

        var entries = new List<ContainerEntry>();
        foreach (var alias in store.Aliases.OrderBy(a => a, StringComparer.Ordinal))
        {
            if (store.IsKeyEntry(alias))
            {
                entries.Add(ReadKeyEntry(store, alias, storePassword, keyPassword));
            }
            else if (store.GetCertificate(alias) is { } certificate)
            {
                entries.Add(new ContainerEntry(alias, [certificate.GetEncoded()], null));
            }
        }

        return entries;
    }

    private static ContainerEntry ReadKeyEntry(JksStore store, string alias, string? storePassword, string? keyPassword)
    {
        if (keyPassword is null)
        {
            throw new MaterialException(MaterialErrorCode.PassphraseRequired, $"the JKS key entry '{alias}' is encrypted: give the store password (and the key password when keytool -keypass set another)");
        }

        AsymmetricKeyParameter key;
        try
        {
            key = store.GetKey(alias, keyPassword.AsSpan());
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or CryptoException or SecurityUtilityException or InvalidCastException)
        {
            throw new MaterialException(
                MaterialErrorCode.WrongPassphrase,
                storePassword == keyPassword
                    ? $"the password does not decrypt the JKS key entry '{alias}' (its key password differs from the store password: give it as the key password)"
                    : $"the key password does not decrypt the JKS key entry '{alias}'",
                ex);
        }

        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        var chain = store.GetCertificateChain(alias) ?? [];
        return new ContainerEntry(alias, [.. chain.Select(c => (ReadOnlyMemory<byte>)c.GetEncoded())], pkcs8);
    }
}
