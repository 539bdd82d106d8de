using System.Net;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IoTCerts.Platform.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>A response read in full (bounded).</summary>
internal sealed record RestResponse(HttpStatusCode Status, string? ContentType, byte[] Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;
}

/// <summary>Retry and size settings shared by both clients.</summary>
internal sealed record TransportSettings(int MaxRetries, TimeSpan RetryBaseDelay, TimeSpan MaxRetryDelay, TimeSpan RequestTimeout, int MaxResponseBytes, TimeProvider TimeProvider);

/// <summary>Which role a refused request needs, so 403 can say it (the platform's own message rarely does).</summary>
internal enum RoleHint
{
    None,
    TenantAdmin,
    DeviceControlAdmin,
    Device,
}

/// <summary>
/// Sends requests with retries: exponential backoff with jitter for 429/502/503/504, timeouts and connection
/// failures, honouring Retry-After; never for other statuses (a 4xx means the request itself is wrong).
/// </summary>
internal sealed class RestTransport
{
    private const int MaxErrorText = 4096;

    private readonly HttpClient _http;
    private readonly TransportSettings _settings;
    private readonly ILogger _logger;

    public RestTransport(HttpClient http, TransportSettings settings, ILogger? logger)
    {
        _http = http;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
    }

    public TimeProvider Clock => _settings.TimeProvider;

    internal static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>Sends the request made by <paramref name="createRequest"/> (called once per attempt) and returns the final answer.</summary>
    public async Task<RestResponse> SendAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        using var activity = PlatformDiagnostics.StartRequest();
        var call = new CallRecord();
        try
        {
            var response = await SendWithRetriesAsync(createRequest, activity, call, cancellationToken).ConfigureAwait(false);
            call.Status = (int)response.Status;
            return response;
        }
        finally
        {
            PlatformDiagnostics.RequestEnded(activity, call.Method, call.Status);
        }
    }

    private async Task<RestResponse> SendWithRetriesAsync(Func<HttpRequestMessage> createRequest, System.Diagnostics.Activity? activity, CallRecord call, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = createRequest();
            var method = request.Method.Method;
            var path = request.RequestUri!.AbsolutePath;
            if (attempt == 0)
            {
                call.Method = method;
                PlatformDiagnostics.Describe(activity, method, path);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.RequestTimeout);
            Exception? failure;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var body = await ReadBoundedAsync(response.Content, _settings.MaxResponseBytes, method, path, timeout.Token).ConfigureAwait(false);
                Log.Answered(_logger, method, path, (int)response.StatusCode);
                if (!IsRetryableStatus(response.StatusCode) || attempt >= _settings.MaxRetries)
                {
                    return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
                }

                var retryAfter = RetryAfterOf(response);
                if (retryAfter is { } wanted && wanted > _settings.MaxRetryDelay)
                {
                    // The server asks for a longer pause than we may wait: report its answer instead of hammering it.
                    return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
                }

                var delay = retryAfter ?? Backoff(attempt);
                Log.RetryingStatus(_logger, method, path, (int)response.StatusCode, attempt + 1, _settings.MaxRetries, delay);
                PlatformDiagnostics.Retrying();
                await Task.Delay(delay, _settings.TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new CumulocityException(CumulocityErrorCode.Timeout, $"Cumulocity did not answer {method} {path} within {_settings.RequestTimeout.TotalSeconds:0.#} s", ex) { Request = $"{method} {path}" };
            }
            catch (HttpRequestException ex) when (ExceptionChain.HasInner<AuthenticationException>(ex))
            {
                // A TLS trust failure does not heal by retrying.
                throw new CumulocityException(CumulocityErrorCode.Transport, $"the TLS handshake for {method} {path} with {request.RequestUri.Authority} failed: the server certificate is not trusted, or the server refused the client certificate", ex) { Request = $"{method} {path}" };
            }
            catch (HttpRequestException ex)
            {
                failure = new CumulocityException(CumulocityErrorCode.Transport, $"cannot reach Cumulocity at {request.RequestUri.Authority} for {method} {path}: {ex.Message}", ex) { Request = $"{method} {path}" };
            }
            catch (IOException ex)
            {
                failure = new CumulocityException(CumulocityErrorCode.Transport, $"the connection to {request.RequestUri.Authority} broke during {method} {path}: {ex.Message}", ex) { Request = $"{method} {path}" };
            }

            if (attempt >= _settings.MaxRetries)
            {
                throw failure;
            }

            var wait = Backoff(attempt);
            Log.RetryingTransport(_logger, method, path, failure.Message, attempt + 1, _settings.MaxRetries, wait);
            PlatformDiagnostics.Retrying();
            await Task.Delay(wait, _settings.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the telemetry of one call needs from its attempts.</summary>
    private sealed class CallRecord
    {
        public string Method { get; set; } = "?";

        public int? Status { get; set; }
    }

    /// <summary>Full-jitter exponential backoff: half to all of base * 2^attempt, capped, so a fleet does not retry in lockstep.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = _settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        ceiling = Math.Min(ceiling, _settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        // Retry-After is delta-seconds or an HTTP date (RFC 9110 section 10.2.3).
        var delay = retryAfter.Delta ?? (retryAfter.Date - _settings.TimeProvider.GetUtcNow());
        return delay is { } value ? (value < TimeSpan.Zero ? TimeSpan.Zero : value) : null;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, string method, string path, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } length && length > limit)
        {
            throw new CumulocityException(CumulocityErrorCode.ResponseTooLarge, $"Cumulocity announced a {length}-byte answer to {method} {path}, more than the {limit}-byte limit") { Request = $"{method} {path}" };
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await IoTCerts.Core.BoundedStreamReader.ReadToEndAsync(stream, limit, cancellationToken).ConfigureAwait(false)
                ?? throw new CumulocityException(CumulocityErrorCode.ResponseTooLarge, $"Cumulocity sent more than the {limit}-byte limit in answer to {method} {path}") { Request = $"{method} {path}" };
        }
    }

    /// <summary>Reads a success body as <typeparamref name="T"/>; an unreadable body is an <see cref="CumulocityErrorCode.InvalidResponse"/>.</summary>
    public static T Read<T>(RestResponse response, JsonTypeInfo<T> type, string request)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(response.Body, type)
                ?? throw new CumulocityException(CumulocityErrorCode.InvalidResponse, $"Cumulocity answered {request} with an empty JSON body") { Request = request, Status = response.Status };
        }
        catch (JsonException ex)
        {
            throw new CumulocityException(CumulocityErrorCode.InvalidResponse, $"Cumulocity answered {request} with a body that is not the documented JSON: {ex.Message}", ex)
            {
                Request = request,
                Status = response.Status,
                RawBody = TextOf(response.Body),
            };
        }
    }

    /// <summary>The exception for a non-success answer: status, the platform error if the body is one, the raw text anyway.</summary>
    public static CumulocityException Failure(RestResponse response, string request, RoleHint role)
    {
        var raw = TextOf(response.Body);
        ErrorBody? error = null;
        if (response.Body.Length > 0 && (response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            try
            {
                error = JsonSerializer.Deserialize(response.Body, CumulocityJsonContext.Default.ErrorBody);
            }
            catch (JsonException)
            {
                // A proxy may claim JSON and send something else: keep the raw text only.
            }
        }

        var status = (int)response.Status;
        var code = response.Status switch
        {
            HttpStatusCode.Unauthorized => CumulocityErrorCode.Unauthorized,
            HttpStatusCode.Forbidden => CumulocityErrorCode.Forbidden,
            HttpStatusCode.NotFound => CumulocityErrorCode.NotFound,
            HttpStatusCode.Conflict => CumulocityErrorCode.Conflict,
            HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => CumulocityErrorCode.InvalidRequest,
            HttpStatusCode.TooManyRequests => CumulocityErrorCode.ServerError,
            _ when status >= 500 => CumulocityErrorCode.ServerError,
            _ => CumulocityErrorCode.UnexpectedStatus,
        };

        var text = new StringBuilder($"Cumulocity answered {request} with {status} {ReasonOf(response.Status)}");
        if (error is { Error: not null } || error is { Message: not null })
        {
            text.Append(": ").Append(error.Message ?? error.Error);
            if (error.Error is not null && error.Message is not null)
            {
                text.Append(" (").Append(error.Error).Append(')');
            }
        }
        else if (raw.Length > 0)
        {
            var excerpt = Clean(raw, 200);
            text.Append(" and a body that is not a Cumulocity error (").Append(response.ContentType ?? "no content type").Append("): ").Append(excerpt);
        }

        text.Append('.');
        var advice = Advice(response.Status, role);
        if (advice is not null)
        {
            text.Append(' ').Append(advice);
        }

        return new CumulocityException(code, text.ToString())
        {
            Status = response.Status,
            Error = error?.Error,
            ServerMessage = error?.Message,
            Info = error?.Info,
            RawBody = raw,
            Request = request,
        };
    }

    private static string? Advice(HttpStatusCode status, RoleHint role) => status switch
    {
        HttpStatusCode.Unauthorized when role == RoleHint.Device => "The platform did not accept the device certificate or token (revoked, not registered, or issued by an untrusted CA).",
        HttpStatusCode.Unauthorized => "The credentials were refused: check the user, the password (or token) and the tenant id.",
        HttpStatusCode.Forbidden when role == RoleHint.TenantAdmin => "The user needs role ROLE_TENANT_ADMIN or ROLE_TENANT_MANAGEMENT_ADMIN.",
        HttpStatusCode.Forbidden when role == RoleHint.DeviceControlAdmin => "The user needs role ROLE_DEVICE_CONTROL_ADMIN.",
        HttpStatusCode.Forbidden => "The user lacks a role this operation needs.",
        HttpStatusCode.TooManyRequests => "The platform is rate limiting; retries were exhausted or Retry-After was longer than MaxRetryDelay.",
        _ => null,
    };

    private static string ReasonOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.UnprocessableEntity => "Unprocessable Entity",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.BadGateway => "Bad Gateway",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.GatewayTimeout => "Gateway Timeout",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.BadRequest => "Bad Request",
        _ => status.ToString(),
    };

    internal static string TextOf(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, MaxErrorText * 4));
        return text.Length > MaxErrorText ? text[..MaxErrorText] : text;
    }

    private static string Clean(string text, int max)
    {
        var builder = new StringBuilder(Math.Min(text.Length, max));
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }
}
