using System.Runtime.CompilerServices;

namespace IoTCerts.Core;

/// <summary>
/// Validates certificate chains against a fixed set of trust anchors (R-10..R-15): builds a path from the end
/// entity through an unordered bag of untrusted intermediates to a trust anchor (a root, or an intermediate for
/// a partial chain), and applies RFC 5280 §6.1 with the policy's algorithm, depth and budget limits.
/// </summary>
/// <remarks>
/// Thread-safe and meant to be reused: it caches what it learnt about certificates, imported issuer public keys
/// and verified issuer→subject signatures (bounded; keyed by content hashes), so validating a new end entity under
/// known intermediates costs about one signature verification. An invalid chain is a result
/// (<see cref="ChainValidationResult.IsValid"/> false), never an exception. Core does no I/O: time comes from the
/// <see cref="ValidationContext"/> or the <see cref="TimeProvider"/>, revocation from an <see cref="IRevocationChecker"/>.
/// </remarks>
public sealed class ChainValidator
{
    private const int CacheCapacity = 4096;

    private readonly ConditionalWeakTable<Certificate, CertificateFacts> _facts = new();
    private readonly HashSet<Sha256Key> _anchorKeys = [];
    private readonly HashSet<ReadOnlyMemory<byte>> _anchorRawSubjects = new(RawNameComparer.Instance);
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a validator trusting <paramref name="trustAnchors"/>.</summary>
    /// <param name="trustAnchors">Trusted CA certificates: roots, or intermediates where trust may stop (partial chain).</param>
    /// <param name="policy">The rules to apply; <see cref="ChainPolicy.Default"/> when null.</param>
    /// <param name="revocationChecker">Checks each certificate of a chain that is otherwise valid; none when null.</param>
    /// <param name="timeProvider">The clock used when a validation gives no explicit time; <see cref="TimeProvider.System"/> when null.</param>
    public ChainValidator(IEnumerable<Certificate> trustAnchors, ChainPolicy? policy = null, IRevocationChecker? revocationChecker = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        Policy = policy ?? ChainPolicy.Default;
        RevocationChecker = revocationChecker;
        _timeProvider = timeProvider ?? TimeProvider.System;
        var anchors = new List<Certificate>();
        AnchorsBySubject = new Dictionary<ReadOnlyMemory<byte>, List<CertificateFacts>>(RawNameComparer.Instance);
        foreach (var anchor in trustAnchors)
        {
            ArgumentNullException.ThrowIfNull(anchor, nameof(trustAnchors));
            var facts = FactsOf(anchor);
            if (!_anchorKeys.Add(facts.ContentKey))
            {
                continue;
            }

            anchors.Add(anchor);
            _anchorRawSubjects.Add(facts.Subject);
            if (!AnchorsBySubject.TryGetValue(facts.CanonicalSubject, out var list))
            {
                AnchorsBySubject[facts.CanonicalSubject] = list = [];
            }

            list.Add(facts);
        }

        TrustAnchors = anchors;
        Verifier = new SignatureVerifier(CacheCapacity);
        foreach (var list in AnchorsBySubject.Values)
        {
            foreach (var facts in list)
            {
                Verifier.AddAnchor(facts);
            }
        }
    }

    /// <summary>The trust anchors (duplicates removed).</summary>
    public IReadOnlyList<Certificate> TrustAnchors { get; }

    /// <summary>The policy applied to every chain.</summary>
    public ChainPolicy Policy { get; }

    internal IRevocationChecker? RevocationChecker { get; }

    /// <summary>Trust anchors by the RFC 5280 §7.1 canonical form of their subject (<see cref="NameComparison"/>).</summary>
    internal Dictionary<ReadOnlyMemory<byte>, List<CertificateFacts>> AnchorsBySubject { get; }

    internal SignatureVerifier Verifier { get; }

    /// <summary>Validates <paramref name="endEntity"/> with the current time and any purpose.</summary>
    public ChainValidationResult Validate(Certificate endEntity, IEnumerable<Certificate>? untrustedIntermediates = null) =>
        Validate(endEntity, untrustedIntermediates, ValidationContext.Default);

    /// <summary>Builds and validates a chain for <paramref name="endEntity"/>.</summary>
    /// <param name="endEntity">The certificate to validate (a device or server certificate).</param>
    /// <param name="untrustedIntermediates">Candidate intermediates in any order; duplicates, extras and a copy of the end entity or of an anchor are fine.</param>
    /// <param name="context">Validation time, purpose and expected peer name.</param>
    /// <returns>The result; invalid chains are results, not exceptions.</returns>
    public ChainValidationResult Validate(Certificate endEntity, IEnumerable<Certificate>? untrustedIntermediates, ValidationContext context) =>
        Validate(endEntity, untrustedIntermediates, context, checkRevocation: true);

    // checkRevocation false: the path of a CRL issuer (RFC 5280 §6.3.3 (f)), validated without revocation of its own
    // so that a CRL signer's check cannot recurse.
    internal ChainValidationResult Validate(Certificate endEntity, IEnumerable<Certificate>? untrustedIntermediates, ValidationContext context, bool checkRevocation)
    {
        ArgumentNullException.ThrowIfNull(endEntity);
        ArgumentNullException.ThrowIfNull(context);
        var at = context.ValidationTime ?? _timeProvider.GetUtcNow();

        // RFC 5280 times have one-second granularity: compare at the granularity of the encoding (floor).
        at = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        // End entities are many and seen once: their facts are not kept (intermediates' and anchors' are).
        var leaf = CertificateFacts.Read(endEntity);
        var search = PathSearch.Rent(this, context, at, checkRevocation);
        ChainValidationResult result;
        try
        {
            if (untrustedIntermediates is IReadOnlyList<Certificate> list)
            {
                // Indexed: enumerating an array through IEnumerable<T> would allocate an enumerator per validation.
                for (var i = 0; i < list.Count; i++)
                {
                    AddCandidate(search, list[i], endEntity);
                }
            }
            else if (untrustedIntermediates is not null)
            {
                foreach (var certificate in untrustedIntermediates)
                {
                    AddCandidate(search, certificate, endEntity);
                }
            }

            result = search.Run(leaf);
        }
        finally
        {
            search.Return();
        }

        CoreDiagnostics.ChainValidated(result.IsValid);
        return result;
    }

    /// <summary>Forgets every learned issuer key and verified edge (benchmarks: the cold state with anchors configured).</summary>
    internal void ForgetLearned() => Verifier.ForgetLearned();

    private void AddCandidate(PathSearch search, Certificate? certificate, Certificate endEntity)
    {
        if (certificate is null || ReferenceEquals(certificate, endEntity) || certificate.RawData.Span.SequenceEqual(endEntity.RawData.Span))
        {
            return;
        }

        var facts = FactsOf(certificate);
        if (!_anchorKeys.Contains(facts.ContentKey))
        {
            search.AddIntermediate(facts);
        }
    }

    // Hashing the end entity is only worth it when some anchor has its subject name (byte for byte: a pinned
    // certificate is the same bytes, so the same encoding of its name).
    internal bool IsTrustAnchor(CertificateFacts facts) => _anchorRawSubjects.Contains(facts.Subject) && _anchorKeys.Contains(facts.ContentKey);

    // Facts are read once per Certificate instance (Certificate is immutable); the table lets them go with it.
    private CertificateFacts FactsOf(Certificate certificate) => _facts.GetValue(certificate, CertificateFacts.Read);
}
