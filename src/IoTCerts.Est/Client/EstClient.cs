using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est;

/// <summary>
/// An RFC 7030 EST client (R-70) with the interop rules of RFC 8951: thread-safe, async, usable as a typed
/// HttpClient (<c>AddEstClient</c>). The TLS client certificate and the server trust policy live in the
/// handler (<see cref="EstClientOptions.CreateHttpHandler"/>); this type speaks the protocol.
/// </summary>
public class EstClient
{
    private readonly HttpClient? _http;
    private readonly EstClientOptions? _options;

    /// <summary>Creates a client over <paramref name="httpClient"/>, whose handler carries the TLS settings of <paramref name="options"/>.</summary>
    /// <exception cref="EstException">The options are invalid.</exception>
    public EstClient(HttpClient httpClient, EstClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        // Copied first, then validated: the client works on what it checked, whatever the caller changes later.
        _options = options.Clone();
        _options.Validate();
        _http = httpClient;
    }

    /// <summary>For mocking only.</summary>
    protected EstClient()
    {
    }

    private HttpClient Http => _http ?? throw new InvalidOperationException("this EstClient was created for mocking");

    private EstClientOptions Options => _options ?? throw new InvalidOperationException("this EstClient was created for mocking");

    /// <summary>GET /cacerts: the CA certificates to trust for what the server issues, including roll-over certificates (RFC 7030 section 4.1).</summary>
    public virtual async Task<X509Certificate2Collection> GetCaCertificatesAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "cacerts", null, cancellationToken).ConfigureAwait(false);
        EnsureSuccess(response, allowPending: false);
        var certificates = ReadCertificates(response);
        if (certificates.Count == 0)
        {
            throw Invalid("/cacerts returned no certificate");
        }

        return certificates;
    }

    /// <summary>GET /csrattrs (RFC 7030 section 4.5): what the server wants in a request; 204 or 404 mean none.</summary>
    public virtual async Task<CsrAttributes> GetCsrAttributesAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "csrattrs", null, cancellationToken).ConfigureAwait(false);
        if (response.Status is HttpStatusCode.NoContent or HttpStatusCode.NotFound)
        {
            return CsrAttributes.None;
        }

        EnsureSuccess(response, allowPending: false);
        if (response.Body.Length == 0)
        {
            return CsrAttributes.None;
        }

        try
        {
            return CsrAttributes.Parse(EstBody.DecodeBase64(Encoding.ASCII.GetString(response.Body)));
        }
        catch (FormatException ex)
        {
            throw Invalid($"/csrattrs returned an unreadable body: {ex.Message}", ex);
        }
    }

    /// <summary>POST /simpleenroll with a DER PKCS#10 request (RFC 7030 section 4.2.1).</summary>
    public virtual Task<EstEnrollmentResult> EnrollAsync(ReadOnlyMemory<byte> certificationRequest, CancellationToken cancellationToken = default) =>
        EnrollCoreAsync("simpleenroll", certificationRequest, cancellationToken);

    /// <summary>
    /// POST /simplereenroll (RFC 7030 section 4.2.2). The request's Subject and SubjectAltName must equal the current
    /// certificate's, which must be this client's TLS client certificate (R-73).
    /// </summary>
    public virtual Task<EstEnrollmentResult> ReenrollAsync(ReadOnlyMemory<byte> certificationRequest, CancellationToken cancellationToken = default) =>
        EnrollCoreAsync("simplereenroll", certificationRequest, cancellationToken);

    /// <summary>POST /serverkeygen (RFC 7030 section 4.4): the server generates the key; the answer is multipart/mixed.</summary>
    public virtual async Task<EstServerKeyGenResult> ServerKeyGenAsync(ReadOnlyMemory<byte> certificationRequest, CancellationToken cancellationToken = default)
    {
        var response = await SendWithPendingAsync("serverkeygen", certificationRequest, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Accepted)
        {
            return new EstServerKeyGenResult([], [], response.RetryAfter);
        }

        EnsureSuccess(response, allowPending: false);
        if (!EstMediaTypes.Matches(response.ContentType, EstMediaTypes.MultipartMixed) || MultipartMixed.GetBoundary(response.ContentType!) is not { } boundary)
        {
            throw Invalid($"/serverkeygen answered '{response.ContentType}' instead of multipart/mixed with a boundary");
        }

        try
        {
            byte[]? key = null;
            X509Certificate2Collection? certificates = null;
            foreach (var (contentType, body) in MultipartMixed.Read(Encoding.ASCII.GetString(response.Body), boundary))
            {
                if (EstMediaTypes.Matches(contentType, EstMediaTypes.Pkcs8))
                {
                    key = EstBody.DecodeBase64(body);
                }
                else if (EstMediaTypes.Matches(contentType, EstMediaTypes.Pkcs7Mime))
                {
                    if (contentType!.Contains("server-generated-key", StringComparison.OrdinalIgnoreCase))
                    {
                        var recipient = Options.ServerKeyDecryptionCertificate
                            ?? throw Invalid("/serverkeygen returned an encrypted key (RFC 7030 section 4.4.2 CMS EnvelopedData): set EstClientOptions.ServerKeyDecryptionCertificate to the certificate and key it is encrypted for");
                        key = ServerGeneratedKey.Decrypt(EstBody.DecodeBase64(body), recipient);
                        continue;
                    }

                    certificates = CertsOnlyCodec.ReadCollection(EstBody.DecodeBase64(body));
                }
            }

            if (key is null || certificates is null || certificates.Count == 0)
            {
                throw Invalid("/serverkeygen answered without both an application/pkcs8 key part and a certificate part");
            }

            return new EstServerKeyGenResult(key, certificates, null);
        }
        catch (FormatException ex)
        {
            throw Invalid($"/serverkeygen returned an unreadable body: {ex.Message}", ex);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw Invalid($"/serverkeygen returned an unreadable certificate: {ex.Message}", ex);
        }
    }

    private async Task<EstEnrollmentResult> EnrollCoreAsync(string operation, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var response = await SendWithPendingAsync(operation, request, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Accepted)
        {
            return new EstEnrollmentResult([], response.RetryAfter);
        }

        EnsureSuccess(response, allowPending: false);
        var certificates = ReadCertificates(response);
        if (certificates.Count == 0)
        {
            throw Invalid($"/{operation} returned no certificate");
        }

        return new EstEnrollmentResult(certificates, null);
    }

    /// <summary>RFC 7030 section 4.2.3: 202 + Retry-After means "resend the same request later"; the total wait is capped.</summary>
    private async Task<Response> SendWithPendingAsync(string operation, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        if (request.IsEmpty)
        {
            throw new ArgumentException("the certification request is empty", nameof(request));
        }

        var options = Options;
        var body = EstBody.EncodeBase64(request.Span);
        var waited = TimeSpan.Zero;
        while (true)
        {
            var response = await SendAsync(HttpMethod.Post, operation, body, cancellationToken).ConfigureAwait(false);
            if (response.Status != HttpStatusCode.Accepted)
            {
                return response;
            }

            var wait = response.RetryAfter ?? options.DefaultRetryAfter;
            if (waited + wait > options.MaxPendingWait)
            {
                return response;
            }

            await Task.Delay(wait, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            waited += wait;
        }
    }

    private async Task<Response> SendAsync(HttpMethod method, string operation, string? body, CancellationToken cancellationToken)
    {
        using var activity = EstDiagnostics.StartRequest(operation, Options.Server!);
        int? status = null;
        try
        {
            var response = await SendUntracedAsync(method, operation, body, cancellationToken).ConfigureAwait(false);
            status = (int)response.Status;
            return response;
        }
        finally
        {
            EstDiagnostics.RequestEnded(activity, operation, status);
        }
    }

    private async Task<Response> SendUntracedAsync(HttpMethod method, string operation, string? body, CancellationToken cancellationToken)
    {
        var options = Options;
        var uri = BuildUri(options.Server!, options.Label, operation);
        var sentBasic = options.UserName is not null && options.PreemptiveBasicAuthentication;
        var response = await SendOnceAsync(method, uri, body, sentBasic, cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.Unauthorized && options.UserName is not null && !sentBasic && response.ChallengesBasic)
        {
            // The TLS handshake already verified the server, so answering the challenge is safe (RFC 7030 section 3.2.3).
            response = await SendOnceAsync(method, uri, body, true, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    internal static Uri BuildUri(Uri server, string? label, string operation)
    {
        var basePath = server.AbsolutePath.TrimEnd('/');
        var path = $"{basePath}/.well-known/est/{(label is null ? string.Empty : Uri.EscapeDataString(label) + "/")}{operation}";
        return new UriBuilder(server) { Path = path, Query = string.Empty, Fragment = string.Empty }.Uri;
    }

    private async Task<Response> SendOnceAsync(HttpMethod method, Uri uri, string? body, bool withBasic, CancellationToken cancellationToken)
    {
        var options = Options;
        using var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.ASCII);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(EstMediaTypes.Pkcs10);
            request.Content.Headers.Add("Content-Transfer-Encoding", "base64");
        }

        if (withBasic)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.UserName}:{options.Password}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
        else if (options.BearerToken is { } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await ReadBoundedAsync(response.Content, options.MaxResponseBytes, timeout.Token).ConfigureAwait(false);
            return new Response(
                response.StatusCode,
                response.Content.Headers.ContentType?.ToString(),
                bytes,
                RetryAfterOf(response, options.TimeProvider),
                response.Headers.WwwAuthenticate.Any(h => string.Equals(h.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EstException(EstErrorCode.Timeout, $"the EST server did not answer {uri.AbsolutePath} within {options.RequestTimeout.TotalSeconds:0.#} s", ex);
        }
        catch (HttpRequestException ex) when (ExceptionChain.HasInner<AuthenticationException>(ex))
        {
            var reason = options.LastTrustFailure.Value;
            throw new EstException(EstErrorCode.UntrustedServer, reason is null
                ? $"the TLS handshake with {uri.Authority} failed: the server certificate is not trusted under the configured trust anchors, or the server refused the client certificate"
                : $"the TLS handshake with {uri.Authority} failed: the server certificate is not trusted ({reason})", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new EstException(EstErrorCode.Transport, $"cannot reach the EST server at {uri.Authority}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new EstException(EstErrorCode.Transport, $"the connection to {uri.Authority} broke: {ex.Message}", ex);
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider clock)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        // Retry-After is delta-seconds or an HTTP date (RFC 9110 section 10.2.3); both appear in the wild.
        var delay = retryAfter.Delta ?? (retryAfter.Date - clock.GetUtcNow());
        if (delay is not { } value)
        {
            return null;
        }

        return value < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : value;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } length && length > limit)
        {
            throw new EstException(EstErrorCode.ResponseTooLarge, $"the EST server announced a {length}-byte response, more than the {limit}-byte limit");
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await IoTCerts.Core.BoundedStreamReader.ReadToEndAsync(stream, limit, cancellationToken).ConfigureAwait(false)
                ?? throw new EstException(EstErrorCode.ResponseTooLarge, $"the EST server sent more than the {limit}-byte limit");
        }
    }

    private static void EnsureSuccess(Response response, bool allowPending)
    {
        // Some servers answer enrollment with 201 (est-notes): any 2xx except 202/204 carries the result.
        if (response.Status is HttpStatusCode.OK or HttpStatusCode.Created || (allowPending && response.Status == HttpStatusCode.Accepted))
        {
            return;
        }

        var code = response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? EstErrorCode.Unauthorized
            : (int)response.Status is >= 200 and < 300 ? EstErrorCode.InvalidResponse
            : EstErrorCode.ServerError;
        var text = ServerTextOf(response.Body);
        var message = $"the EST server answered {(int)response.Status} {response.Status}" + (text.Length > 0 ? $": {text}" : string.Empty);
        throw new EstException(code, message) { Status = response.Status, ServerText = text };
    }

    private static string ServerTextOf(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 2048));
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var clean = builder.ToString().Trim();
        return clean.Length > 500 ? clean[..500] + "…" : clean;
    }

    private static X509Certificate2Collection ReadCertificates(Response response)
    {
        // The media type is matched without parameters; a body that is not PKCS#7 at all still fails clearly below.
        try
        {
            var collection = new X509Certificate2Collection();
            foreach (var (label, der) in EstBody.Decode(response.Body))
            {
                if (label == "CERTIFICATE")
                {
                    collection.Add(X509CertificateLoader.LoadCertificate(der));
                }
                else
                {
                    collection.AddRange(CertsOnlyCodec.ReadCollection(der));
                }

                if (collection.Count > CertsOnlyCodec.MaxCertificates)
                {
                    throw new FormatException($"the response holds more than {CertsOnlyCodec.MaxCertificates} certificates");
                }
            }

            return collection;
        }
        catch (FormatException ex)
        {
            throw Invalid($"the EST server's answer is not a certs-only PKCS#7 ({response.ContentType ?? "no content type"}): {ex.Message}", ex);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw Invalid($"the EST server's answer holds an unreadable certificate: {ex.Message}", ex);
        }
    }

    private static EstException Invalid(string message, Exception? inner = null) => new(EstErrorCode.InvalidResponse, message, inner);

    private sealed record Response(HttpStatusCode Status, string? ContentType, byte[] Body, TimeSpan? RetryAfter, bool ChallengesBasic);
}
