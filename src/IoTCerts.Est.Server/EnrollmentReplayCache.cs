using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Server;

/// <summary>
/// Makes enrollment idempotent for a while: the same CSR bytes from the same authenticated client (TLS certificate or
/// Basic user) on the same operation and label get the certificate issued the first time, instead of a second issue
/// that the CA's unique-commonName rule would refuse. A device whose response was lost (connection dropped, client
/// gave up on the framing) retries exactly that request, so the issued certificate is never lost.
/// </summary>
/// <remarks>Thread-safe. Bounded: expired entries are dropped first, then the oldest.</remarks>
internal sealed class EnrollmentReplayCache(TimeSpan window, int capacity, TimeProvider clock)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The key of one request: who asked, where, and the exact CSR.</summary>
    public static string KeyOf(EstRequestContext context, ReadOnlySpan<byte> csrDer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var who = context.ClientCertificate is { } certificate
            ? "cert:" + Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256))
            : "user:" + (context.UserName ?? string.Empty);
        hash.AppendData(Encoding.UTF8.GetBytes($"{context.Operation}\n{context.Label}\n{who}\n"));
        hash.AppendData(csrDer);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>
    /// The certificates already issued for <paramref name="key"/>, or those <paramref name="issue"/> issues now (once,
    /// even when the retry races the first request).
    /// </summary>
    public async Task<(X509Certificate2Collection Certificates, bool Replayed)> GetOrIssueAsync(string key, Func<Task<X509Certificate2Collection>> issue)
    {
        if (window <= TimeSpan.Zero)
        {
            return (await issue().ConfigureAwait(false), false);
        }

        Entry entry;
        bool first;
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            first = !_entries.TryGetValue(key, out entry!) || entry.Expires <= now || entry.Failed;
            if (first)
            {
                Trim(now);
                entry = new Entry(now + window);
                _entries[key] = entry;
            }
        }

        if (!first)
        {
            return (await entry.Result.Task.ConfigureAwait(false), true);
        }

        try
        {
            var issued = await issue().ConfigureAwait(false);
            entry.Result.TrySetResult(issued);
            return (issued, false);
        }
        catch (Exception ex)
        {
            // A refusal is not cached: the same request may succeed later (approval, operator fixed the CA).
            entry.Failed = true;
            entry.Result.TrySetException(ex);
            throw;
        }
    }

    private void Trim(DateTimeOffset now)
    {
        if (_entries.Count < capacity)
        {
            return;
        }

        foreach (var stale in _entries.Where(e => e.Value.Expires <= now || e.Value.Failed).Select(e => e.Key).ToList())
        {
            _entries.Remove(stale);
        }

        if (_entries.Count >= capacity)
        {
            foreach (var oldest in _entries.OrderBy(e => e.Value.Expires).Take(_entries.Count - capacity + 1).Select(e => e.Key).ToList())
            {
                _entries.Remove(oldest);
            }
        }
    }

    private sealed class Entry(DateTimeOffset expires)
    {
        public DateTimeOffset Expires { get; } = expires;

        public TaskCompletionSource<X509Certificate2Collection> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private volatile bool _failed;

        public bool Failed
        {
            get => _failed;
            set => _failed = value;
        }
    }
}
