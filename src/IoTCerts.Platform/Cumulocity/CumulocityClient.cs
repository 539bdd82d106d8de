using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IoTCerts.Platform.Json;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// The Cumulocity IoT REST client for certificate administration (R-20..R-25): trusted certificates, proof of
/// possession, CRL settings, bulk registration of certificate devices and the certificate-authority feature.
/// Thread-safe and immutable once made; usable as a typed HttpClient (<c>AddCumulocityClient</c>). Device-side calls
/// (token over mTLS, EST enrollment) live in <see cref="CumulocityDeviceClient"/>.
/// </summary>
public partial class CumulocityClient
{
    private const string JsonMediaType = "application/json";

    private readonly RestTransport? _transport;
    private readonly CumulocityClientOptions? _options;
    private readonly ILogger? _logger;
    private readonly string? _authorization;
    private volatile string? _tenant;

    /// <summary>Creates a client over <paramref name="httpClient"/> (whose handler carries any TLS settings).</summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public CumulocityClient(HttpClient httpClient, CumulocityClientOptions options, ILogger<CumulocityClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        // Copied first, then validated: the client works on what it checked, whatever the caller changes later.
        _options = options.Clone();
        _options.Validate();
        _logger = logger;
        _transport = new RestTransport(httpClient, new TransportSettings(_options.MaxRetries, _options.RetryBaseDelay, _options.MaxRetryDelay, _options.RequestTimeout, _options.MaxResponseBytes, _options.TimeProvider), logger);
        _tenant = _options.Tenant;
        _authorization = _options.BearerToken is { } token ? "Bearer " + token : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{QualifiedUser(_options)}:{_options.Password}"));
    }

    /// <summary>For mocking only.</summary>
    protected CumulocityClient()
    {
    }

    private CumulocityClientOptions Options => _options ?? throw new InvalidOperationException("this CumulocityClient was created for mocking");

    private RestTransport Transport => _transport ?? throw new InvalidOperationException("this CumulocityClient was created for mocking");

    /// <summary>
    /// The tenant id: <see cref="CumulocityClientOptions.Tenant"/>, or the <c>name</c> of <c>GET /tenant/currentTenant</c>,
    /// asked once and remembered.
    /// </summary>
    public virtual async Task<string> GetTenantIdAsync(CancellationToken cancellationToken = default)
    {
        if (_tenant is { } known)
        {
            return known;
        }

        var tenant = await GetJsonAsync("/tenant/currentTenant", CumulocityJsonContext.Default.CurrentTenant, RoleHint.None, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(tenant.Name) || tenant.Name.IndexOfAny(['/', '?', '#']) >= 0)
        {
            throw new CumulocityException(CumulocityErrorCode.InvalidResponse, "GET /tenant/currentTenant did not name a usable tenant id") { Request = "GET /tenant/currentTenant" };
        }

        _tenant = tenant.Name;
        return tenant.Name;
    }

    private static string QualifiedUser(CumulocityClientOptions options) =>
        options.Tenant is { } tenant && !options.UserName!.Contains('/', StringComparison.Ordinal) ? $"{tenant}/{options.UserName}" : options.UserName!;

    private async Task<string> TenantPathAsync(CancellationToken cancellationToken) =>
        "/tenant/tenants/" + Uri.EscapeDataString(await GetTenantIdAsync(cancellationToken).ConfigureAwait(false));

    internal Uri UriFor(string pathAndQuery)
    {
        var root = Options.BaseUri!.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(root + pathAndQuery, UriKind.Absolute);
    }

    /// <summary>Follows a <c>next</c> link on the configured host only, so credentials never go to a host named by a response.</summary>
    internal Uri NextUri(string next)
    {
        if (!Uri.TryCreate(next, UriKind.Absolute, out var link))
        {
            return UriFor(next.StartsWith('/') ? next : "/" + next);
        }

        var configured = Options.BaseUri!;
        if (string.Equals(link.Scheme, configured.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(link.Host, configured.Host, StringComparison.OrdinalIgnoreCase)
            && link.Port == configured.Port)
        {
            return link;
        }

        return new UriBuilder(configured) { Path = link.AbsolutePath, Query = link.Query.TrimStart('?') }.Uri;
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri uri, string accept)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    private static string Describe(HttpMethod method, Uri uri) => $"{method.Method} {uri.AbsolutePath}";

    private async Task<RestResponse> SendAsync(HttpMethod method, Uri uri, Func<HttpContent?>? content, string accept, CancellationToken cancellationToken)
    {
        return await Transport.SendAsync(
            () =>
            {
                var request = NewRequest(method, uri, accept);
                request.Content = content?.Invoke();
                return request;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> GetJsonAsync<T>(string pathAndQuery, JsonTypeInfo<T> type, RoleHint role, CancellationToken cancellationToken)
        where T : class
    {
        var uri = UriFor(pathAndQuery);
        var response = await SendAsync(HttpMethod.Get, uri, null, JsonMediaType, cancellationToken).ConfigureAwait(false);
        var request = Describe(HttpMethod.Get, uri);
        return response.IsSuccess ? RestTransport.Read(response, type, request) : throw RestTransport.Failure(response, request, role);
    }

    private static Func<HttpContent> JsonBody<T>(T value, JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        return () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
            return content;
        };
    }

    /// <summary>Sends and maps any non-success to <see cref="CumulocityException"/>; returns the success response.</summary>
    private async Task<RestResponse> SendExpectingSuccessAsync(HttpMethod method, Uri uri, Func<HttpContent?>? content, string accept, RoleHint role, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, uri, content, accept, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? response : throw RestTransport.Failure(response, Describe(method, uri), role);
    }
}
