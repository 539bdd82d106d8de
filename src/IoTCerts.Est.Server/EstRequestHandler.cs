using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IoTCerts.Est.Server;

/// <summary>Serves one EST operation (RFC 7030 section 4) for <see cref="EstServerOptions"/>.</summary>
internal sealed class EstRequestHandler(EstServerOptions options, IEstCertificateIssuer issuer)
{
    private const string SubjectAltNameOid = "2.5.29.17";

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
                await WriteCertificatesAsync(http, issuer.GetCaCertificates(label), StatusCodes.Status200OK, null).ConfigureAwait(false);
                return;
            case EstOperation.CsrAttributes when options.CsrAttributes is null:
                http.Response.StatusCode = StatusCodes.Status204NoContent;
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
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        CertificateRequest request;
        try
        {
            var der = EstBody.DecodeBase64(Encoding.ASCII.GetString(body));
            request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, out var consumed, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
            if (consumed != der.Length)
            {
                throw new FormatException("trailing data after the request");
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            await WriteTextAsync(http, StatusCodes.Status400BadRequest, "the body is not a base64 PKCS#10 request with a valid signature").ConfigureAwait(false);
            return;
        }

        var clientCertificate = await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false);
        var (user, password) = ParseBasic(http.Request.Headers.Authorization.ToString());
        var now = options.TimeProvider.GetUtcNow();
        var context = new EstRequestContext(operation, label, clientCertificate, user, password, request, now);

        if (operation == EstOperation.Reenroll)
        {
            var refusal = CheckReenroll(context, clientCertificate, request, label, now);
            if (refusal is not null)
            {
                await WriteTextAsync(http, refusal.Value.Status, refusal.Value.Text).ConfigureAwait(false);
                return;
            }
        }
        else if (!await IsAuthorizedAsync(context, http.RequestAborted).ConfigureAwait(false))
        {
            if (options.OfferBasicAuthentication)
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"est\", charset=\"UTF-8\"";
            }

            await WriteTextAsync(http, StatusCodes.Status401Unauthorized, "the client is not authorized to enroll: present a bootstrap certificate or valid credentials").ConfigureAwait(false);
            return;
        }

        if (options.Approval is { } approval)
        {
            var (state, retryAfter) = await approval.EvaluateAsync(ManualApprovalQueue.IdOf(request.PublicKey), context, http.RequestAborted).ConfigureAwait(false);
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
                await ServerKeyGenAsync(http, request, context).ConfigureAwait(false);
                return;
            }

            var issued = await issuer.IssueAsync(request, context, http.RequestAborted).ConfigureAwait(false);
            await WriteCertificatesAsync(http, issued, StatusCodes.Status200OK, "certs-only").ConfigureAwait(false);
            var leaf = issued.Count == 0 ? null : IoTCerts.Core.OrderedChain.FromBag(issued.Select(c => IoTCerts.Core.Certificate.Parse(c.RawData))).Certificates[0];
            Log.Issued(Log.For(http), operation.ToString(), leaf?.Subject.Rfc4514Name ?? request.SubjectName.Name, leaf?.SerialNumberHex ?? "?", Log.ClientOf(http));
        }
        catch (EstRefusalException ex)
        {
            await WriteTextAsync(http, ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (CryptographicException)
        {
            await WriteTextAsync(http, StatusCodes.Status500InternalServerError, "the CA could not issue the certificate").ConfigureAwait(false);
        }
    }

    /// <summary>RFC 7030 section 4.2.2 / R-73: the current certificate is the TLS client certificate, issued by this CA, and the request repeats its Subject and SubjectAltName exactly.</summary>
    private (int Status, string Text)? CheckReenroll(EstRequestContext context, X509Certificate2? current, CertificateRequest request, string? label, DateTimeOffset now)
    {
        if (current is null)
        {
            return (StatusCodes.Status401Unauthorized, "re-enrollment requires the current certificate as the TLS client certificate");
        }

        var caCertificates = issuer.GetCaCertificates(label);
        if (!EstAuthorization.Chains(current, caCertificates, caCertificates, now))
        {
            return (StatusCodes.Status403Forbidden, "the TLS client certificate was not issued by this CA or is no longer valid; enroll with the bootstrap identity");
        }

        if (!current.SubjectName.RawData.AsSpan().SequenceEqual(request.SubjectName.RawData))
        {
            return (StatusCodes.Status400BadRequest, "the request's Subject differs from the current certificate's");
        }

        var currentSan = current.Extensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid)?.RawData;
        var requestedSan = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid)?.RawData;
        if (!(currentSan ?? []).AsSpan().SequenceEqual(requestedSan ?? []))
        {
            return (StatusCodes.Status400BadRequest, "the request's SubjectAltName differs from the current certificate's");
        }

        _ = context;
        return null;
    }

    private async Task<bool> IsAuthorizedAsync(EstRequestContext context, CancellationToken cancellationToken)
    {
        foreach (var authorizer in options.Authorizers)
        {
            if (await authorizer.AuthorizeAsync(context, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    private async Task ServerKeyGenAsync(HttpContext http, CertificateRequest clientRequest, EstRequestContext context)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(clientRequest.SubjectName, key, HashAlgorithmName.SHA256);
        foreach (var extension in clientRequest.CertificateExtensions.Where(e => e.Oid?.Value == SubjectAltNameOid))
        {
            request.CertificateExtensions.Add(extension);
        }

        var issued = await issuer.IssueAsync(request, context, http.RequestAborted).ConfigureAwait(false);
        var boundary = "est-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        var body = MultipartMixed.Write(boundary, [
            (EstMediaTypes.Pkcs8, EstBody.EncodeBase64(key.ExportPkcs8PrivateKey())),
            (EstMediaTypes.Pkcs7Mime + "; smime-type=certs-only", EstBody.EncodeBase64(CertsOnlyCodec.Write(issued))),
        ]);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = $"{EstMediaTypes.MultipartMixed}; boundary={boundary}";
        await http.Response.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
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

    private static Task WriteCertificatesAsync(HttpContext http, X509Certificate2Collection certificates, int status, string? smimeType)
    {
        http.Response.StatusCode = status;
        return WriteBase64Async(http, smimeType is null ? EstMediaTypes.Pkcs7Mime : $"{EstMediaTypes.Pkcs7Mime}; smime-type={smimeType}", CertsOnlyCodec.Write(certificates));
    }

    private static async Task WriteBase64Async(HttpContext http, string contentType, byte[] der)
    {
        http.Response.ContentType = contentType;
        http.Response.Headers["Content-Transfer-Encoding"] = "base64";
        await http.Response.WriteAsync(EstBody.EncodeBase64(der), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteTextAsync(HttpContext http, int status, string text)
    {
        if (status >= StatusCodes.Status400BadRequest)
        {
            Log.Refused(Log.For(http), http.Request.Path.Value ?? string.Empty, status, text, Log.ClientOf(http));
        }
        else if (status == StatusCodes.Status202Accepted)
        {
            Log.Pending(Log.For(http), http.Request.Path.Value ?? string.Empty, Log.ClientOf(http));
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.WriteAsync(text + "\n", http.RequestAborted).ConfigureAwait(false);
    }
}
