using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using IoTCerts.Core;

namespace IoTCerts.Revocation.Online;

/// <summary>
/// Downloads CRLs from CRL distribution points (R-13: plain http on any port, https allowed) with a timeout, a size
/// cap and a redirect cap, and keeps each CRL until its nextUpdate. Thread-safe: concurrent requests for the same
/// location share one download; failures are remembered for <see cref="CrlFetcherOptions.FailureRetention"/>.
/// </summary>
/// <remarks>
/// Works with a plain <see cref="HttpClient"/> or one from <c>IHttpClientFactory</c> (pass
/// <c>() =&gt; factory.CreateClient("crl")</c>); give it a handler from <see cref="CreateHandler"/> so redirects are
/// counted here. The fetcher does not verify CRLs: <see cref="CrlRevocationChecker"/> does.
/// </remarks>
public sealed class CrlFetcher : ICrlSource
{
    private static readonly MediaTypeWithQualityHeaderValue s_pkixCrl = new("application/pkix-crl");

    private readonly Func<HttpClient> _client;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private int _downloads;

    /// <summary>Creates a fetcher that uses one long-lived client.</summary>
    public CrlFetcher(HttpClient httpClient, CrlFetcherOptions? options = null, TimeProvider? timeProvider = null)
        : this(ClientOf(httpClient), options, timeProvider)
    {
    }

    /// <summary>Creates a fetcher that asks <paramref name="httpClientFactory"/> for a client per download (for example <c>IHttpClientFactory.CreateClient</c>).</summary>
    public CrlFetcher(Func<HttpClient> httpClientFactory, CrlFetcherOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _client = httpClientFactory;
        Options = options ?? CrlFetcherOptions.Default;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The limits.</summary>
    public CrlFetcherOptions Options { get; }

    /// <summary>How many downloads were started (cache hits and shared downloads are not counted).</summary>
    public int DownloadCount => Volatile.Read(ref _downloads);

    /// <summary>A handler suited to CRL downloads: no automatic redirects (the fetcher counts them), no cookies, no proxy credentials.</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    /// <summary>True for an absolute http or https URI (LDAP and file locations are not fetched).</summary>
    public static bool IsFetchable(string uri) => CrlLocations.IsFetchable(uri);

    /// <summary>The cached, unexpired result for <paramref name="uri"/>, without any I/O.</summary>
    public bool TryGetCached(string uri, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CrlFetchResult? result)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (_cache.TryGetValue(uri, out var entry) && entry.Completed is { } done && entry.ExpiresAt > _time.GetUtcNow())
        {
            result = done;
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>
    /// The CRL at <paramref name="uri"/>: from the cache while it is fresh, otherwise downloaded (one download per
    /// location however many callers ask at once). Never throws for network or content problems: they are results.
    /// </summary>
    /// <param name="uri">An http or https distribution point.</param>
    /// <param name="cancellationToken">Stops waiting; a download shared with other callers continues.</param>
    /// <exception cref="ArgumentException">The URI is not http or https.</exception>
    public async Task<CrlFetchResult> FetchAsync(string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!IsFetchable(uri))
        {
            throw new ArgumentException($"{uri} is not an http or https location", nameof(uri));
        }

        while (true)
        {
            if (_cache.TryGetValue(uri, out var existing))
            {
                if (existing.Completed is null || existing.ExpiresAt > _time.GetUtcNow())
                {
                    return await existing.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                var renewed = new Entry();
                if (_cache.TryUpdate(uri, renewed, existing))
                {
                    return await Start(uri, renewed).WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            Trim();
            var entry = new Entry();
            if (_cache.TryAdd(uri, entry))
            {
                return await Start(uri, entry).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Func<HttpClient> ClientOf(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return () => client;
    }

    private Task<CrlFetchResult> Start(string uri, Entry entry)
    {
        Interlocked.Increment(ref _downloads);
        _ = Task.Run(async () =>
        {
            CrlFetchResult result;
            try
            {
                result = await DownloadTracedAsync(uri).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or UriFormatException or ObjectDisposedException or OperationCanceledException)
            {
                // A misconfigured client (disposed, wrong handler) must not leave the callers sharing this download waiting.
                result = Failure(uri, CrlFetchStatus.Unreachable, null, $"CRL location not reachable: {uri}: {ex.Message}");
            }

            var now = _time.GetUtcNow();
            entry.ExpiresAt = result.Crl is { } crl
                ? (crl.NextUpdate is { } next && next > now ? next : crl.NextUpdate is null ? now + Options.LifetimeWithoutNextUpdate : now + Options.FailureRetention)
                : now + Options.FailureRetention;
            entry.Complete(result);
        });
        return entry.Task;
    }

    // A full cache first drops what has expired; if that is not enough it starts again (bounded memory, no LRU bookkeeping).
    private void Trim()
    {
        if (_cache.Count < Options.MaxCacheEntries)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var pair in _cache)
        {
            if (pair.Value.Completed is not null && pair.Value.ExpiresAt <= now)
            {
                _cache.TryRemove(pair);
            }
        }

        if (_cache.Count >= Options.MaxCacheEntries)
        {
            foreach (var pair in _cache)
            {
                if (pair.Value.Completed is not null)
                {
                    _cache.TryRemove(pair);
                }
            }
        }
    }

    // A span and a counted result per network download (cache answers are not downloads).
    private async Task<CrlFetchResult> DownloadTracedAsync(string uri)
    {
        using var activity = OnlineRevocationDiagnostics.ActivitySource.StartActivity("iotcerts.crl.fetch", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("url.full", uri);
        var result = await DownloadAsync(uri).ConfigureAwait(false);
        OnlineRevocationDiagnostics.CrlFetched(result.Status);
        if (activity is not null)
        {
            activity.SetTag(OnlineRevocationDiagnostics.ResultTag, result.Status.ToString().ToLowerInvariant());
            if (result.Status != CrlFetchStatus.Fetched)
            {
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Status.ToString());
            }
        }

        return result;
    }

    private async Task<CrlFetchResult> DownloadAsync(string uri)
    {
        using var timeout = new CancellationTokenSource(Options.Timeout, _time);
        var location = new Uri(uri);
        int? status = null;
        try
        {
            var client = _client();
            for (var redirects = 0; ; redirects++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, location);
                request.Headers.Accept.Add(s_pkixCrl);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (status is >= 300 and < 400 && response.Headers.Location is { } next)
                {
                    var target = next.IsAbsoluteUri ? next : new Uri(location, next);
                    if (redirects >= Options.MaxRedirects || (target.Scheme != System.Uri.UriSchemeHttp && target.Scheme != System.Uri.UriSchemeHttps))
                    {
                        return Failure(uri, CrlFetchStatus.TooManyRedirects, status, $"CRL location not reachable: {uri} redirects more than {Options.MaxRedirects} times or to a location that is not http/https");
                    }

                    location = target;
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return Failure(uri, CrlFetchStatus.HttpError, status, $"CRL location not reachable: {uri} answered HTTP {status} {response.ReasonPhrase}");
                }

                if (response.Content.Headers.ContentLength > Options.MaxCrlSize)
                {
                    return Failure(uri, CrlFetchStatus.TooLarge, status, $"the CRL at {uri} is larger than the {Options.MaxCrlSize}-byte cap");
                }

                var body = await ReadBoundedAsync(response.Content, timeout.Token).ConfigureAwait(false);
                if (body is null)
                {
                    return Failure(uri, CrlFetchStatus.TooLarge, status, $"the CRL at {uri} is larger than the {Options.MaxCrlSize}-byte cap");
                }

                return Parse(uri, body, status);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Failure(uri, CrlFetchStatus.TimedOut, status, $"CRL location not reachable: {uri} did not answer within {Options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return Failure(uri, CrlFetchStatus.Unreachable, status, $"CRL location not reachable: {uri}: {ex.Message}");
        }
        catch (IOException ex)
        {
            return Failure(uri, CrlFetchStatus.Unreachable, status, $"CRL location not reachable: {uri}: {ex.Message}");
        }
    }

    private async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await BoundedStreamReader.ReadToEndAsync(stream, Options.MaxCrlSize, cancellationToken).ConfigureAwait(false);
        }
    }

    private CrlFetchResult Parse(string uri, byte[] body, int? status)
    {
        var der = (ReadOnlyMemory<byte>)body;
        if (body.Length > 0 && body[0] != 0x30)
        {
            var text = System.Text.Encoding.ASCII.GetString(body);
            if (!PemEncoding.TryFind(text, out var fields) || !text.AsSpan()[fields.Label].SequenceEqual("X509 CRL"))
            {
                return Failure(uri, CrlFetchStatus.NotACrl, status, $"the document at {uri} is not a CRL (neither DER nor a PEM X509 CRL block)");
            }

            var decoded = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(text.AsSpan()[fields.Base64Data], decoded, out var written))
            {
                return Failure(uri, CrlFetchStatus.NotACrl, status, $"the PEM CRL at {uri} is not valid base64");
            }

            der = decoded.AsMemory(0, written);
        }

        return CertificateRevocationList.TryParse(der, out var crl, out var error)
            ? new CrlFetchResult(uri, CrlFetchStatus.Fetched, crl, status, $"fetched the CRL at {uri} ({crl.RevokedCount} entries)", _time.GetUtcNow())
            : Failure(uri, CrlFetchStatus.NotACrl, status, $"the document at {uri} is not a valid CRL: {error.Message}");
    }

    private CrlFetchResult Failure(string uri, CrlFetchStatus kind, int? status, string message) => new(uri, kind, null, status, message, _time.GetUtcNow());

    private sealed class Entry
    {
        private readonly TaskCompletionSource<CrlFetchResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<CrlFetchResult> Task => _completion.Task;

        private CrlFetchResult? _completed;

        // Written before the result is published (release) and read after it (acquire).
        public DateTimeOffset ExpiresAt { get; set; }

        public CrlFetchResult? Completed => Volatile.Read(ref _completed);

        public void Complete(CrlFetchResult result)
        {
            Volatile.Write(ref _completed, result);
            _completion.SetResult(result);
        }
    }
}
