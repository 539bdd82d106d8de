using IoTCerts.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>
/// Runs before every endpoint: validates the device chain captured in the handshake and either lets the request through
/// (the verdict is then a request feature, read by /whoami) or answers 403 with the IoTCerts code and sentence, so the
/// device learns why. Every request is logged with the identity, verdict, codes, cost in µs and cache use.
/// </summary>
/// <remarks>
/// Why not reject in the TLS handshake: a handshake failure reaches the device as a bare alert (bad_certificate) and
/// the device cannot tell an expired certificate from a revoked one. The handshake still insists on a certificate.
/// Validation runs per request, not per connection, so a CRL or a clock that moves on is seen on a long-lived connection;
/// the validator's caches make a repeat cost about one signature check or less.
/// </remarks>
internal sealed class DeviceAuthentication(DeviceValidator validator, ILoggerFactory loggerFactory)
{
    private const string ProblemType = "https://iotcerts.invalid/problems/device-certificate";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var protocol = http.Features.Get<ITlsHandshakeFeature>()?.Protocol.ToString() ?? "plain";

        // Set by DeviceHttps when the handshake carried a certificate; absent only if the endpoint is not the device listener.
        var presented = http.Features.Get<PresentedChain>();
        var verdict = presented is null
            ? null
            : await validator.ValidateAsync(presented, http.RequestAborted).ConfigureAwait(false);
        if (verdict is { IsAccepted: true, Presented.Leaf: { } leaf })
        {
            Log.Accepted(_logger, verdict.DeviceId, http.Request.Method, http.Request.Path, protocol, verdict.CostMicroseconds,
                verdict.SignatureCacheHits, verdict.CrlDownloads, leaf.SerialNumberHex, leaf.Issuer.Rfc4514Name);
            http.Features.Set(verdict);
            await next(http).ConfigureAwait(false);
            return;
        }

        var refusals = verdict?.Refusals ?? [new DeviceRefusal("NoClientCertificate", "the request did not come with a TLS client certificate", 0)];
        var first = refusals[0];
        Log.Refused(_logger, verdict?.DeviceId ?? "(none)", first.Code, first.Message, http.Request.Method, http.Request.Path, protocol,
            string.Join(",", refusals.Select(r => r.Code)), verdict?.CostMicroseconds ?? 0, verdict?.SignatureCacheHits ?? 0, verdict?.CrlDownloads ?? 0,
            presented?.Leaf?.Subject.Rfc4514Name ?? string.Empty, presented?.Leaf?.SerialNumberHex ?? string.Empty);

        http.Response.StatusCode = StatusCodes.Status403Forbidden;
        http.Response.Headers["X-IoTCerts-Error"] = first.Code;
        var body = new DeviceRefusalBody(ProblemType, "device certificate refused", StatusCodes.Status403Forbidden, first.Code, first.Message,
            first.CertificateIndex, validator.Profile.Name, refusals);
        await http.Response.WriteAsJsonAsync(body, PlatformJsonContext.Readable.DeviceRefusalBody, "application/problem+json", http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>GET /whoami: the accepted device's identity.</summary>
    public static Task WhoAmIAsync(HttpContext http)
    {
        var verdict = http.Features.GetRequiredFeature<DeviceVerdict>();
        var leaf = verdict.Presented.Leaf!;
        var identity = verdict.Identity!;
        var body = new WhoAmI(
            identity.Profile,
            identity.DeviceId,
            identity.DeviceType,
            identity.DeviceType is null ? identity.ClientId() : null,
            identity.Source,
            leaf.Subject.Rfc4514Name,
            leaf.Issuer.Rfc4514Name,
            leaf.SerialNumberHex,
            leaf.NotAfter,
            verdict.Presented.All.Select(c => c.Subject.Rfc4514Name).ToList(),
            http.Features.Get<ITlsHandshakeFeature>()?.Protocol.ToString() ?? "plain",
            verdict.CostMicroseconds);
        return http.Response.WriteAsJsonAsync(body, PlatformJsonContext.Readable.WhoAmI, contentType: null, http.RequestAborted);
    }
}
