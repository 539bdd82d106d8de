using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using IoTCerts.Core;

namespace IoTCerts.Revocation.Online;

/// <summary>
/// Asks OCSP responders (RFC 6960) about certificates and keeps each verified answer until its nextUpdate: an
/// <see cref="IOcspSource"/> for Core's <see cref="OcspRevocationChecker"/>. A response counts only when it is
/// signed by the certificate's issuer or by a responder certificate the issuer issued with id-kp-OCSPSigning
/// (RFC 6960 §4.2.2.2), answers for the certificate asked about, echoes the nonce when it carries one, and is fresh
/// (thisUpdate not in the future, nextUpdate not passed, within the clock skew). Thread-safe: concurrent queries for
/// the same certificate share one request; failures are remembered for <see cref="OcspClientOptions.FailureRetention"/>.
/// </summary>
/// <remarks>
/// The delegated responder certificate's own revocation status is not checked (RFC 6960 §4.2.2.2.1 lets the CA
/// mark it id-pkix-ocsp-nocheck; responders of this project's CA are short-lived or the CA key itself).
/// </remarks>
public sealed class OcspClient : IOcspSource
{
    private static readonly MediaTypeWithQualityHeaderValue s_ocspResponse = new("application/ocsp-response");

    private readonly Func<HttpClient> _client;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private int _queries;

    /// <summary>Creates a client that uses one long-lived <see cref="HttpClient"/>.</summary>
    public OcspClient(HttpClient httpClient, OcspClientOptions? options = null, TimeProvider? timeProvider = null)
        : this(ClientOf(httpClient), options, timeProvider)
    {
    }

    /// <summary>Creates a client that asks <paramref name="httpClientFactory"/> for a client per query (for example <c>IHttpClientFactory.CreateClient</c>).</summary>
    public OcspClient(Func<HttpClient> httpClientFactory, OcspClientOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        _client = httpClientFactory;
        Options = options ?? OcspClientOptions.Default;
        _time = timeProvider ?? TimeProvider.System;
        if (Options.RequireNonce && !Options.UseNonce)
        {
            throw new ArgumentException("RequireNonce needs UseNonce", nameof(options));
        }
    }

    /// <summary>The limits and choices.</summary>
    public OcspClientOptions Options { get; }

    /// <summary>How many requests were sent (cache hits and shared queries are not counted).</summary>
    public int QueryCount => Volatile.Read(ref _queries);

    /// <summary>The responder asked about <paramref name="certificate"/>: <see cref="OcspClientOptions.ResponderOverride"/>, else the first http(s) OCSP URL of its authorityInfoAccess, else null.</summary>
    public Uri? ResponderFor(Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (Options.ResponderOverride is { } fixedResponder)
        {
            return fixedResponder;
        }

        foreach (var uri in certificate.OcspUris)
        {
            if (CrlLocations.IsFetchable(uri))
            {
                return new Uri(uri);
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public bool TryGetCached(Certificate certificate, Certificate issuer, [NotNullWhen(true)] out OcspFetchResult? result)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        if (_cache.TryGetValue(Key(certificate, issuer), out var entry) && entry.Completed is { } done && entry.ExpiresAt > _time.GetUtcNow())
        {
            result = done;
            return true;
        }

        result = null;
        return false;
    }

    /// <summary>
    /// The verified answer for <paramref name="certificate"/> issued by <paramref name="issuer"/>: from the cache
    /// until its nextUpdate, otherwise asked (one request per certificate however many callers ask at once). Never
    /// throws for network or content problems: they are results.
    /// </summary>
    /// <param name="certificate">The certificate asked about.</param>
    /// <param name="issuer">Its issuer (the CertID hashes its name and key; the response must be signed by it or by its delegated responder).</param>
    /// <param name="cancellationToken">Stops waiting; a query shared with other callers continues.</param>
    public async Task<OcspFetchResult> FetchAsync(Certificate certificate, Certificate issuer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);
        var key = Key(certificate, issuer);
        while (true)
        {
            if (_cache.TryGetValue(key, out var existing))
            {
                if (existing.Completed is null || existing.ExpiresAt > _time.GetUtcNow())
                {
                    return await existing.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                var renewed = new Entry();
                if (_cache.TryUpdate(key, renewed, existing))
                {
                    return await Start(certificate, issuer, renewed).WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            Trim();
            var entry = new Entry();
            if (_cache.TryAdd(key, entry))
            {
                return await Start(certificate, issuer, entry).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The issuer's whole encoding is hashed (not only its name): two CAs with one name and different keys are different issuers.
    private static string Key(Certificate certificate, Certificate issuer) =>
        string.Concat(Convert.ToHexString(SHA256.HashData(issuer.RawData.Span)), ":", certificate.SerialNumberHex);

    private static Func<HttpClient> ClientOf(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return () => client;
    }

    private Task<OcspFetchResult> Start(Certificate certificate, Certificate issuer, Entry entry)
    {
        _ = Task.Run(async () =>
        {
            OcspFetchResult result;
            try
            {
                result = await QueryAsync(certificate, issuer).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or UriFormatException or ObjectDisposedException or OperationCanceledException)
            {
                result = OcspFetchResult.Failed(OcspFailure.Unreachable, $"OCSP responder not reachable: {ex.Message}");
            }

            var now = _time.GetUtcNow();
            entry.ExpiresAt = result.IsVerified
                ? (result.NextUpdate ?? result.ThisUpdate + Options.MaxAgeWithoutNextUpdate) is var until && until > now ? until : now
                : now + Options.FailureRetention;
            entry.Complete(result);
        });
        return entry.Task;
    }

    private async Task<OcspFetchResult> QueryAsync(Certificate certificate, Certificate issuer)
    {
        if (ResponderFor(certificate) is not { } responder)
        {
            return OcspFetchResult.Failed(OcspFailure.NoResponder, $"certificate \"{certificate.Subject.Rfc4514Name}\" names no http OCSP responder");
        }

        Interlocked.Increment(ref _queries);
        using var activity = OnlineRevocationDiagnostics.ActivitySource.StartActivity("iotcerts.ocsp.query", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("url.full", responder.AbsoluteUri);
        var exchange = OcspExchange.Create(certificate, issuer, Options.UseNonce);
        var result = await SendAsync(responder, exchange).ConfigureAwait(false);
        OnlineRevocationDiagnostics.OcspQueried(result);
        if (activity is not null)
        {
            activity.SetTag(OnlineRevocationDiagnostics.ResultTag, OnlineRevocationDiagnostics.ResultName(result));
            if (!result.IsVerified)
            {
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.Failure.ToString());
            }
        }

        return result;
    }

    private async Task<OcspFetchResult> SendAsync(Uri responder, OcspExchange exchange)
    {
        using var timeout = new CancellationTokenSource(Options.Timeout, _time);
        var der = exchange.RequestDer;
        var useGet = Options.RequestMethod == OcspRequestMethod.Get || (Options.RequestMethod == OcspRequestMethod.Auto && der.Length <= 255);
        try
        {
            using var request = useGet
                ? new HttpRequestMessage(HttpMethod.Get, new Uri(string.Concat(responder.AbsoluteUri.TrimEnd('/'), "/", Uri.EscapeDataString(Convert.ToBase64String(der)))))
                : new HttpRequestMessage(HttpMethod.Post, responder) { Content = new ByteArrayContent(der) };
            if (!useGet)
            {
                request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
            }

            request.Headers.Accept.Add(s_ocspResponse);
            using var response = await _client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return OcspFetchResult.Failed(OcspFailure.Unreachable, $"OCSP responder {responder} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength > Options.MaxResponseSize)
            {
                return TooLarge(responder);
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            byte[]? body;
            await using (stream.ConfigureAwait(false))
            {
                body = await BoundedStreamReader.ReadToEndAsync(stream, Options.MaxResponseSize, timeout.Token).ConfigureAwait(false);
            }

            return body is null ? TooLarge(responder) : exchange.Verify(body, responder, _time.GetUtcNow(), Options);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return OcspFetchResult.Failed(OcspFailure.Unreachable, $"OCSP responder {responder} did not answer within {Options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return OcspFetchResult.Failed(OcspFailure.Unreachable, $"OCSP responder {responder} not reachable: {ex.Message}");
        }
        catch (IOException ex)
        {
            return OcspFetchResult.Failed(OcspFailure.Unreachable, $"OCSP responder {responder} not reachable: {ex.Message}");
        }
    }

    private OcspFetchResult TooLarge(Uri responder) =>
        OcspFetchResult.Failed(OcspFailure.InvalidResponse, $"the response of OCSP responder {responder} is larger than the {Options.MaxResponseSize}-byte cap");

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

    private sealed class Entry
    {
        private readonly TaskCompletionSource<OcspFetchResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private OcspFetchResult? _completed;

        public Task<OcspFetchResult> Task => _completion.Task;

        // Written before the result is published (release) and read after it (acquire).
        public DateTimeOffset ExpiresAt { get; set; }

        public OcspFetchResult? Completed => Volatile.Read(ref _completed);

        public void Complete(OcspFetchResult result)
        {
            Volatile.Write(ref _completed, result);
            _completion.SetResult(result);
        }
    }
}
