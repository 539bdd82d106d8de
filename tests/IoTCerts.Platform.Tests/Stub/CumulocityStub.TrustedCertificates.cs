using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IoTCerts.Platform.Tests.Stub;

/// <summary>A trusted certificate as the stub stores it.</summary>
public sealed class StubCertificate
{
    public required X509Certificate2 Certificate { get; init; }

    public required string Name { get; set; }

    public string Status { get; set; } = "ENABLED";

    public bool AutoRegistration { get; set; }

    public string? Code { get; set; }

    public DateTimeOffset? CodeUsableUntil { get; set; }

    public bool PopValid { get; set; }

    public bool TenantCa { get; init; }

    public long Order { get; init; }

    public string Fingerprint => Convert.ToHexStringLower(SHA1.HashData(Certificate.RawData));
}

public sealed partial class CumulocityStub
{
    private const string TenantPrefix = "/tenant/tenants/{tenant}";
    private long _order;

    public ConcurrentDictionary<string, StubCertificate> Certificates { get; } = new();

    /// <summary>Fingerprints uploaded by other tenants of the instance (409 here too: unique across the instance).</summary>
    public ConcurrentDictionary<string, bool> OtherTenantFingerprints { get; } = new();

    public ConcurrentQueue<JsonNode> CrlUpdates { get; } = new();

    public string? LastIssuedCode { get; private set; }

    private void MapRoutes(WebApplication app)
    {
        app.MapGet("/tenant/currentTenant", async c =>
        {
            // Every user may read its own tenant.
            if (await AuthorizeAdminAsync(c, anyUser: true))
            {
                await JsonAsync(c, 200, new JsonObject { ["name"] = TenantId, ["domainName"] = "127.0.0.1" });
            }
        });
        app.MapGet(TenantPrefix + "/trusted-certificates", Admin(ListAsync));
        app.MapPost(TenantPrefix + "/trusted-certificates", Admin(CreateAsync));
        app.MapPost(TenantPrefix + "/trusted-certificates/bulk", Admin(BulkCreateAsync));
        app.MapGet(TenantPrefix + "/trusted-certificates/{fingerprint}", Admin(c => WithCertificate(c, s => JsonAsync(c, 200, ToJson(s)))));
        app.MapPut(TenantPrefix + "/trusted-certificates/{fingerprint}", Admin(UpdateAsync));
        app.MapDelete(TenantPrefix + "/trusted-certificates/{fingerprint}", Admin(c => WithCertificate(c, s =>
        {
            Certificates.TryRemove(s.Fingerprint, out _);
            c.Response.StatusCode = 204;
            return Task.CompletedTask;
        })));
        app.MapPost(TenantPrefix + "/trusted-certificates-pop/{fingerprint}/verification-code", Admin(c => WithCertificate(c, s => IssueCodeAsync(c, s))));
        app.MapPost(TenantPrefix + "/trusted-certificates-pop/{fingerprint}/pop", Admin(c => WithCertificate(c, s => ProveAsync(c, s))));
        app.MapPost(TenantPrefix + "/trusted-certificates-pop/{fingerprint}/confirmed", Admin(c => WithCertificate(c, s =>
        {
            s.PopValid = true;
            return JsonAsync(c, 200, ToJson(s));
        })));
        app.MapPost("/tenant/trusted-certificates/verify-cert-chain", Admin(VerifyChainAsync));
        app.MapGet("/tenant/trusted-certificates/settings/crl", Admin(GetCrlAsync));
        app.MapPut("/tenant/trusted-certificates/settings/crl", Admin(PutCrlAsync));
        MapDeviceRoutes(app);
    }

    private static RequestDelegate Admin(Func<HttpContext, Task> handler) => async context =>
    {
        if (!await AuthorizeAdminAsync(context))
        {
            return;
        }

        if (context.Request.RouteValues.TryGetValue("tenant", out var tenant) && (string?)tenant != TenantId)
        {
            await ErrorAsync(context, 404, "tenant/Not Found", $"Tenant {tenant} not found");
            return;
        }

        await handler(context);
    };

    private async Task WithCertificate(HttpContext context, Func<StubCertificate, Task> handler)
    {
        var fingerprint = (string)context.Request.RouteValues["fingerprint"]!;
        if (!Certificates.TryGetValue(fingerprint, out var stored))
        {
            await ErrorAsync(context, 404, "tenant/Not Found", $"Certificate with fingerprint {fingerprint} not found");
            return;
        }

        await handler(stored);
    }

    internal JsonObject ToJson(StubCertificate s)
    {
        var json = new JsonObject
        {
            ["name"] = s.Name,
            ["certInPemFormat"] = Convert.ToBase64String(s.Certificate.RawData),
            ["fingerprint"] = s.Fingerprint,
            ["status"] = s.Status,
            ["autoRegistrationEnabled"] = s.AutoRegistration,
            ["issuer"] = s.Certificate.Issuer,
            ["subject"] = s.Certificate.Subject,
            ["algorithmName"] = s.Certificate.GetKeyAlgorithm() == "1.2.840.10045.2.1" ? "SHA256withECDSA" : "SHA256withRSA",
            ["serialNumber"] = s.Certificate.SerialNumber,
            ["version"] = s.Certificate.Version,
            ["notBefore"] = s.Certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["notAfter"] = s.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["self"] = $"{BaseUri}tenant/tenants/{TenantId}/trusted-certificates/{s.Fingerprint}",
            ["proofOfPossessionValid"] = s.PopValid,
            ["tenantCertificateAuthority"] = s.TenantCa,
        };
        if (s.Code is not null)
        {
            json["proofOfPossessionUnsignedVerificationCode"] = s.Code;
            json["proofOfPossessionVerificationCodeUsableUntil"] = s.CodeUsableUntil!.Value.ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
        }

        return json;
    }

    private async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var pageSize = int.TryParse(query["pageSize"], out var size) ? size : 5;
        var currentPage = int.TryParse(query["currentPage"], out var page) ? page : 1;
        if (pageSize is < 1 or > 2000)
        {
            await ErrorAsync(context, 422, "validation/Invalid Data", "pageSize must be between 1 and 2000");
            return;
        }

        var onlyCa = query["certificateAuthority"] == "true";
        var all = Certificates.Values.Where(c => !onlyCa || c.TenantCa).OrderBy(c => c.Order).ToList();
        var items = all.Skip((currentPage - 1) * pageSize).Take(pageSize).Select(c => (JsonNode)ToJson(c)).ToArray();
        var linkBase = (LinkBase ?? BaseUri.ToString()).TrimEnd('/');
        var path = $"/tenant/tenants/{TenantId}/trusted-certificates?pageSize={pageSize}" + (onlyCa ? "&certificateAuthority=true" : "");

        // Like the real platform: next is always present, even on the last page.
        var body = new JsonObject
        {
            ["certificates"] = new JsonArray(items),
            ["next"] = $"{linkBase}{path}&currentPage={currentPage + 1}",
            ["self"] = $"{linkBase}{path}&currentPage={currentPage}",
            ["statistics"] = new JsonObject { ["currentPage"] = currentPage, ["pageSize"] = pageSize },
        };
        if (currentPage > 1)
        {
            body["prev"] = $"{linkBase}{path}&currentPage={currentPage - 1}";
        }

        if (query["withTotalPages"] == "true")
        {
            body["statistics"]!["totalPages"] = Math.Max(1, (all.Count + pageSize - 1) / pageSize);
        }

        await JsonAsync(context, 200, body);
    }

    private async Task CreateAsync(HttpContext context)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(context));
        var (status, error, message, stored) = Add(body);
        if (stored is null)
        {
            await ErrorAsync(context, status, error!, message!);
            return;
        }

        await JsonAsync(context, 201, ToJson(stored));
    }

    private async Task BulkCreateAsync(HttpContext context)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(context));
        var created = new JsonArray();
        foreach (var item in body?["certificates"]?.AsArray() ?? [])
        {
            var (status, error, message, stored) = Add(item);
            if (stored is null)
            {
                await ErrorAsync(context, status, error!, message!);
                return;
            }

            created.Add(ToJson(stored));
        }

        await JsonAsync(context, 201, new JsonObject { ["certificates"] = created });
    }

    /// <summary>The documented upload rules: JSON fields present, X.509 v3, CA:true, unique across the instance.</summary>
    private (int, string?, string?, StubCertificate?) Add(JsonNode? body)
    {
        if (body?["name"] is null || body["certInPemFormat"] is null || body["status"] is null || body["autoRegistrationEnabled"] is null)
        {
            return (422, "validation/Invalid Data", "name, certInPemFormat, status and autoRegistrationEnabled are required", null);
        }

        X509Certificate2 certificate;
        try
        {
            var pem = (string)body["certInPemFormat"]!;
            var base64 = pem.Replace("-----BEGIN CERTIFICATE-----", "").Replace("-----END CERTIFICATE-----", "").Replace("\n", "").Replace("\r", "").Replace(" ", "");
            certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return (422, "validation/Invalid Data", "Could not parse certificate", null);
        }

        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (certificate.Version != 3 || constraints is not { CertificateAuthority: true })
        {
            return (422, "validation/Invalid Data", "Certificate is not a CA certificate (X.509 v3 with basicConstraints CA:true required)", null);
        }

        var stored = new StubCertificate
        {
            Certificate = certificate,
            Name = (string)body["name"]!,
            Status = (string)body["status"]!,
            AutoRegistration = (bool)body["autoRegistrationEnabled"]!,
            Order = Interlocked.Increment(ref _order),
        };
        if (OtherTenantFingerprints.ContainsKey(stored.Fingerprint) || !Certificates.TryAdd(stored.Fingerprint, stored))
        {
            return (409, "tenant/Conflict", $"Certificate with fingerprint {stored.Fingerprint} already exists", null);
        }

        return (201, null, null, stored);
    }

    private async Task UpdateAsync(HttpContext context)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(context));
        await WithCertificate(context, async stored =>
        {
            if (body?["status"] is { } status)
            {
                var value = (string)status!;
                if (value is not ("ENABLED" or "DISABLED"))
                {
                    await ErrorAsync(context, 422, "validation/Invalid Data", "status must be ENABLED or DISABLED");
                    return;
                }

                stored.Status = value;
            }

            if (body?["name"] is { } name)
            {
                stored.Name = (string)name!;
            }

            if (body?["autoRegistrationEnabled"] is { } auto)
            {
                stored.AutoRegistration = (bool)auto!;
            }

            await JsonAsync(context, 200, ToJson(stored));
        });
    }

    private async Task IssueCodeAsync(HttpContext context, StubCertificate stored)
    {
        stored.Code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant() + "-code";
        LastIssuedCode = stored.Code;
        var expired = ExpiredCodesToIssue > 0;
        if (expired)
        {
            ExpiredCodesToIssue--;
        }

        stored.CodeUsableUntil = expired ? DateTimeOffset.UtcNow.AddMinutes(-1) : DateTimeOffset.UtcNow + CodeLifetime;
        await JsonAsync(context, 200, ToJson(stored));
    }

    private async Task ProveAsync(HttpContext context, StubCertificate stored)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(context));
        var signed = (string?)body?["proofOfPossessionSignedVerificationCode"];
        if (stored.Code is null || signed is null)
        {
            await ErrorAsync(context, 422, "validation/Invalid Data", "No verification code requested or no signed code given");
            return;
        }

        if (stored.CodeUsableUntil < DateTimeOffset.UtcNow || ExpireOnUpload > 0)
        {
            if (ExpireOnUpload > 0)
            {
                ExpireOnUpload--;
            }

            await ErrorAsync(context, 422, "validation/Invalid Data", "Verification code expired, request a new one");
            return;
        }

        var data = Encoding.UTF8.GetBytes(stored.Code);
        bool valid;
        try
        {
            var signature = Convert.FromBase64String(signed);
            using var rsa = stored.Certificate.GetRSAPublicKey();
            using var ec = stored.Certificate.GetECDsaPublicKey();
            valid = rsa?.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ?? ec!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (FormatException)
        {
            valid = false;
        }

        if (!valid)
        {
            await ErrorAsync(context, 400, "tenant/Bad Request", "Proof of possession verification failed: signature does not match");
            return;
        }

        stored.PopValid = true;
        stored.Code = null;
        await JsonAsync(context, 200, ToJson(stored));
    }

    private async Task VerifyChainAsync(HttpContext context)
    {
        if (context.Request.Headers.ContainsKey("X-Cumulocity-Client-Cert-Chain"))
        {
            var fromHeader = ParseChainHeader(context.Request.Headers["X-Cumulocity-Client-Cert-Chain"].ToString());
            if (fromHeader is null || fromHeader.Count is 0 or > 5)
            {
                await ErrorAsync(context, 400, "tenant/Bad Request", "Could not parse X-Cumulocity-Client-Cert-Chain or more than 5 certificates");
                return;
            }

            await JsonAsync(context, 200, new JsonObject
            {
                ["successfullyValidated"] = ChainsToTrusted(fromHeader[0], fromHeader),
                ["tenantId"] = context.Request.Headers["X-Cumulocity-TenantId"].ToString(),
                ["issuer"] = fromHeader[0].Issuer,
                ["subject"] = fromHeader[0].Subject,
            });
            return;
        }

        var form = await context.Request.ReadFormAsync();
        var tenant = form["tenantId"].ToString();
        var file = form.Files["file"];
        if (file is null || tenant.Length == 0)
        {
            await ErrorAsync(context, 400, "tenant/Bad Request", "tenantId and file are required");
            return;
        }

        using var reader = new StreamReader(file.OpenReadStream());
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(await reader.ReadToEndAsync());
        if (chain.Count is 0 or > 10)
        {
            await ErrorAsync(context, 400, "tenant/Bad Request", "Chain must hold 1 to 10 certificates");
            return;
        }

        var leaf = chain[0];
        var validated = ChainsToTrusted(leaf, chain);
        await JsonAsync(context, 200, new JsonObject
        {
            ["successfullyValidated"] = validated,
            ["tenantId"] = tenant,
            ["issuer"] = leaf.Issuer,
            ["subject"] = leaf.Subject,
        });
    }

    /// <summary>Whether an enabled trusted certificate anchors <paramref name="leaf"/> (with <paramref name="extra"/> as intermediates).</summary>
    internal bool ChainsToTrusted(X509Certificate2 leaf, X509Certificate2Collection extra)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(Certificates.Values.Where(c => c.Status == "ENABLED").Select(c => c.Certificate).ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        return chain.Build(leaf);
    }

    private async Task GetCrlAsync(HttpContext context)
    {
        var authority = CrlSigner.Value;
        var builder = new CertificateRevocationListBuilder();
        foreach (var update in CrlUpdates)
        {
            foreach (var entry in update["crls"]!.AsArray())
            {
                builder.AddEntry(Convert.FromHexString((string)entry!["serialNumberInHex"]!), DateTimeOffset.UtcNow);
            }
        }

        var crl = builder.Build(authority, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        context.Response.ContentType = "application/pkix-crl";
        await context.Response.Body.WriteAsync(crl);
    }

    private async Task PutCrlAsync(HttpContext context)
    {
        var body = JsonNode.Parse(await ReadBodyAsync(context));
        if (body?["crls"] is not JsonArray { Count: > 0 })
        {
            await ErrorAsync(context, 422, "validation/Invalid Data", "crls is required");
            return;
        }

        CrlUpdates.Enqueue(body);
        context.Response.StatusCode = 204;
    }

    internal static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
