using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace IoTCerts.Est.Server;

/// <summary>What an approval policy decided for one enrollment.</summary>
public enum EstApprovalState
{
    /// <summary>Issue now.</summary>
    Approved,

    /// <summary>Answer 202 with Retry-After; the client resends the same request (RFC 7030 section 4.2.3).</summary>
    Pending,

    /// <summary>Answer 403.</summary>
    Rejected,
}

/// <summary>Decides whether an authorized enrollment is issued now, later (manual approval) or never.</summary>
public interface IEstApprovalPolicy
{
    /// <summary>Evaluates one (re)sent request; <paramref name="requestId"/> is stable across resends of the same key.</summary>
    ValueTask<(EstApprovalState State, TimeSpan RetryAfter)> EvaluateAsync(string requestId, EstRequestContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Manual approval: every new request is pending until an operator calls <see cref="Approve"/> (or <see cref="Reject"/>)
/// with its id (the SHA-256 of the request's public key, hex). Thread-safe.
/// </summary>
public sealed class ManualApprovalQueue : IEstApprovalPolicy
{
    private readonly ConcurrentDictionary<string, EstApprovalState> _states = new(StringComparer.Ordinal);

    /// <summary>The Retry-After sent with 202.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The ids of requests waiting for a decision.</summary>
    public IReadOnlyList<string> Pending => [.. _states.Where(p => p.Value == EstApprovalState.Pending).Select(p => p.Key)];

    /// <summary>Approves a pending request; false when unknown.</summary>
    public bool Approve(string requestId) => _states.TryUpdate(requestId, EstApprovalState.Approved, EstApprovalState.Pending);

    /// <summary>Rejects a pending request; false when unknown.</summary>
    public bool Reject(string requestId) => _states.TryUpdate(requestId, EstApprovalState.Rejected, EstApprovalState.Pending);

    /// <inheritdoc/>
    public ValueTask<(EstApprovalState State, TimeSpan RetryAfter)> EvaluateAsync(string requestId, EstRequestContext context, CancellationToken cancellationToken)
    {
        var state = _states.GetOrAdd(requestId, EstApprovalState.Pending);
        if (state == EstApprovalState.Approved)
        {
            _states.TryRemove(requestId, out _);
        }

        return ValueTask.FromResult((state, RetryAfter));
    }

    internal static string IdOf(System.Security.Cryptography.X509Certificates.PublicKey publicKey) =>
        Convert.ToHexString(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo())).ToLowerInvariant();
}
