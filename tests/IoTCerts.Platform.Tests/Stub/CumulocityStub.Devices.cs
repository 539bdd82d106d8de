using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IoTCerts.Platform.Tests.Stub;

/// <summary>A device registered through bulk registration.</summary>
public sealed record StubDevice(string Id, string AuthType, string? Otp, IReadOnlyDictionary<string, string> Cells);

public sealed partial class CumulocityStub
{
    private static readonly byte[] TokenSecret = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, int> _lag = new();

    internal Lazy<X509Certificate2> CrlSigner { get; } = new(() => CreateCa("CN=t100 CRL signer"));

    public ConcurrentDictionary<string, StubDevice> Devices { get; } = new();

    /// <summary>The tenant CA of the certificate-authority feature, once created (with its key).</summary>
    public X509Certificate2? TenantCa { get; private set; }

    public bool CertificateAuthorityFeatureActive { get; set; } = true;

    public ConcurrentDictionary<string, string> IssuedTokens { get; } = new();

    private void MapDeviceRoutes(WebApplication app)
    {
        app.MapPost("/devicecontrol/bulkNewDeviceRequests", Admin(BulkRegisterAsync));
        app.MapGet("/features/certificate-authority", Admin(c => JsonAsync(c, 200, new JsonObject
        {
            ["phase"] = "PUBLIC",
            ["active"] = CertificateAuthorityFeatureActive,
            ["strategy"] = "TENANT",
            ["key"] = "certificate-authority",
        })));
        app.MapPost("/certificate-authority", Admin(CreateTenantCaAsync));
        app.MapPost("/certificate-authority/renew", Admin(RenewTenantCaAsync));
        app.MapPost("/.well-known/est/simpleenroll", EnrollAsync);
        app.MapPost("/.well-known/est/simplereenroll", ReenrollAsync);
        app.MapPost("/devicecontrol/deviceAccessToken", AccessTokenAsync);
    }

    private async Task BulkRegisterAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await ErrorAsync(context, 422, "validation/Invalid Data", "multipart/form-data with part 'file' expected");
            return;
        }

        var form = await context.Request.ReadFormAsync();
        var file = form.Files["file"];
        if (file is null)
        {
            await ErrorAsync(context, 422, "validation/Invalid Data", "part 'file' is missing");
            return;
        }

        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
        var lines = (await reader.ReadToEndAsync()).Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries);
        var separator = lines[0].Contains(';') ? ';' : lines[0].Contains('\t') ? '\t' : ',';
        var header = ParseCsvLine(lines[0], separator);
        var created = 0;
        var failed = new JsonArray();
        var needsTypeAndName = header.Any(h => h is "ICCID" or "IDTYPE" or "PATH" or "SHELL");
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = ParseCsvLine(lines[i], separator);
            var row = header.Select((h, n) => (h, v: n < cells.Count ? cells[n] : "")).ToDictionary(p => p.h, p => p.v);
            var id = row.GetValueOrDefault("ID", "");
            string? reason = null;
            if (id.Length == 0)
            {
                reason = "ID is missing";
            }
            else if (row.GetValueOrDefault("AUTH_TYPE") == "CERTIFICATES" && row.GetValueOrDefault("CREDENTIALS", "").Length > 0)
            {
                reason = "Credentials must be empty for AUTH_TYPE CERTIFICATES";
            }
            else if (needsTypeAndName && (row.GetValueOrDefault("TYPE", "").Length == 0 || row.GetValueOrDefault("NAME", "").Length == 0))
            {
                reason = "TYPE and NAME are required";
            }
            else if (Devices.ContainsKey(id))
            {
                reason = "Device with this ID already exists";
            }

            if (reason is not null)
            {
                failed.Add(new JsonObject { ["deviceId"] = id, ["bulkNewDeviceStatus"] = "FAILED", ["failureReason"] = reason, ["line"] = lines[i] });
                continue;
            }

            var otp = row.GetValueOrDefault("ENROLLMENT_OTP");
            Devices[id] = new StubDevice(id, row.GetValueOrDefault("AUTH_TYPE", "BASIC"), string.IsNullOrEmpty(otp) ? null : otp, row);
            created++;
        }

        var all = lines.Length - 1;
        context.Response.StatusCode = 201;
        context.Response.ContentType = "application/vnd.com.nsn.cumulocity.bulknewdevicerequest+json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["numberOfAll"] = all,
            ["numberOfCreated"] = created,
            ["numberOfFailed"] = failed.Count,
            ["numberOfSuccessful"] = created,
            ["credentialUpdatedList"] = new JsonArray(),
            ["failedCreationList"] = failed,
        }.ToJsonString());
    }

    internal static List<string> ParseCsvLine(string line, char separator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }

    private async Task CreateTenantCaAsync(HttpContext context)
    {
        if (!CertificateAuthorityFeatureActive)
        {
            await ErrorAsync(context, 404, "feature/Not Found", "Feature certificate-authority is not active");
            return;
        }

        if (TenantCa is not null)
        {
            await ErrorAsync(context, 409, "certificate-authority/Conflict", "Tenant certificate authority already exists");
            return;
        }

        var stored = InstallTenantCa();
        await JsonAsync(context, 201, ToJson(stored));
    }

    private async Task RenewTenantCaAsync(HttpContext context)
    {
        if (TenantCa is null)
        {
            await ErrorAsync(context, 404, "certificate-authority/Not Found", "Tenant certificate authority does not exist");
            return;
        }

        var old = Convert.ToHexStringLower(SHA1.HashData(TenantCa.RawData));
        Certificates.TryRemove(old, out _);
        var stored = InstallTenantCa();
        await JsonAsync(context, 200, ToJson(stored));
    }

    private StubCertificate InstallTenantCa()
    {
        TenantCa = CreateCa($"CN=Tenant CA {TenantId}, O=Stub Cumulocity");
        var stored = new StubCertificate
        {
            Certificate = X509CertificateLoader.LoadCertificate(TenantCa.RawData),
            Name = "Tenant CA",
            TenantCa = true,
            AutoRegistration = false,
            Order = Interlocked.Increment(ref _order),
            PopValid = true,
        };
        Certificates[stored.Fingerprint] = stored;
        return stored;
    }

    private async Task EnrollAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"est\"";
            await ErrorAsync(context, 401, "security/Unauthorized", "Basic authentication with externalId and one-time password required");
            return;
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
        var externalId = pair[..pair.IndexOf(':')];
        var otp = pair[(pair.IndexOf(':') + 1)..];
        if (TenantCa is null)
        {
            await ErrorAsync(context, 400, "certificate-authority/Bad Request", "Tenant certificate authority does not exist or has expired");
            return;
        }

        var lag = _lag.AddOrUpdate(externalId, 1, (_, n) => n + 1);
        if (!Devices.TryGetValue(externalId, out var device) || device.Otp is null || lag <= RegistrationLagAttempts)
        {
            await ErrorAsync(context, 404, "devicecontrol/Not Found", "No newDeviceRequest found for this ID");
            return;
        }

        if (device.Otp != otp)
        {
            await ErrorAsync(context, 401, "security/Unauthorized", "Invalid one-time password");
            return;
        }

        var issued = await IssueFromCsrAsync(context, externalId);
        if (issued is null)
        {
            return;
        }

        Devices[externalId] = device with { Otp = null };
        await WriteIssuedAsync(context, issued);
    }

    private async Task ReenrollAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !IssuedTokens.TryGetValue(authorization[7..], out var deviceId))
        {
            await ErrorAsync(context, 401, "security/Unauthorized", "A valid device access token is required");
            return;
        }

        var issued = await IssueFromCsrAsync(context, deviceId);
        if (issued is not null)
        {
            await WriteIssuedAsync(context, issued);
        }
    }

    private async Task<X509Certificate2?> IssueFromCsrAsync(HttpContext context, string deviceId)
    {
        if (!(context.Request.ContentType ?? "").StartsWith("application/pkcs10", StringComparison.Ordinal))
        {
            await ErrorAsync(context, 415, "est/Unsupported Media Type", "Content-Type application/pkcs10 expected");
            return null;
        }

        CertificateRequest request;
        try
        {
            var der = Convert.FromBase64String((await ReadBodyAsync(context)).Replace("\r", "").Replace("\n", ""));
            request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            await ErrorAsync(context, 400, "est/Bad Request", "The body is not a base64 PKCS#10 request");
            return null;
        }

        if (request.SubjectName.Name != "CN=" + deviceId)
        {
            await ErrorAsync(context, 400, "est/Bad Request", $"The request's CN must be the external id {deviceId}");
            return null;
        }

        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var caKey = TenantCa!.GetRSAPrivateKey()!;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(TenantCa!.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1), serial);
    }

    private async Task WriteIssuedAsync(HttpContext context, X509Certificate2 issued)
    {
        if (EnrollAnswersPem)
        {
            context.Response.StatusCode = 201;
            context.Response.ContentType = "application/pkix-cert";
            await context.Response.WriteAsync(issued.ExportCertificatePem());
            return;
        }

        var pkcs7 = new X509Certificate2Collection(issued).Export(X509ContentType.Pkcs7)!;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/pkcs7-mime; smime-type=certs-only";
        context.Response.Headers["Content-Transfer-Encoding"] = "base64";
        await context.Response.WriteAsync(Convert.ToBase64String(pkcs7, Base64FormattingOptions.InsertLineBreaks));
    }

    private async Task AccessTokenAsync(HttpContext context)
    {
        if (context.Connection.LocalPort != TokenPort)
        {
            await ErrorAsync(context, 404, "devicecontrol/Not Found", "The device access token API is served on the mTLS port");
            return;
        }

        var certificate = await context.Connection.GetClientCertificateAsync();
        if (certificate is null)
        {
            await ErrorAsync(context, 401, "security/Unauthorized", "Client certificate required");
            return;
        }

        var extra = ParseChainHeader(context.Request.Headers["X-Ssl-Cert-Chain"].ToString());
        if (extra is null)
        {
            await ErrorAsync(context, 400, "security/Bad Request", "Could not parse X-Ssl-Cert-Chain");
            return;
        }

        if (!ChainsToTrusted(certificate, extra))
        {
            await ErrorAsync(context, 401, "security/Unauthorized", "Certificate is not trusted, revoked or invalid");
            return;
        }

        var deviceId = certificate.GetNameInfo(X509NameType.SimpleName, false);
        var token = CreateJwt(deviceId);
        IssuedTokens[token] = deviceId;
        await JsonAsync(context, 200, new JsonObject { [SnakeCaseAccessToken ? "access_token" : "accessToken"] = token });
    }

    /// <summary>The chain headers: PEM certificates whose line breaks became spaces; null when unreadable.</summary>
    internal static X509Certificate2Collection? ParseChainHeader(string header)
    {
        var chain = new X509Certificate2Collection();
        try
        {
            foreach (var part in header.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries))
            {
                var base64 = part.Replace("-----BEGIN CERTIFICATE-----", "").Replace(" ", "").Trim();
                if (base64.Length > 0)
                {
                    chain.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64)));
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }

        return chain;
    }

    private static string CreateJwt(string deviceId)
    {
        static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var payload = Encode(Encoding.UTF8.GetBytes(new JsonObject { ["sub"] = "device_" + deviceId, ["ten"] = TenantId, ["iat"] = now, ["exp"] = now + 3600, ["jti"] = Guid.NewGuid().ToString() }.ToJsonString()));
        var signature = Encode(HMACSHA256.HashData(TokenSecret, Encoding.ASCII.GetBytes(header + "." + payload)));
        return $"{header}.{payload}.{signature}";
    }

    internal static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1095));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
