using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using System.Net.Security;
using System.Security.Authentication;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the EST endpoints (RFC 7030) and configures Kestrel for them.</summary>
public static class EstEndpointRouteBuilderExtensions
{
    /// <summary>The well-known prefix of RFC 7030 section 3.2.2.</summary>
    public const string WellKnownPrefix = "/.well-known/est";

    private static readonly (string Path, string Method, EstOperation Operation)[] Operations =
    [
        ("cacerts", HttpMethods.Get, EstOperation.CaCertificates),
        ("csrattrs", HttpMethods.Get, EstOperation.CsrAttributes),
        ("simpleenroll", HttpMethods.Post, EstOperation.Enroll),
        ("simplereenroll", HttpMethods.Post, EstOperation.Reenroll),
        ("serverkeygen", HttpMethods.Post, EstOperation.ServerKeyGeneration),
    ];

    /// <summary>
    /// Maps /cacerts, /csrattrs, /simpleenroll, /simplereenroll and /serverkeygen under <see cref="WellKnownPrefix"/>,
    /// with and without a label segment. The TLS client certificate is read from the connection (see <see cref="UseEstHttps"/>).
    /// </summary>
    /// <exception cref="ArgumentException">No issuer configured.</exception>
    public static IEndpointConventionBuilder MapEst(this IEndpointRouteBuilder endpoints, Action<EstServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new EstServerOptions();
        configure(options);
        var issuer = options.Issuer ?? throw new ArgumentException("EstServerOptions.Issuer is required", nameof(configure));
        if (options.MaxRequestBytes < 1024)
        {
            throw new ArgumentException("EstServerOptions.MaxRequestBytes must be at least 1024", nameof(configure));
        }

        var handler = new EstRequestHandler(options, issuer);
        var group = endpoints.MapGroup(WellKnownPrefix);
        foreach (var (path, method, operation) in Operations)
        {
            RequestDelegate serve = http => handler.HandleAsync(http, operation);
            group.MapMethods("/" + path, [method], serve);
            group.MapMethods("/{label}/" + path, [method], serve);
        }

        return group;
    }

    /// <summary>
    /// HTTPS for an EST endpoint: TLS 1.2+, the server certificate (with its chain), and client certificates requested but
    /// not required, because authorization (bootstrap CA, issued identity, Basic) is decided per request by <c>MapEst</c>
    /// with Core's <c>ChainValidator</c>, which also sees the intermediates the client sent in the handshake.
    /// </summary>
    public static ListenOptions UseEstHttps(this ListenOptions listenOptions, X509Certificate2 serverCertificate, X509Certificate2Collection? serverChain = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(serverCertificate);
        var certificateContext = SslStreamCertificateContext.Create(serverCertificate, serverChain, offline: true);

        // The per-connection callback form: SslStream shows the client's intermediates only to the validation callback,
        // and only this form lets that callback reach the connection (to store them for the request).
        return listenOptions.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificateContext,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

                // Requested, not required: authorization (bootstrap CA, issued identity, Basic) is per request.
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = PresentedChain.CaptureCallback(context.Connection),
            }),
        });
    }
}
