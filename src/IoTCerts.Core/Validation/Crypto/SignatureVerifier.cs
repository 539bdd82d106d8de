using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>A SHA-256 digest as a value (no allocation as a dictionary key).</summary>
internal readonly record struct Sha256Key(ulong A, ulong B, ulong C, ulong D)
{
    public static Sha256Key Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return FromHash(hash);
    }

    public static Sha256Key FromHash(ReadOnlySpan<byte> hash)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(hash);
        return new Sha256Key(words[0], words[1], words[2], words[3]);
    }
}

/// <summary>
/// Verifies issuer→subject signatures with System.Security.Cryptography and remembers two things, both keyed by
/// content hashes so a forged certificate with the same names never hits: imported issuer public keys (by SPKI
/// hash) and verified edges (issuer SPKI hash + subject certificate hash). Both caches are bounded and thread-safe;
/// a full cache is cleared rather than grown, which keeps the bound without per-entry bookkeeping on the hot path.
/// </summary>
internal sealed class SignatureVerifier(int capacity)
{
    private readonly ConcurrentDictionary<Sha256Key, AsymmetricAlgorithm?> _keys = new();
    private readonly ConcurrentDictionary<(Sha256Key Issuer, Sha256Key Subject), bool> _edges = new();

    // Trust anchors' keys, imported once when the validator is built (importing a key costs OpenSSL 3 more than a
    // verification); never evicted, since the anchor set is fixed for the validator's lifetime.
    private readonly Dictionary<Sha256Key, AsymmetricAlgorithm?> _anchorKeys = [];

    /// <summary>Imports an anchor's key ahead of time; not thread-safe, call from the validator's constructor only.</summary>
    public void AddAnchor(CertificateFacts anchor)
    {
        if (!_anchorKeys.ContainsKey(anchor.SpkiHash))
        {
            _anchorKeys[anchor.SpkiHash] = Import(anchor);
        }
    }

    /// <summary>Forgets learned keys and edges (not the anchors'): the state of a validator that has seen nothing yet.</summary>
    public void ForgetLearned()
    {
        _keys.Clear();
        _edges.Clear();
    }

    /// <summary>The result of checking one edge.</summary>
    public enum Outcome
    {
        Valid,
        Invalid,
        BudgetExceeded,
    }

    /// <param name="issuer">The candidate issuer.</param>
    /// <param name="subject">The certificate whose signature is checked.</param>
    /// <param name="remember">Whether a valid edge is cached: true for CA subjects (the issuer hierarchy is small and
    /// reused); false for end entities, which are many and seen once each.</param>
    /// <param name="budget">Charged for each verification actually performed.</param>
    public Outcome Verify(CertificateFacts issuer, CertificateFacts subject, bool remember, ref ValidationBudgetCounter budget)
    {
        var edge = remember ? (issuer.SpkiHash, subject.ContentKey) : default;
        if (remember && _edges.ContainsKey(edge))
        {
            CoreDiagnostics.SignatureCacheHit();
            return Outcome.Valid;
        }

        if (!budget.ChargeSignature())
        {
            return Outcome.BudgetExceeded;
        }

        if (!VerifyUncached(issuer, subject))
        {
            return Outcome.Invalid;
        }

        if (remember)
        {
            if (_edges.Count >= capacity)
            {
                _edges.Clear();
            }

            _edges.TryAdd(edge, true);
        }

        return Outcome.Valid;
    }

    private readonly StripedCounter _verifications = new();

    /// <summary>Signature verifications actually performed (cache hits excluded): lets tests show what the caches save.</summary>
    public long Verifications => _verifications.Sum();

    private bool VerifyUncached(CertificateFacts issuer, CertificateFacts subject)
    {
        _verifications.Increment();
        var algorithm = subject.SignatureAlgorithm;
        if (algorithm.Scheme == SignatureScheme.External)
        {
            // The OID and parameters come from the model (kept off the facts struct, which every warm validation carries).
            var external = subject.Certificate.SignatureAlgorithm;
            return CryptoExtensions.Verify(external.Oid, external.Parameters.Span, issuer.SubjectPublicKeyInfo.Span, subject.Tbs.Span, subject.SignatureValue.Span);
        }

        var key = ImportKey(issuer);
        try
        {
            return (algorithm.Scheme, key) switch
            {
                _ when algorithm.Hash.Name is null => false,
                (SignatureScheme.RsaPkcs1, RSA rsa) => rsa.VerifyData(subject.Tbs.Span, subject.SignatureValue.Span, algorithm.Hash, RSASignaturePadding.Pkcs1),
                (SignatureScheme.RsaPss, RSA rsa) => algorithm.PssSaltLength == HashLength(algorithm.Hash)
                    && rsa.VerifyData(subject.Tbs.Span, subject.SignatureValue.Span, algorithm.Hash, RSASignaturePadding.Pss),
                (SignatureScheme.Ecdsa, ECDsa ec) => EcdsaDerSignature.FieldSizeOf(issuer.PublicKey.CurveOid) is > 0 and var fieldSize
                    ? EcdsaDerSignature.Verify(ec, subject.Tbs.Span, subject.SignatureValue.Span, algorithm.Hash, fieldSize)
                    : ec.VerifyData(subject.Tbs.Span, subject.SignatureValue.Span, algorithm.Hash, DSASignatureFormat.Rfc3279DerSequence),
                _ => false,
            };
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or NotSupportedException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    // .NET's RSA-PSS verification uses a salt as long as the hash, the length RFC 4055 and the CA/B Forum require.
    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 20;

    private AsymmetricAlgorithm? ImportKey(CertificateFacts issuer)
    {
        if (_anchorKeys.TryGetValue(issuer.SpkiHash, out var anchorKey) || _keys.TryGetValue(issuer.SpkiHash, out anchorKey))
        {
            return anchorKey;
        }

        var key = Import(issuer);
        if (_keys.Count >= capacity)
        {
            // Keys still in use by another thread stay alive until collected; dropping them from the cache is enough.
            _keys.Clear();
        }

        var stored = _keys.GetOrAdd(issuer.SpkiHash, key);
        if (!ReferenceEquals(stored, key))
        {
            key?.Dispose();
        }

        return stored;
    }

    private static AsymmetricAlgorithm? Import(CertificateFacts issuer)
    {
        AsymmetricAlgorithm? key = null;
        try
        {
            key = issuer.PublicKey.Algorithm switch
            {
                // Refused before import: the import and every verification with such a key cost seconds (issue 17).
                PublicKeyKind.Rsa when issuer.PublicKey.BoundsViolation is not null => null,
                PublicKeyKind.Rsa => RSA.Create(),
                PublicKeyKind.EllipticCurve when !issuer.PublicKey.ExplicitCurve => ECDsa.Create(),
                _ => null,
            };
            key?.ImportSubjectPublicKeyInfo(issuer.SubjectPublicKeyInfo.Span, out _);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or NotSupportedException or PlatformNotSupportedException)
        {
            key?.Dispose();
            key = null;
        }

        return key;
    }
}
