using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using MQTTnet.Channel;

namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>
/// Gives an MQTTnet 5 client IoTCerts' mutual TLS: plug it in with <c>MqttClientOptionsBuilder.WithStreamProvider</c>
/// and leave MQTTnet's own TLS off. Each connection opens TCP and an <see cref="SslStream"/> that sends the client
/// certificate with its whole chain (R-10: a broker trusting only the root needs the intermediates, and MQTTnet's own
/// TLS options send the leaf alone), offers TLS 1.2+ only, sends SNI, and validates the broker with
/// <see cref="ChainValidator"/> — never the operating system's chain engine.
/// </summary>
/// <remarks>
/// The credential is read from <see cref="MqttNetTlsOptions.CredentialSource"/> on every connect, so a reconnect after
/// a renewal uses the new certificate (see <see cref="MqttNetCertificateHotSwap"/>). Failures are
/// <see cref="MqttNetTlsException"/>s (MQTTnet wraps them; <see cref="MqttNetTlsException.Find"/> finds them).
/// Thread-safe; one instance may serve many clients.
/// </remarks>
public sealed class MqttNetTlsStreamProvider : IMqttClientStreamProvider
{
    private readonly ICertificateCredentialSource? _source;
    private readonly CertificateCredential? _fixed;
    private readonly ChainValidator _validator;
    private readonly string? _targetHost;
    private readonly bool _checkHostName;
    private readonly List<SslApplicationProtocol> _alpn;
    private readonly SslProtocols _protocols;
    private readonly TimeSpan _timeout;
    private (CertificateCredential Credential, SslStreamCertificateContext Context)? _context;

    /// <summary>Creates the provider.</summary>
    /// <param name="options">The credential, the broker validator and the TLS parameters; copied.</param>
    /// <exception cref="MqttNetTlsException">The options are invalid (<see cref="MqttNetTlsErrorCode.InvalidConfiguration"/>), with every problem named.</exception>
    public MqttNetTlsStreamProvider(MqttNetTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _source = options.CredentialSource;
        _fixed = options.Credential;
        _validator = options.ServerValidator!;
        _targetHost = options.TargetHost;
        _checkHostName = options.CheckHostName;
        _alpn = [.. options.ApplicationProtocols.Select(p => new SslApplicationProtocol(p))];
        _protocols = options.EnabledProtocols;
        _timeout = options.HandshakeTimeout;
    }

    /// <summary>The client certificate the last successful handshake sent, or <see langword="null"/> before the first.</summary>
    public X509Certificate2? LastCertificate { get; private set; }

    /// <summary>The TLS version of the last successful handshake.</summary>
    public SslProtocols LastProtocol { get; private set; }

    /// <inheritdoc />
    public async Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(brokerEndPoint);
        CertificateCredential credential = (_source is null ? _fixed : _source.Current)
            ?? throw new MqttNetTlsException(MqttNetTlsErrorCode.InvalidConfiguration, "the credential source has no certificate yet (before the first enrollment)");
        SslStreamCertificateContext context = ContextFor(credential);
        (string host, int port) = Describe(brokerEndPoint);
        string targetHost = _targetHost ?? host;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(brokerEndPoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            string reason = e is SocketException s ? s.SocketErrorCode.ToString() : $"no answer within {_timeout.TotalSeconds:0.#} s";
            throw new MqttNetTlsException(MqttNetTlsErrorCode.NetworkUnreachable, $"the broker at {host}:{port} cannot be reached ({reason})", e);
        }

        // Taken now: after a refused TLS 1.3 handshake the peer may already be gone.
        (EndPoint? local, EndPoint? remote) = (socket.LocalEndPoint, socket.RemoteEndPoint);
        ServerRefusal? refusal = null;
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            // The context carries the intermediates, so the handshake sends the whole chain without the OS store.
            ClientCertificateContext = context,
            EnabledSslProtocols = _protocols,
            ApplicationProtocols = _alpn.Count == 0 ? null : _alpn,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                refusal = ValidateServer(certificate, chain, targetHost);
                return refusal is null;
            },
        };

        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw DescribeHandshakeFailure(e, refusal, credential, $"{host}:{port}");
        }

        LastCertificate = credential.Certificate;
        LastProtocol = ssl.SslProtocol;
        return new TlsSessionStream(ssl, local, remote, credential, $"{host}:{port}");
    }

    private SslStreamCertificateContext ContextFor(CertificateCredential credential)
    {
        // One context per credential: it is what SslStream would otherwise build (and chain) on every handshake.
        var cached = _context;
        if (cached is { } hit && ReferenceEquals(hit.Credential, credential))
        {
            return hit.Context;
        }

        var context = SslStreamCertificateContext.Create(credential.Certificate, [.. credential.Chain], offline: true);
        _context = (credential, context);
        return context;
    }

    private ServerRefusal? ValidateServer(X509Certificate? certificate, X509Chain? chain, string targetHost)
    {
        if (certificate is null)
        {
            return new ServerRefusal(ChainStatus.PartialChain, "the broker sent no certificate");
        }

        if (!Certificate.TryParse(certificate.GetRawCertData(), out Certificate? leaf, out MaterialException? error))
        {
            return new ServerRefusal(ChainStatus.Malformed, $"the broker's certificate cannot be read: {error.Message}");
        }

        // The certificates the broker sent besides its own are candidates for the path, nothing more.
        var presented = new List<Certificate>();
        if (chain is not null)
        {
            foreach (X509Certificate2 extra in chain.ChainPolicy.ExtraStore)
            {
                if (Certificate.TryParse(extra.RawData, out Certificate? parsed, out _))
                {
                    presented.Add(parsed);
                }
            }
        }

        var context = new ValidationContext
        {
            Purpose = CertificatePurpose.ServerAuth,
            ExpectedPeerName = _checkHostName ? PeerName.Parse(targetHost) : null,
        };
        ChainValidationResult result = _validator.Validate(leaf, presented, context);
        return result.IsValid ? null : new ServerRefusal(result.Errors[0].Status, result.Errors[0].Message);
    }

    private static MqttNetTlsException DescribeHandshakeFailure(Exception e, ServerRefusal? refusal, CertificateCredential credential, string endpoint)
    {
        if (refusal is not null)
        {
            string hint = refusal.Status switch
            {
                ChainStatus.UntrustedRoot or ChainStatus.PartialChain => "; the trust anchors do not hold the broker's CA",
                ChainStatus.NameMismatch => "; connect with the name the certificate holds or set TargetHost to it",
                _ => string.Empty,
            };
            return new MqttNetTlsException(MqttNetTlsErrorCode.ServerCertificateRejected, $"TLS to {endpoint} failed: the broker's certificate was refused: {refusal.Message}{hint}", e)
            {
                ServerCertificateCode = refusal.Status.ToCode(),
            };
        }

        if (e is OperationCanceledException)
        {
            return new MqttNetTlsException(MqttNetTlsErrorCode.TlsHandshakeFailed, $"TLS to {endpoint} failed: the handshake did not finish in time", e);
        }

        if (TlsAlertText.Find(e) is { } alert)
        {
            return new MqttNetTlsException(
                alert.AboutCertificate ? MqttNetTlsErrorCode.ClientCertificateRejected : MqttNetTlsErrorCode.TlsHandshakeFailed,
                $"TLS to {endpoint} failed: the broker sent the TLS alert '{alert.Name}'{(alert.AboutCertificate ? ChainHint(credential) : string.Empty)}",
                e);
        }

        return new MqttNetTlsException(MqttNetTlsErrorCode.TlsHandshakeFailed, $"TLS to {endpoint} failed: {Innermost(e).Message}", e);
    }

    internal static string ChainHint(CertificateCredential credential) =>
        credential.Chain.Count == 0
            ? $" for the client certificate '{credential.Certificate.Subject}', which was sent without intermediate CA certificates: a broker trusting only the root needs the chain (give the intermediates with the certificate)"
            : $" for the client certificate '{credential.Certificate.Subject}' (sent with {credential.Chain.Count} CA certificate(s); issuer '{credential.Certificate.Issuer}')";

    internal static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static (string Host, int Port) Describe(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => (dns.Host, dns.Port),
        IPEndPoint ip => (ip.Address.ToString(), ip.Port),
        _ => (endPoint.ToString() ?? "broker", 0),
    };

    private sealed record ServerRefusal(ChainStatus Status, string Message);
}
