using System.Collections.Immutable;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>
/// Writes keystores and truststores in a format beyond PKCS#12 (Java's JKS, for example). An optional package
/// (IoTCerts.BouncyCastle) registers one with <see cref="KeystoreFormats.Register"/>; Issuance writes PKCS#12 itself
/// (<see cref="Pkcs12Files"/>). Implementations must be thread-safe.
/// </summary>
public interface IKeystoreFormatWriter
{
    /// <summary>The format's name as the CLI spells it (for example <c>jks</c>), compared without case.</summary>
    string FormatName { get; }

    /// <summary>A keystore with one key entry holding <paramref name="key"/> and its chain, leaf first.</summary>
    /// <param name="key">The private key of the entry.</param>
    /// <param name="chain">The chain, leaf first; the leaf belongs to the key.</param>
    /// <param name="alias">The entry's alias.</param>
    /// <param name="storePassword">The password of the store (its integrity check).</param>
    /// <param name="keyPassword">The password of the key entry (keytool uses the store password unless told otherwise).</param>
    byte[] CreateKeystore(PrivateKey key, IReadOnlyList<Certificate> chain, string alias, string storePassword, string keyPassword);

    /// <summary>A truststore: one trusted-certificate entry per certificate, aliases made unique.</summary>
    byte[] CreateTruststore(IReadOnlyList<Certificate> certificates, string storePassword);
}

/// <summary>The registered <see cref="IKeystoreFormatWriter"/>s. Registration is explicit, idempotent per format name and thread-safe.</summary>
public static class KeystoreFormats
{
    private static ImmutableArray<IKeystoreFormatWriter> s_writers = [];

    /// <summary>Adds a writer; a second writer for a format name already registered is ignored.</summary>
    public static void Register(IKeystoreFormatWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ImmutableInterlocked.Update(ref s_writers, list => list.Any(w => string.Equals(w.FormatName, writer.FormatName, StringComparison.OrdinalIgnoreCase)) ? list : list.Add(writer));
    }

    /// <summary>The writer for <paramref name="formatName"/>.</summary>
    /// <exception cref="IssuanceException">No writer for that format is registered (<see cref="IssuanceErrorCode.InvalidOption"/>).</exception>
    public static IKeystoreFormatWriter Get(string formatName)
    {
        ArgumentNullException.ThrowIfNull(formatName);
        foreach (var writer in s_writers)
        {
            if (string.Equals(writer.FormatName, formatName, StringComparison.OrdinalIgnoreCase))
            {
                return writer;
            }
        }

        throw new IssuanceException(
            IssuanceErrorCode.InvalidOption,
            string.Equals(formatName, "jks", StringComparison.OrdinalIgnoreCase)
                ? "writing JKS needs the IoTCerts.BouncyCastle package (call IoTCertsBouncyCastle.Register() once at start-up)"
                : $"no keystore writer for the format '{formatName}' is registered");
    }
}
