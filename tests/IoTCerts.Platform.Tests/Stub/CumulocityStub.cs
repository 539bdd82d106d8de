using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Platform.Tests.Stub;

/// <summary>A request as the stub received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ClientCertificateSubject)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => JsonNode.Parse(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A canned answer for the next request whose path contains <see cref="PathContains"/> (proxies, rate limits).</summary>
public sealed record Fault(string PathContains, int Status, string ContentType, string Body, string? RetryAfter = null);

/// <summary>
/// A local stand-in for the Cumulocity SaaS that follows /work/shared/docs/cumulocity-api.md: HTTPS on 127.0.0.1
/// (free ports), REST + EST on one port, the device-token endpoint with required client certificates on another.
/// It records every request so tests can assert the exact shapes the client sends.
/// </summary>
public sealed partial class CumulocityStub : IAsyncDisposable
{
    public const string TenantId = "t100";
    public const string AdminUser = "admin";
    public const string ReaderUser = "reader";
    public const string Password = "s3cret-Passw0rd";
    public const string BearerToken = "oai-admin-token";
    public const string ErrorMediaType = "application/vnd.com.nsn.cumulocity.error+json";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private CumulocityStub(WebApplication app, X509Certificate2 serverCertificate)
    {
        _app = app;
        ServerCertificate = serverCertificate;
    }

    /// <summary>The stub's self-signed TLS certificate (trust anchor for clients).</summary>
    public X509Certificate2 ServerCertificate { get; }

    public Uri BaseUri { get; private set; } = null!;

    public int TokenPort { get; private set; }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Writes <c>access_token</c> instead of <c>accessToken</c> (some clients read that spelling).</summary>
    public bool SnakeCaseAccessToken { get; set; }

    /// <summary>Answer simpleenroll with 201 + PEM (as the docs show) instead of 200 + base64 PKCS#7.</summary>
    public bool EnrollAnswersPem { get; set; }

    /// <summary>How many enrollment attempts of a registered device still see "No newDeviceRequest found" (registration lag).</summary>
    public int RegistrationLagAttempts { get; set; }

    /// <summary>How many of the next verification codes are handed out already expired.</summary>
    public int ExpiredCodesToIssue { get; set; }

    /// <summary>How many of the next PoP uploads are refused as "expired" although the code looked valid (clock skew).</summary>
    public int ExpireOnUpload { get; set; }

    /// <summary>Lifetime of verification codes.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Base of next/prev links (default: this server); set to a foreign host to check clients do not follow it blindly.</summary>
    public string? LinkBase { get; set; }

    public void Inject(Fault fault) => _faults.Enqueue(fault);

    public void ClearRequests() => _requests.Clear();

    public static async Task<CumulocityStub> StartAsync()
    {
        var serverCertificate = CreateServerCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(serverCertificate));
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,

                // The endpoint itself decides, as the platform does, against its trusted certificates.
                ClientCertificateValidation = (_, _, _) => true,
            }));
        });
        builder.Services.AddRouting();
        var app = builder.Build();
        var stub = new CumulocityStub(app, serverCertificate);
        app.Use(stub.RecordAndInjectAsync);
        stub.MapRoutes(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).OrderBy(a => a.Port).ToList();

        // Kestrel reports both endpoints; the first Listen call is the REST port. Tell them apart by trying the order they were bound.
        var ports = addresses.Select(a => a.Port).ToList();
        stub.BaseUri = new Uri($"https://127.0.0.1:{ports[0]}");
        stub.TokenPort = ports[1];
        await stub.IdentifyPortsAsync();
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>An HttpClient trusting only this stub's certificate (optionally presenting a client certificate).</summary>
    public HttpClient CreateHttpClient(X509Certificate2? clientCertificate = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(ServerCertificate.RawData),
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }

        return new HttpClient(handler);
    }

    private async Task IdentifyPortsAsync()
    {
        // The port requiring a client certificate refuses a handshake without one; swap if we guessed wrong.
        using var http = CreateHttpClient();
        try
        {
            using var _ = await http.GetAsync(new Uri(BaseUri, "/health"));
        }
        catch (HttpRequestException)
        {
            (BaseUri, TokenPort) = (new Uri($"https://127.0.0.1:{TokenPort}"), BaseUri.Port);
        }

        _requests.Clear();
    }

    private async Task RecordAndInjectAsync(HttpContext context, RequestDelegate next)
    {
        context.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        context.Request.Body.Position = 0;
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var clientCertificate = await context.Connection.GetClientCertificateAsync();
        _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, buffer.ToArray(), clientCertificate?.Subject));

        if (_faults.TryPeek(out var fault) && (context.Request.Path.Value ?? "").Contains(fault.PathContains, StringComparison.Ordinal) && _faults.TryDequeue(out fault))
        {
            context.Response.StatusCode = fault.Status;
            context.Response.ContentType = fault.ContentType;
            if (fault.RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = fault.RetryAfter;
            }

            await context.Response.WriteAsync(fault.Body);
            return;
        }

        await next(context);
    }

    internal static Task ErrorAsync(HttpContext context, int status, string error, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ErrorMediaType;
        var body = new JsonObject { ["error"] = error, ["message"] = message, ["info"] = "https://cumulocity.com/guides/reference/rest-implementation" };
        return context.Response.WriteAsync(body.ToJsonString());
    }

    internal static Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    /// <summary>Basic <c>t100/admin</c> or <c>admin</c>, or the Bearer token; a reader gets 403, anything else 401.</summary>
    internal static async Task<bool> AuthorizeAdminAsync(HttpContext context, bool anyUser = false)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        string? user = null;
        if (authorization == "Bearer " + BearerToken)
        {
            user = AdminUser;
        }
        else if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
            var colon = pair.IndexOf(':');
            var name = pair[..colon];
            var password = pair[(colon + 1)..];
            if (name.StartsWith(TenantId + "/", StringComparison.Ordinal))
            {
                name = name[(TenantId.Length + 1)..];
            }

            if (password == Password && name is AdminUser or ReaderUser)
            {
                user = name;
            }
        }

        if (user is null)
        {
            await ErrorAsync(context, 401, "security/Unauthorized", "Invalid credentials!");
            return false;
        }

        if (user == ReaderUser && !anyUser)
        {
            await ErrorAsync(context, 403, "security/Forbidden", "Access is denied");
            return false;
        }

        return true;
    }

    private static X509Certificate2 CreateServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
