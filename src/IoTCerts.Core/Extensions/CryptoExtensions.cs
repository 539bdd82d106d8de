using System.Collections.Immutable;

namespace IoTCerts.Core;

/// <summary>
/// Verifies signatures of an algorithm that IoTCerts.Core does not verify with System.Security.Cryptography itself
/// (Ed25519 and Ed448 on OpenSSL 3.0, for example). Core keeps RSA and ECDSA; an optional package such as
/// IoTCerts.BouncyCastle registers the others with <see cref="CryptoExtensions.Register(ISignatureAlgorithmVerifier)"/>.
/// Implementations must be thread-safe and must return <see langword="false"/> (never throw) for a bad signature or key.
/// </summary>
public interface ISignatureAlgorithmVerifier
{
    /// <summary>Whether this verifier handles signatures with the AlgorithmIdentifier OID <paramref name="signatureAlgorithmOid"/>.</summary>
    bool Supports(string signatureAlgorithmOid);

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="signedData"/> with the public key.</summary>
    /// <param name="signatureAlgorithmOid">The signature AlgorithmIdentifier OID (one <see cref="Supports"/> accepted).</param>
    /// <param name="parameters">The DER parameters of the AlgorithmIdentifier, empty when absent.</param>
    /// <param name="subjectPublicKeyInfo">The signer's DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).</param>
    /// <param name="signedData">The signed bytes (a TBSCertificate, TBSCertList or CertificationRequestInfo).</param>
    /// <param name="signature">The signature value (the BIT STRING's content without the unused-bits byte).</param>
    /// <returns>True only when the signature is valid for the key, the algorithm and the data.</returns>
    bool Verify(string signatureAlgorithmOid, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> subjectPublicKeyInfo, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature);
}

/// <summary>
/// Reads a keystore format that IoTCerts.Core does not parse itself (Java's JKS, for example). <see cref="MaterialLoader"/>
/// asks every registered reader whether the bytes are its format (by content, never by file name) before trying PEM
/// and DER, and turns what the reader returns into the usual certificates and keys.
/// </summary>
public interface IMaterialContainerReader
{
    /// <summary>The format's name, for messages and <see cref="MaterialOrigin.Protection"/> (for example <c>JKS</c>).</summary>
    string FormatName { get; }

    /// <summary>Whether the bytes start the way this format does (for JKS the magic number 0xFEEDFEED).</summary>
    bool IsMatch(ReadOnlySpan<byte> data);

    /// <summary>Reads every entry.</summary>
    /// <param name="data">The whole input.</param>
    /// <param name="storePassword">The store password, or null (certificates may then be read without the integrity check).</param>
    /// <param name="keyPassword">The password of key entries (keytool's <c>-keypass</c>; the store password unless set), or null.</param>
    /// <exception cref="MaterialException">
    /// The store is corrupt (<see cref="MaterialErrorCode.Malformed"/>), needs a password (<see cref="MaterialErrorCode.PassphraseRequired"/>)
    /// or the password is wrong (<see cref="MaterialErrorCode.WrongPassphrase"/>).
    /// </exception>
    IReadOnlyList<ContainerEntry> Read(ReadOnlyMemory<byte> data, string? storePassword, string? keyPassword);
}

/// <summary>One entry of a keystore read by an <see cref="IMaterialContainerReader"/>.</summary>
/// <param name="Alias">The entry's alias.</param>
/// <param name="Certificates">DER certificates: the chain, leaf first, for a key entry; the one certificate of a trusted entry.</param>
/// <param name="Pkcs8PrivateKey">The unencrypted PKCS#8 private key of a key entry, or null for a trusted certificate.</param>
public sealed record ContainerEntry(string Alias, IReadOnlyList<ReadOnlyMemory<byte>> Certificates, ReadOnlyMemory<byte>? Pkcs8PrivateKey);

/// <summary>
/// The registry of optional cryptography that plugs into Core: signature verifiers for algorithms beyond RSA and ECDSA,
/// and keystore readers beyond PEM/DER/PKCS#7/PKCS#12. Registration is explicit (no reflection, AOT-friendly),
/// idempotent per implementation type, and thread-safe; registered items apply to every validator and loader in the process.
/// </summary>
public static class CryptoExtensions
{
    private static ImmutableArray<ISignatureAlgorithmVerifier> s_verifiers = [];
    private static ImmutableArray<IMaterialContainerReader> s_readers = [];

    /// <summary>Adds a signature verifier; a second instance of the same type is ignored.</summary>
    public static void Register(ISignatureAlgorithmVerifier verifier)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ImmutableInterlocked.Update(ref s_verifiers, list => list.Any(v => v.GetType() == verifier.GetType()) ? list : list.Add(verifier));
    }

    /// <summary>Adds a keystore reader; a second instance of the same type is ignored.</summary>
    public static void Register(IMaterialContainerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ImmutableInterlocked.Update(ref s_readers, list => list.Any(r => r.GetType() == reader.GetType()) ? list : list.Add(reader));
    }

    /// <summary>Whether some registered verifier handles the signature algorithm <paramref name="signatureAlgorithmOid"/>.</summary>
    public static bool CanVerify(string signatureAlgorithmOid)
    {
        ArgumentNullException.ThrowIfNull(signatureAlgorithmOid);
        return Find(signatureAlgorithmOid) is not null;
    }

    /// <summary>The keystore formats registered, by name (for example <c>JKS</c>).</summary>
    public static IReadOnlyList<string> ContainerFormats => [.. s_readers.Select(r => r.FormatName)];

    internal static ISignatureAlgorithmVerifier? Find(string signatureAlgorithmOid)
    {
        foreach (var verifier in s_verifiers)
        {
            if (verifier.Supports(signatureAlgorithmOid))
            {
                return verifier;
            }
        }

        return null;
    }

    internal static IMaterialContainerReader? FindReader(ReadOnlySpan<byte> data)
    {
        foreach (var reader in s_readers)
        {
            if (reader.IsMatch(data))
            {
                return reader;
            }
        }

        return null;
    }

    /// <summary>Verifies through a registered verifier; false when none handles the algorithm or it throws.</summary>
    internal static bool Verify(string oid, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> spki, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
    {
        if (Find(oid) is not { } verifier)
        {
            return false;
        }

        try
        {
            return verifier.Verify(oid, parameters, spki, signedData, signature);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A third-party verifier that throws on hostile input still means "not verified", never a crash.
            return false;
        }
    }
}
