using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est;
using IoTCerts.Platform.Json;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// The device side of Cumulocity's certificate features: a JWT over REST with mTLS, and enrollment with the
/// certificate-authority feature through EST (external id + one-time password), then re-enrollment with the JWT.
/// Thread-safe; usable as a typed HttpClient (<c>AddCumulocityDeviceClient</c>).
/// </summary>
public class CumulocityDeviceClient
{
    private readonly HttpClient? _http;
    private readonly CumulocityDeviceClientOptions? _options;
    private readonly RestTransport? _transport;
    private readonly ILogger? _logger;

    /// <summary>
    /// Creates a client over <paramref name="httpClient"/>, whose primary handler should come from
    /// <see cref="CumulocityDeviceClientOptions.CreateHttpHandler"/> (it presents the device certificate).
    /// </summary>
    /// <exception cref="ArgumentException">The options are not usable.</exception>
    public CumulocityDeviceClient(HttpClient httpClient, CumulocityDeviceClientOptions options, ILogger<CumulocityDeviceClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        // Copied first, then validated: the client works on what it checked, whatever the caller changes later.
        _options = options.Clone();
        _options.Validate();
        _http = httpClient;
        _logger = logger;
        _transport = new RestTransport(httpClient, new TransportSettings(_options.MaxRetries, _options.RetryBaseDelay, _options.MaxRetryDelay, _options.RequestTimeout, 1024 * 1024, _options.TimeProvider), logger);
    }

    /// <summary>For mocking only.</summary>
    protected CumulocityDeviceClient()
    {
    }

    private CumulocityDeviceClientOptions Options => _options ?? throw new InvalidOperationException("this CumulocityDeviceClient was created for mocking");

    /// <summary>
    /// Asks for a device JWT: <c>POST https://{host}:{DeviceTokenPort}/devicecontrol/deviceAccessToken</c> presenting the
    /// device certificate, without an Authorization header; <c>X-Ssl-Cert-Chain</c> when the options carry a chain.
    /// Reads <c>accessToken</c> or <c>access_token</c>.
    /// </summary>
    /// <exception cref="CumulocityException">401 certificate revoked or not trusted, 404 feature disabled, 400/422, transport.</exception>
    public virtual async Task<DeviceAccessToken> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        var options = Options;
        var basePath = options.BaseUri!.AbsolutePath.TrimEnd('/');
        var uri = new UriBuilder(options.BaseUri) { Port = options.DeviceTokenPort, Path = basePath + "/devicecontrol/deviceAccessToken", Query = string.Empty }.Uri;
        var chainHeader = options.SendCertificateChainHeader && options.ClientCertificateChain.Count > 0 ? ChainHeader(options) : null;
        var response = await _transport!.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, uri);
                request.Headers.Accept.ParseAdd("application/json");
                if (chainHeader is not null)
                {
                    request.Headers.TryAddWithoutValidation("X-Ssl-Cert-Chain", chainHeader);
                }

                return request;
            },
            cancellationToken).ConfigureAwait(false);
        var describe = "POST " + uri.AbsolutePath;
        if (!response.IsSuccess)
        {
            throw RestTransport.Failure(response, describe, RoleHint.Device);
        }

        var body = RestTransport.Read(response, CumulocityJsonContext.Default.AccessTokenBody, describe);
        var token = body.AccessToken ?? body.AccessTokenSnake;
        if (string.IsNullOrEmpty(token))
        {
            throw new CumulocityException(CumulocityErrorCode.InvalidResponse, $"Cumulocity answered {describe} without accessToken or access_token") { Request = describe, Status = response.Status };
        }

        return new DeviceAccessToken(token);
    }

    /// <summary>
    /// Enrolls a registered device with the tenant CA: EST <c>simpleenroll</c> with Basic <c>externalId:oneTimePassword</c>.
    /// While the platform answers "No newDeviceRequest found" (registration not visible yet), asks again every
    /// <see cref="CumulocityDeviceClientOptions.EnrollmentPollInterval"/> up to <see cref="CumulocityDeviceClientOptions.EnrollmentMaxWait"/>.
    /// </summary>
    /// <param name="externalId">The device's external id (the CSR's CN).</param>
    /// <param name="oneTimePassword">The ENROLLMENT_OTP given at registration; never logged.</param>
    /// <param name="certificationRequest">The DER PKCS#10 request.</param>
    /// <param name="cancellationToken">Cancels the request and the polling.</param>
    /// <returns>The issued certificate first, then any other certificates the platform sent.</returns>
    public virtual async Task<X509Certificate2Collection> EnrollAsync(string externalId, string oneTimePassword, ReadOnlyMemory<byte> certificationRequest, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        ArgumentException.ThrowIfNullOrEmpty(oneTimePassword);
        if (externalId.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("an external id used for Basic authentication must not contain ':'", nameof(externalId));
        }

        var options = Options;
        var est = EstOptions(options);
        est.UserName = externalId;
        est.Password = oneTimePassword;
        est.PreemptiveBasicAuthentication = true;
        var client = new EstClient(_http!, est);
        var waited = TimeSpan.Zero;
        while (true)
        {
            try
            {
                return Issued(await client.EnrollAsync(certificationRequest, cancellationToken).ConfigureAwait(false), "simpleenroll");
            }
            catch (EstException ex) when (IsNotRegisteredYet(ex) && waited + options.EnrollmentPollInterval <= options.EnrollmentMaxWait)
            {
                if (_logger is not null)
                {
                    Log.EnrollmentWaiting(_logger, externalId, options.EnrollmentPollInterval);
                }
            }
            catch (EstException ex)
            {
                throw Translate(ex, "simpleenroll", waited);
            }

            await Task.Delay(options.EnrollmentPollInterval, options.TimeProvider, cancellationToken).ConfigureAwait(false);
            waited += options.EnrollmentPollInterval;
        }
    }

    /// <summary>Renews the device certificate: EST <c>simplereenroll</c> authenticated with the device's Bearer JWT.</summary>
    public virtual async Task<X509Certificate2Collection> ReenrollAsync(DeviceAccessToken accessToken, ReadOnlyMemory<byte> certificationRequest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        var options = Options;
        var est = EstOptions(options);
        est.BearerToken = accessToken.Token;
        using var http = new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            var client = new EstClient(http, est);
            return Issued(await client.ReenrollAsync(certificationRequest, cancellationToken).ConfigureAwait(false), "simplereenroll");
        }
        catch (EstException ex)
        {
            throw Translate(ex, "simplereenroll", TimeSpan.Zero);
        }
    }

    private static EstClientOptions EstOptions(CumulocityDeviceClientOptions options)
    {
        var est = new EstClientOptions
        {
            Server = options.BaseUri,
            UseSystemTrustStore = options.TrustAnchors.Count == 0,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = options.TimeProvider,
        };
        est.TrustAnchors.AddRange(options.TrustAnchors);
        return est;
    }

    private static X509Certificate2Collection Issued(EstEnrollmentResult result, string operation) =>
        result.IsPending
            ? throw new CumulocityException(CumulocityErrorCode.GaveUp, $"the platform kept answering {operation} with 202 (pending) beyond the wait limit") { Request = "POST /.well-known/est/" + operation }
            : result.Certificates;

    /// <summary>The platform's words when the OTP is used up or the registration is not visible yet.</summary>
    private static bool IsNotRegisteredYet(EstException exception) =>
        exception.ServerText?.Contains("No newDeviceRequest", StringComparison.OrdinalIgnoreCase) ?? false;

    private static CumulocityException Translate(EstException exception, string operation, TimeSpan waited)
    {
        var code = exception.Code switch
        {
            EstErrorCode.Transport or EstErrorCode.UntrustedServer => CumulocityErrorCode.Transport,
            EstErrorCode.Timeout => CumulocityErrorCode.Timeout,
            EstErrorCode.InvalidResponse => CumulocityErrorCode.InvalidResponse,
            EstErrorCode.ResponseTooLarge => CumulocityErrorCode.ResponseTooLarge,
            _ => exception.Status switch
            {
                System.Net.HttpStatusCode.Unauthorized => CumulocityErrorCode.Unauthorized,
                System.Net.HttpStatusCode.Forbidden => CumulocityErrorCode.Forbidden,
                System.Net.HttpStatusCode.NotFound => CumulocityErrorCode.NotFound,
                System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity => CumulocityErrorCode.InvalidRequest,
                { } s when (int)s >= 500 || s == System.Net.HttpStatusCode.TooManyRequests => CumulocityErrorCode.ServerError,
                _ => CumulocityErrorCode.UnexpectedStatus,
            },
        };
        if (IsNotRegisteredYet(exception))
        {
            code = CumulocityErrorCode.GaveUp;
        }

        var message = code == CumulocityErrorCode.GaveUp
            ? $"enrollment gave up after {waited.TotalSeconds:0} s: the platform still finds no registration for this external id (register it first with an ENROLLMENT_OTP, or the one-time password was already used): {exception.Message}"
            : $"{operation} failed: {exception.Message}";
        return new CumulocityException(code, message, exception)
        {
            Status = exception.Status,
            ServerMessage = exception.ServerText,
            RawBody = exception.ServerText,
            Request = "POST /.well-known/est/" + operation,
        };
    }

    private static string ChainHeader(CumulocityDeviceClientOptions options)
    {
        var certificates = new List<X509Certificate2>();
        if (options.ClientCertificate is { } leaf)
        {
            certificates.Add(leaf);
        }

        certificates.AddRange(options.ClientCertificateChain);
        return CertificateChainHeader.Format(certificates);
    }
}
