using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// Settings of an <see cref="EstClient"/>: server, optional label, how the server is trusted and how the
/// client authenticates (TLS client certificate, HTTP Basic, or both; R-71). Validated once, when a client or
/// handler is created, with every problem collected in one message.
/// </summary>
public sealed class EstClientOptions
{
    /// <summary>The EST server, e.g. <c>https://est.example.com:8443</c>; a path before <c>/.well-known/est</c> is kept.</summary>
    public Uri? Server { get; set; }

    /// <summary>The optional CA label (one path segment, RFC 7030 section 3.2.2).</summary>
    public string? Label { get; set; }

    /// <summary>
    /// Explicit trust anchors for the server's TLS certificate (est-notes: the explicit anchor set is the norm).
    /// The server name must match, unless <see cref="AcceptRegistrationAuthorityCertificates"/> allows an id-kp-cmcRA certificate.
    /// </summary>
    public X509Certificate2Collection TrustAnchors { get; } = [];

    /// <summary>
    /// Validates the EST server's TLS certificate instead of a validator built from <see cref="TrustAnchors"/>: give one
    /// with the chain policy (platform profile rules) and revocation checker the deployment requires. Its anchors are
    /// then the trust anchors of the server.
    /// </summary>
    public IoTCerts.Core.ChainValidator? ServerCertificateValidator { get; set; }

    /// <summary>
    /// Why the last EST server certificate was refused (chain error code and message), shared by the handler and the
    /// clients made from these options and their clones, for the exception's message.
    /// </summary>
    internal System.Runtime.CompilerServices.StrongBox<string?> LastTrustFailure { get; private init; } = new();

    /// <summary>Trust the operating system's store instead of (or besides) <see cref="TrustAnchors"/>; off unless set .</summary>
    public bool UseSystemTrustStore { get; set; }

    /// <summary>Accept a server certificate chaining to <see cref="TrustAnchors"/> whose name does not match when it carries the id-kp-cmcRA EKU (RFC 7030 section 3.6.1).</summary>
    public bool AcceptRegistrationAuthorityCertificates { get; set; }

    /// <summary>The TLS client certificate with its private key: the bootstrap or the current identity certificate.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Intermediate certificates sent with <see cref="ClientCertificate"/> so the server can build the path.</summary>
    public X509Certificate2Collection ClientCertificateChain { get; } = [];

    /// <summary>
    /// The certificate (with its private key) a server encrypts server-generated keys for (RFC 7030 section 4.4.2, CMS
    /// EnvelopedData with key transport); null when the client accepts only unencrypted PKCS#8 answers.
    /// </summary>
    public X509Certificate2? ServerKeyDecryptionCertificate { get; set; }

    /// <summary>HTTP Basic user name; sent only over TLS, after the server's identity was verified.</summary>
    public string? UserName { get; set; }

    /// <summary>HTTP Basic password. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// A Bearer token (RFC 6750) sent as <c>Authorization: Bearer</c> with every request, over TLS after the server's
    /// identity was verified: how platforms such as Cumulocity authenticate re-enrollment with the device JWT. Never
    /// logged; excludes Basic credentials.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>Send Basic credentials with the first request instead of waiting for a 401 challenge.</summary>
    public bool PreemptiveBasicAuthentication { get; set; }

    /// <summary>The longest total time to keep re-sending a request the server answered 202 (pending); afterwards the result is "pending".</summary>
    public TimeSpan MaxPendingWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait used when a 202 carries no usable Retry-After.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The timeout of one HTTP exchange.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Response bodies larger than this are refused (untrusted input is bounded).</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>The clock used for Retry-After dates and pending waits (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks the options; throws one <see cref="EstException"/> listing every problem.</summary>
    /// <exception cref="EstException">With <see cref="EstErrorCode.InvalidConfiguration"/>.</exception>
    public void Validate()
    {
        var problems = GetProblems();
        if (problems.Count > 0)
        {
            throw new EstException(EstErrorCode.InvalidConfiguration, "invalid EST client options: " + string.Join("; ", problems) + ".");
        }
    }

    /// <summary>Every problem of these options, as phrases; empty when they are usable.</summary>
    internal List<string> GetProblems()
    {
        var problems = new List<string>();
        if (Server is null || !Server.IsAbsoluteUri)
        {
            problems.Add("Server must be an absolute https URI");
        }
        else if (Server.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add("Server must use https (RFC 7030 section 3.3 requires TLS)");
        }

        if (Label is not null && (Label.Length == 0 || Label.Contains('/', StringComparison.Ordinal) || Label.Contains('?', StringComparison.Ordinal) || Label is "." or ".."))
        {
            problems.Add("Label must be one non-empty path segment");
        }

        if (TrustAnchors.Count == 0 && !UseSystemTrustStore && ServerCertificateValidator is null)
        {
            problems.Add("give TrustAnchors for the EST server or set UseSystemTrustStore");
        }

        if (ClientCertificate is not null && !ClientCertificate.HasPrivateKey)
        {
            problems.Add("ClientCertificate must carry its private key");
        }

        if ((UserName is null) != (Password is null))
        {
            problems.Add("give both UserName and Password, or neither");
        }

        if (UserName is not null && UserName.Contains(':', StringComparison.Ordinal))
        {
            problems.Add("UserName must not contain ':' (RFC 7617)");
        }

        if (BearerToken is not null && UserName is not null)
        {
            problems.Add("give either Basic credentials (UserName, Password) or BearerToken, not both");
        }

        if (BearerToken is not null && !IsBearerToken(BearerToken))
        {
            problems.Add("BearerToken must be a non-empty RFC 6750 token (letters, digits, '-._~+/' and trailing '=')");
        }

        if (MaxPendingWait < TimeSpan.Zero || DefaultRetryAfter <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("MaxPendingWait must be >= 0 and DefaultRetryAfter, RequestTimeout > 0");
        }

        if (MaxResponseBytes < 1024)
        {
            problems.Add("MaxResponseBytes must be at least 1024");
        }

        return problems;
    }

    /// <summary>
    /// Creates the HTTP handler these options need: TLS 1.2+, the server trust policy, and the client certificate
    /// sent with its chain. Use it as the primary handler of the HttpClient given to <see cref="EstClient"/>.
    /// </summary>
    /// <exception cref="EstException">The options are invalid.</exception>
    public HttpMessageHandler CreateHttpHandler()
    {
        Validate();
        return EstHandlerFactory.Create(this);
    }

    // RFC 6750 section 2.1 b64token: also keeps CR, LF and spaces out of the header.
    private static bool IsBearerToken(string token)
    {
        var end = token.Length;
        while (end > 0 && token[end - 1] == '=')
        {
            end--;
        }

        if (end == 0)
        {
            return false;
        }

        for (var i = 0; i < end; i++)
        {
            var c = token[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A copy whose collections are independent of this instance (the renewal engine swaps the client certificate).</summary>
    public EstClientOptions Clone()
    {
        var copy = new EstClientOptions
        {
            Server = Server,
            Label = Label,
            UseSystemTrustStore = UseSystemTrustStore,
            AcceptRegistrationAuthorityCertificates = AcceptRegistrationAuthorityCertificates,
            ClientCertificate = ClientCertificate,
            ServerKeyDecryptionCertificate = ServerKeyDecryptionCertificate,
            ServerCertificateValidator = ServerCertificateValidator,
            LastTrustFailure = LastTrustFailure,
            UserName = UserName,
            Password = Password,
            BearerToken = BearerToken,
            PreemptiveBasicAuthentication = PreemptiveBasicAuthentication,
            MaxPendingWait = MaxPendingWait,
            DefaultRetryAfter = DefaultRetryAfter,
            RequestTimeout = RequestTimeout,
            MaxResponseBytes = MaxResponseBytes,
            TimeProvider = TimeProvider,
        };
        copy.TrustAnchors.AddRange(TrustAnchors);
        copy.ClientCertificateChain.AddRange(ClientCertificateChain);
        return copy;
    }
}
