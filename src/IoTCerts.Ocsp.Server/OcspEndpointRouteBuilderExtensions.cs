using System.Globalization;
using IoTCerts.Core;
using IoTCerts.Ocsp.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps an OCSP responder (RFC 6960 Appendix A) into an ASP.NET Core application.</summary>
public static class OcspEndpointRouteBuilderExtensions
{
    private const string RequestType = "application/ocsp-request";
    private const string ResponseType = "application/ocsp-response";

    /// <summary>
    /// Maps POST <paramref name="pattern"/> (body: a DER request, <c>application/ocsp-request</c>) and GET
    /// <paramref name="pattern"/>/{url-encoded base64 request}; both answer <c>application/ocsp-response</c>. GET answers
    /// carry Cache-Control until nextUpdate (RFC 5019 §6.2). A body over the size cap or not base64 is answered
    /// malformedRequest, like a request that does not parse.
    /// </summary>
    public static IEndpointConventionBuilder MapOcsp(this IEndpointRouteBuilder endpoints, string pattern, OcspResponder responder)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(responder);
        var prefix = "/" + pattern.Trim('/');
        var builders = new[]
        {
            endpoints.MapPost(prefix, http => PostAsync(http, responder)),
            endpoints.MapGet(prefix.TrimEnd('/') + "/{**request}", http => GetAsync(http, responder, prefix)),
        };
        return new Conventions(builders);
    }

    private static async Task PostAsync(HttpContext http, OcspResponder responder)
    {
        if (http.Request.ContentType is { } type && !type.StartsWith(RequestType, StringComparison.OrdinalIgnoreCase))
        {
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var body = await BoundedStreamReader.ReadToEndAsync(http.Request.Body, responder.Options.MaxRequestSize, http.RequestAborted).ConfigureAwait(false);
        await WriteAsync(http, responder.Answer(body ?? []).Response, null).ConfigureAwait(false);
    }

    private static Task GetAsync(HttpContext http, OcspResponder responder, string prefix)
    {
        // The raw target keeps %2F and %2B as sent: routing would have decoded them into path separators.
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        var encoded = raw.Length > prefix.TrimEnd('/').Length ? raw[(prefix.TrimEnd('/').Length + 1)..] : string.Empty;
        var request = Decode(encoded, responder.Options.MaxRequestSize);
        var (response, nextUpdate) = responder.Answer(request);
        return WriteAsync(http, response, nextUpdate);
    }

    // RFC 6960 Appendix A.1: the URL encoding of the base64 encoding; base64url is accepted too.
    private static byte[] Decode(string encoded, int maxBytes)
    {
        if (encoded.Length == 0 || encoded.Length > maxBytes * 3)
        {
            return [];
        }

        var text = Uri.UnescapeDataString(encoded).Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var buffer = new byte[text.Length / 4 * 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : [];
    }

    private static Task WriteAsync(HttpContext http, byte[] response, DateTimeOffset? nextUpdate)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ResponseType;
        http.Response.ContentLength = response.Length;
        if (nextUpdate is { } until && until - DateTimeOffset.UtcNow is { TotalSeconds: > 0 } left)
        {
            http.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"max-age={(long)left.TotalSeconds}, public, no-transform, must-revalidate");
        }

        return http.Response.Body.WriteAsync(response).AsTask();
    }

    private sealed class Conventions(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
