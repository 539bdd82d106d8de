using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IoTCerts.Est.Server;

/// <summary>Serves one EST operation (RFC 7030 section 4, RFC 8951) for <see cref="EstServerOptions"/>.</summary>
/// <remarks>
/// Order of an enrollment: label, authentication (TLS client certificate through Core's ChainValidator, or Basic),
/// Content-Type, size, then the body is read and checked. An unauthenticated client never makes the server parse
/// anything. Every answer carries Content-Length (never chunked): embedded EST clients refuse a body without it.
/// </remarks>
internal sealed class EstRequestHandler(EstServerOptions options, IEstCertificateIssuer issuer)
{
    private const string SubjectAltNameOid = "2.5.29.17";

    private static readonly byte[] ChallengePasswordOnly = IoTCerts.Est.CsrAttributes.Encode([IoTCerts.Est.CsrAttributes.ChallengePasswordOid]);

    private readonly EnrollmentReplayCache _replays = new(options.RetryWindow, options.RetryCapacity, options.TimeProvider);
    private readonly CaValidatorCache _caValidators = new();

    public async Task HandleAsync(HttpContext http, EstOperation operation)
    {
        var label = http.GetRouteValue("label") as string;
        if (label is null ? false : options.Labels is { } labels && !labels.Contains(label))
        {
            await WriteTextAsync(http, StatusCodes.Status404NotFound, $"unknown label '{label}'").ConfigureAwait(false);
            return;
        }

        switch (operation)
        {
            case EstOperation.CaCertificates:
                await WriteCertificatesAsync(http, issuer.GetCaCertificates(label), null).ConfigureAwait(false);
                return;
            case EstOperation.CsrAttributes when options.CsrAttributes is null && options.ProofOfPossession != EstProofOfPossession.None:
                await WriteBase64Async(http, EstMediaTypes.CsrAttrs, ChallengePasswordOnly).ConfigureAwait(false);
                return;
            case EstOperation.CsrAttributes when options.CsrAttributes is null:
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                http.Response.ContentLength = 0;
                return;
            case EstOperation.CsrAttributes:
                await WriteBase64Async(http, EstMediaTypes.CsrAttrs, options.CsrAttributes).ConfigureAwait(false);
                return;
            case EstOperation.ServerKeyGeneration when !options.AllowServerKeyGeneration:
                await WriteTextAsync(http, StatusCodes.Status404NotFound, "server-side key generation is not offered").ConfigureAwait(false);
                return;
            default:
                await EnrollAsync(http, operation, label).ConfigureAwait(false);
                return;
        }
    }

    private async Task EnrollAsync(HttpContext http, EstOperation operation, string? label)
    {
        var clientCertificate = await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false);
        var (user, password) = ParseBasic(http.Request.Headers.Authorization.ToString());
        var now = options.TimeProvider.GetUtcNow();
        var authenticated = new EstRequestContext(operation, label, clientCertificate, user, password, null, now, PresentedChain.Of(http));

        // Authentication comes first (RFC 7030 section 3.3): nothing of the body is read for an unknown client.
        var refusal = operation == EstOperation.Reenroll
            ? AuthenticateReenroll(authenticated, clientCertificate, label, now)
            : await AuthorizeAsync(authenticated, http.RequestAborted).ConfigureAwait(false);
        if (refusal is { } denied)
        {
            if (denied.Status == StatusCodes.Status401Unauthorized && options.OfferBasicAuthentication)
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"est\", charset=\"UTF-8\"";
            }

            await WriteTextAsync(http, denied.Status, denied.Text, denied.LogDetail).ConfigureAwait(false);
            return;
        }

        if (!IsPkcs10(http.Request.ContentType))
        {
            await WriteTextAsync(http, StatusCodes.Status415UnsupportedMediaType, $"the request's Content-Type must be {EstMediaTypes.Pkcs10} (RFC 7030 section 4.2.1), not '{http.Request.ContentType}'").ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var checkedRequest = ReadRequest(body, out var csrDer, out var problem);
        if (checkedRequest is null)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, problem!).ConfigureAwait(false);
            return;
        }

        if (operation != EstOperation.ServerKeyGeneration && ChannelBinding.Check(http, checkedRequest.Value.Parsed, options.ProofOfPossession) is { } unlinked)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, unlinked).ConfigureAwait(false);
            return;
        }

        var context = authenticated.WithRequest(checkedRequest.Value.Request);
        if (operation == EstOperation.Reenroll && CheckSameIdentity(clientCertificate!, checkedRequest.Value.Request) is { } changed)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, changed).ConfigureAwait(false);
            return;
        }

        if (options.Approval is { } approval)
        {
            var (state, retryAfter) = await approval.EvaluateAsync(ManualApprovalQueue.IdOf(context.Request!.PublicKey), context, http.RequestAborted).ConfigureAwait(false);
            if (state == EstApprovalState.Pending)
            {
                http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteTextAsync(http, StatusCodes.Status202Accepted, "the request is waiting for approval").ConfigureAwait(false);
                return;
            }

            if (state == EstApprovalState.Rejected)
            {
                await WriteTextAsync(http, StatusCodes.Status403Forbidden, "the request was rejected by an operator").ConfigureAwait(false);
                return;
            }
        }

        try
        {
            if (operation == EstOperation.ServerKeyGeneration)
            {
                await ServerKeyGenAsync(http, context.Request!, context).ConfigureAwait(false);
                return;
            }

            // The issue is not tied to this request's cancellation: once started it completes and is kept for the
            // retry, even if the client has gone (RFC 7030 gives the client no way to fetch a lost answer).
            var (issued, replayed) = await _replays.GetOrIssueAsync(
                EnrollmentReplayCache.KeyOf(context, csrDer),
                () =>
                {
                    // Checked here, not at authentication: the retry of a rekey whose answer was lost is answered from
                    // the cache, although that rekey has superseded the certificate presented.
                    if (operation == EstOperation.Reenroll && StandingRefusal(clientCertificate!) is { } refused)
                    {
                        throw new EstRefusalException(StatusCodes.Status403Forbidden, refused);
                    }

                    return issuer.IssueAsync(context.Request!, context, CancellationToken.None);
                }).ConfigureAwait(false);
            var leaf = ResponseCertificates.FindIssued(issued) ?? throw new CryptographicException("the issuer returned no certificate");

            // RFC 7030 section 4.2.3: the certs-only response holds the issued certificate only; the chain is /cacerts.
            await WriteCertificatesAsync(http, options.IncludeChainInEnrollmentResponses ? issued : [leaf], "certs-only").ConfigureAwait(false);
            if (replayed)
            {
                Log.Replayed(Log.For(http), operation.ToString(), leaf.Subject, leaf.SerialNumber, Log.ClientOf(http));
            }
            else
            {
                Log.Issued(Log.For(http), operation.ToString(), leaf.Subject, leaf.SerialNumber, Log.ClientOf(http));
            }
        }
        catch (EstRefusalException ex)
        {
            await WriteTextAsync(http, ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (CryptographicException ex)
        {
            await WriteTextAsync(http, StatusCodes.Status500InternalServerError, "the CA could not issue the certificate", ex.Message).ConfigureAwait(false);
        }
    }

    private static (CertificateRequest Request, CertificationRequest Parsed)? ReadRequest(byte[] body, out byte[] der, out string? problem)
    {
        try
        {
            der = EstBody.DecodeBase64(Encoding.ASCII.GetString(body));
        }
        catch (FormatException)
        {
            der = [];
            problem = "the body is not base64 (RFC 7030 section 4.2.1: a base64-encoded PKCS#10 request)";
            return null;
        }

        var parsed = RequestPolicy.Check(der, out problem);
        if (parsed is null)
        {
            return null;
        }

        try
        {
            // Core has verified the signature (RSA-PSS included, which CertificateRequest cannot check); this is only the
            // shape the issuers take.
            var request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, out var consumed,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions | CertificateRequestLoadOptions.SkipSignatureValidation);
            if (consumed != der.Length)
            {
                problem = "the body has data after the PKCS#10 request";
                return null;
            }

            return (request, parsed);
        }
        catch (CryptographicException)
        {
            problem = "the PKCS#10 request cannot be read (its public key or attributes are malformed)";
            return null;
        }
    }

    /// <summary>RFC 7030 section 4.2.2 / R-73: the current certificate is the TLS client certificate, issued by this CA and valid now.</summary>
    private Refusal? AuthenticateReenroll(EstRequestContext context, X509Certificate2? current, string? label, DateTimeOffset now)
    {
        if (current is null)
        {
            return new(StatusCodes.Status401Unauthorized, "re-enrollment requires the current certificate as the TLS client certificate", null);
        }

        var validator = _caValidators.For(issuer.GetCaCertificates(label));

        // Within the policy's grace period an expired certificate is validated at its last valid second.
        var lastValid = new DateTimeOffset(current.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var at = now > lastValid && now - lastValid <= options.Reenrollment.ExpiredGracePeriod ? lastValid.AddSeconds(-1) : now;
        var result = EstAuthorization.Validate(validator, current, context.PresentedIntermediates, at);
        return result.IsValid
            ? null
            : new(StatusCodes.Status403Forbidden, "the TLS client certificate was not issued by this CA or is no longer valid; enroll with the bootstrap identity", EstAuthorization.Describe(result));
    }

    /// <summary>The re-enrollment policy's verdict on the CA's records of the presented certificate, or null.</summary>
    private string? StandingRefusal(X509Certificate2 current) => issuer.GetStanding(current) switch
    {
        EstCertificateStanding.Revoked =>
            "the TLS client certificate is revoked; enroll with the bootstrap identity",
        EstCertificateStanding.Superseded when options.Reenrollment.RefuseSuperseded =>
            "the TLS client certificate was superseded by a rekey; re-enroll with the newer certificate",
        _ => null,
    };

    /// <summary>RFC 7030 section 4.2.2: the request repeats the current certificate's Subject and SubjectAltName exactly.</summary>
    private static string? CheckSameIdentity(X509Certificate2 current, CertificateRequest request)
    {
        if (!current.SubjectName.RawData.AsSpan().SequenceEqual(request.SubjectName.RawData))
        {
            return "subject change: the request's Subject differs from the current certificate's";
        }

        var currentSan = current.Extensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid)?.RawData;
        var requestedSan = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid)?.RawData;
        return (currentSan ?? []).AsSpan().SequenceEqual(requestedSan ?? [])
            ? null
            : "subject change: the request's SubjectAltName differs from the current certificate's";
    }

    private async Task<Refusal?> AuthorizeAsync(EstRequestContext context, CancellationToken cancellationToken)
    {
        foreach (var authorizer in options.Authorizers)
        {
            if (await authorizer.AuthorizeAsync(context, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        var detail = context.RefusalReasons.Count > 0
            ? string.Join("; ", context.RefusalReasons)
            : context.ClientCertificate is null && context.UserName is null ? "no client certificate and no credentials" : "no authorizer accepted the client";
        return new(StatusCodes.Status401Unauthorized, "the client is not authorized to enroll: present a bootstrap certificate or valid credentials", detail);
    }

    private async Task ServerKeyGenAsync(HttpContext http, CertificateRequest clientRequest, EstRequestContext context)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(clientRequest.SubjectName, key, HashAlgorithmName.SHA256);
        foreach (var extension in clientRequest.CertificateExtensions.Where(e => e.Oid?.Value == SubjectAltNameOid))
        {
            request.CertificateExtensions.Add(extension);
        }

        var issued = await issuer.IssueAsync(request, context, CancellationToken.None).ConfigureAwait(false);
        var leaf = ResponseCertificates.FindIssued(issued) ?? throw new CryptographicException("the issuer returned no certificate");
        var boundary = "est-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        var body = MultipartMixed.Write(boundary, [
            (EstMediaTypes.Pkcs8, EstBody.EncodeBase64(key.ExportPkcs8PrivateKey())),
            (EstMediaTypes.Pkcs7Mime + "; smime-type=certs-only", EstBody.EncodeBase64(CertsOnlyCodec.Write(options.IncludeChainInEnrollmentResponses ? issued : [leaf]))),
        ]);
        await WriteAsync(http, StatusCodes.Status200OK, $"{EstMediaTypes.MultipartMixed}; boundary={boundary}", Encoding.UTF8.GetBytes(body)).ConfigureAwait(false);
        Log.Issued(Log.For(http), context.Operation.ToString(), leaf.Subject, leaf.SerialNumber, Log.ClientOf(http));
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength is { } length && length > options.MaxRequestBytes)
        {
            await WriteTextAsync(http, StatusCodes.Status413PayloadTooLarge, $"the request is larger than {options.MaxRequestBytes} bytes").ConfigureAwait(false);
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > options.MaxRequestBytes)
            {
                await WriteTextAsync(http, StatusCodes.Status413PayloadTooLarge, $"the request is larger than {options.MaxRequestBytes} bytes").ConfigureAwait(false);
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static bool IsPkcs10(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals(EstMediaTypes.Pkcs10, StringComparison.OrdinalIgnoreCase);
    }

    private static (string? User, string? Password) ParseBasic(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (null, null) : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }

    private static Task WriteCertificatesAsync(HttpContext http, X509Certificate2Collection certificates, string? smimeType) =>
        WriteBase64Async(http, smimeType is null ? EstMediaTypes.Pkcs7Mime : $"{EstMediaTypes.Pkcs7Mime}; smime-type={smimeType}", CertsOnlyCodec.Write(certificates));

    private static Task WriteBase64Async(HttpContext http, string contentType, byte[] der)
    {
        http.Response.Headers["Content-Transfer-Encoding"] = "base64";
        return WriteAsync(http, StatusCodes.Status200OK, contentType, Encoding.ASCII.GetBytes(EstBody.EncodeBase64(der)));
    }

    private static Task WriteTextAsync(HttpContext http, int status, string text, string? logDetail = null)
    {
        if (status >= StatusCodes.Status400BadRequest)
        {
            Log.Refused(Log.For(http), http.Request.Path.Value ?? string.Empty, status, logDetail is null ? text : $"{text} ({logDetail})", Log.ClientOf(http));
        }
        else if (status == StatusCodes.Status202Accepted)
        {
            Log.Pending(Log.For(http), http.Request.Path.Value ?? string.Empty, Log.ClientOf(http));
        }

        return WriteAsync(http, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text + "\n"));
    }

    // Content-Length on every answer (RFC 7230 section 3.3.2): with it Kestrel never switches to chunked framing.
    private static async Task WriteAsync(HttpContext http, int status, string contentType, byte[] body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    private readonly record struct Refusal(int Status, string Text, string? LogDetail);

    /// <summary>One ChainValidator per set of CA certificates (they change only at a CA roll-over).</summary>
    private sealed class CaValidatorCache
    {
        private readonly Lock _lock = new();
        private string? _key;
        private ChainValidator? _validator;

        public ChainValidator For(X509Certificate2Collection caCertificates)
        {
            var key = string.Join(',', caCertificates.Select(c => c.Thumbprint));
            lock (_lock)
            {
                if (_key != key || _validator is null)
                {
                    _validator = new ChainValidator(caCertificates.Select(Certificate.FromX509Certificate2).ToArray());
                    _key = key;
                }

                return _validator;
            }
        }
    }
}
