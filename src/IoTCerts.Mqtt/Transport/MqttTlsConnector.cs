using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Mqtt;

/// <summary>Opens TCP + TLS to the broker with the client chain and SNI, and turns TLS failures into operator sentences.</summary>
internal static class MqttTlsConnector
{
    public static async Task<SslStream> ConnectAsync(MqttDeviceClientOptions options, MqttClientCredential credential, IServerCertificateValidator validator, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host!, options.Port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MqttConnectException(
                MqttConnectError.NetworkUnreachable,
                $"the broker at {options.Host}:{options.Port} cannot be reached ({e.SocketErrorCode})",
                e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        string targetHost = options.TargetHost ?? options.Host!;
        ServerCertificateValidationResult? verdict = null;
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            // .NET sends no SNI for an IP address (RFC 6066 §3); platforms behind load balancers need a name, hence TargetHost.
            TargetHost = targetHost,
            ClientCertificateContext = credential.CertificateContext,
            EnabledSslProtocols = options.SslProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is null)
                {
                    verdict = ServerCertificateValidationResult.Rejected("the broker sent no certificate");
                    return false;
                }

                X509Certificate2 leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                X509Certificate2Collection presented = [];
                if (chain is not null)
                {
                    presented.AddRange(chain.ChainPolicy.ExtraStore);
                }

                try
                {
                    verdict = validator.Validate(leaf, presented, targetHost);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A custom validator's bug must still end the handshake with a sentence, not escape as a foreign exception.
                    verdict = ServerCertificateValidationResult.Rejected($"the server certificate validator failed ({e.GetType().Name}: {e.Message})");
                }

                return verdict.IsTrusted;
            },
        };

        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (verdict is { IsTrusted: false })
            {
                throw new MqttConnectException(MqttConnectError.ServerCertificateRejected, $"TLS to {options.Host}:{options.Port} failed: {verdict.Reason}", e)
                {
                    ServerCertificateCode = verdict.Code,
                };
            }

            if (TlsAlert.Find(e) is { } alert)
            {
                throw new MqttConnectException(
                    alert.IsCertificateAlert ? MqttConnectError.ClientCertificateRejected : MqttConnectError.TlsHandshakeFailed,
                    $"TLS to {options.Host}:{options.Port} failed: {alert.Describe(credential)}",
                    e);
            }

            throw new MqttConnectException(
                MqttConnectError.TlsHandshakeFailed,
                $"TLS to {options.Host}:{options.Port} failed: {Innermost(e).Message}",
                e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Explains a connection that broke before CONNACK. With TLS 1.3 the broker checks the client certificate after
    /// the handshake has completed on the client side, so its refusal arrives as an alert or a reset here.
    /// </summary>
    public static MqttConnectException DescribeEarlyFailure(Exception? error, SslProtocols protocol, MqttClientCredential credential, string endpoint)
    {
        if (error is not null && TlsAlert.Find(error) is { } alert)
        {
            return new MqttConnectException(
                alert.IsCertificateAlert ? MqttConnectError.ClientCertificateRejected : MqttConnectError.TlsHandshakeFailed,
                $"the broker at {endpoint} closed the connection right after the TLS handshake: {alert.Describe(credential)}",
                error);
        }

        string detail = error is null ? "the connection was closed" : Innermost(error).Message;
        if (protocol == SslProtocols.Tls13)
        {
            return new MqttConnectException(
                MqttConnectError.ClientCertificateProbablyRejected,
                $"the broker probably rejected the client certificate ({detail} right after the TLS 1.3 handshake, before CONNACK; "
                + $"with TLS 1.3 a refused client certificate shows up this way){TlsAlert.LocalDiagnosis(credential)}{TlsAlert.ChainHint(credential)}",
                error);
        }

        return new MqttConnectException(
            MqttConnectError.ConnectionLost,
            $"the broker at {endpoint} closed the connection before answering CONNECT ({detail})",
            error);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
