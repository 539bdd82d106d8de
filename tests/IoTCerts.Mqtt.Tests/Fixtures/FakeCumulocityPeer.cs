using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Mqtt;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>
/// A small TLS + MQTT peer that plays Cumulocity where mosquitto cannot: it requires SNI, requires ClientId == CN of
/// the client certificate (validated against the test root, with the chain the client sent), answers s/uat with
/// 71,&lt;JWT&gt;, and can drop the connection after the first token to force a reconnect.
/// </summary>
public sealed class FakeCumulocityPeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TestPki _pki;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly Mqtt311PacketCodec _codec = new();
    private int _connectionCount;
    private int _tokenRequests;

    public FakeCumulocityPeer(TestPki pki, int tokenLifetimeSeconds)
    {
        _pki = pki;
        TokenLifetimeSeconds = tokenLifetimeSeconds;
        _listener.Start();
        _accept = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int TokenLifetimeSeconds { get; }

    public bool DropAfterFirstToken { get; set; }

    /// <summary>How many s/uat requests are left unanswered before the peer starts answering.</summary>
    public int IgnoreTokenRequests { get; set; }

    /// <summary>The s/dat answer body to send instead of a valid 71 line, when set.</summary>
    public string? TokenAnswerOverride { get; set; }

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Whether PINGREQ is answered (false simulates a dead link that TCP does not notice).</summary>
    public bool AnswerPings { get; set; } = true;

    /// <summary>The first connection is dropped, unacknowledged, when this many QoS 1 publishes arrived on it (0: never).</summary>
    public int DropFirstConnectionAfterPublishes { get; set; }

    public ConcurrentQueue<(int ConnectionIndex, MqttPublishPacket Packet)> Publishes { get; } = new();

    public ConcurrentQueue<int> Pings { get; } = new();

    public ConcurrentQueue<ConnectionRecord> Connections { get; } = new();

    public ConcurrentQueue<TokenRecord> Tokens { get; } = new();

    /// <summary>Every CONNECT received, in order (user name, password, Will, clean session).</summary>
    public ConcurrentQueue<MqttConnectPacket> ConnectPackets { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(tcp));
        }
    }

    private async Task ServeAsync(TcpClient tcp)
    {
        int index = Interlocked.Increment(ref _connectionCount);
        using (tcp)
        await using (var ssl = new SslStream(tcp.GetStream(), false))
        {
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(_pki.Server, null),
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, certificate, chain, _) => ClientChainIsTrusted(certificate, chain),
                }, _stop.Token);
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                Connections.Enqueue(new ConnectionRecord(index, null, null, null, "tls: " + e.Message));
                return;
            }

            string? sni = string.IsNullOrEmpty(ssl.TargetHostName) ? null : ssl.TargetHostName;
            string? cn = MqttClientIdentity.CommonName(X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData()));
            var reader = new MqttPacketStreamReader(ssl, _codec);
            var writeLock = new SemaphoreSlim(1, 1);
            try
            {
                if (await reader.ReadAsync(_stop.Token) is not MqttConnectPacket connect)
                {
                    return;
                }

                ConnectPackets.Enqueue(connect);
                if (sni != TestPki.CumulocityHost)
                {
                    // The real platform routes by SNI: without it there is no tenant to talk to.
                    Connections.Enqueue(new ConnectionRecord(index, sni, connect.ClientId, cn, "closed: no SNI"));
                    return;
                }

                bool idMatches = connect.ClientId == cn;
                Connections.Enqueue(new ConnectionRecord(index, sni, connect.ClientId, cn, idMatches ? "accepted" : "refused: client id != CN"));
                await SendAsync(ssl, writeLock, new MqttConnAckPacket { ReturnCode = idMatches ? MqttConnectReturnCode.Accepted : MqttConnectReturnCode.IdentifierRejected });
                if (!idMatches)
                {
                    return;
                }

                while (await reader.ReadAsync(_stop.Token) is { } packet)
                {
                    switch (packet)
                    {
                        case MqttSubscribePacket s:
                            await SendAsync(ssl, writeLock, new MqttSubAckPacket { PacketId = s.PacketId, ReturnCodes = [.. s.Subscriptions.Select(x => (MqttSubscribeReturnCode)x.QualityOfService)] });
                            break;
                        case MqttPublishPacket p when p.Topic == "s/uat":
                            if (p.QualityOfService == MqttQualityOfService.AtLeastOnce)
                            {
                                await SendAsync(ssl, writeLock, new MqttAckPacket(MqttPacketType.PubAck, p.PacketId));
                            }

                            if (Interlocked.Increment(ref _tokenRequests) <= IgnoreTokenRequests)
                            {
                                break;
                            }

                            if (TokenAnswerOverride is { } answer)
                            {
                                await SendAsync(ssl, writeLock, new MqttPublishPacket { Topic = "s/dat", Payload = Encoding.UTF8.GetBytes(answer) });
                                break;
                            }

                            string jwt = MakeJwt(DateTimeOffset.UtcNow, TokenLifetimeSeconds);
                            Tokens.Enqueue(new TokenRecord(index, DateTimeOffset.UtcNow, jwt));
                            await SendAsync(ssl, writeLock, new MqttPublishPacket { Topic = "s/dat", Payload = Encoding.UTF8.GetBytes("71," + jwt) });
                            if (DropAfterFirstToken && Tokens.Count == 1)
                            {
                                await Task.Delay(200);
                                return;
                            }

                            break;
                        case MqttPublishPacket p:
                            Publishes.Enqueue((index, p));
                            if (index == 1 && DropFirstConnectionAfterPublishes > 0 && Publishes.Count(x => x.ConnectionIndex == 1) >= DropFirstConnectionAfterPublishes)
                            {
                                return;
                            }

                            if (p.QualityOfService == MqttQualityOfService.AtLeastOnce)
                            {
                                await SendAsync(ssl, writeLock, new MqttAckPacket(MqttPacketType.PubAck, p.PacketId));
                            }

                            break;
                        case MqttAckPacket { Type: MqttPacketType.PubAck }:
                            break;
                        case MqttEmptyPacket { Type: MqttPacketType.PingReq }:
                            Pings.Enqueue(index);
                            if (AnswerPings)
                            {
                                await SendAsync(ssl, writeLock, MqttEmptyPacket.PingResp);
                            }

                            break;
                        case MqttEmptyPacket { Type: MqttPacketType.Disconnect }:
                            return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or MqttProtocolException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    public static string MakeJwt(DateTimeOffset issuedAt, int lifetimeSeconds)
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        long iat = issuedAt.ToUnixTimeSeconds();
        return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64($"{{\"sub\":\"device_c8y\",\"iat\":{iat},\"exp\":{iat + lifetimeSeconds},\"ten\":\"t123\"}}") + ".c2ln";
    }

    private async Task SendAsync(SslStream ssl, SemaphoreSlim writeLock, MqttPacket packet)
    {
        var buffer = new ArrayBufferWriter<byte>();
        _codec.Encode(packet, buffer);
        await writeLock.WaitAsync();
        try
        {
            await ssl.WriteAsync(buffer.WrittenMemory);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private bool ClientChainIsTrusted(X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_pki.Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        // Like the platform (which stores the uploaded CA chain), and needed for resumed TLS sessions, where .NET's
        // server side no longer has the intermediates the client sent in the full handshake.
        chain.ChainPolicy.ExtraStore.Add(_pki.Intermediate);

        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public sealed record ConnectionRecord(int Index, string? Sni, string? ClientId, string? CommonName, string Outcome);

    public sealed record TokenRecord(int ConnectionIndex, DateTimeOffset IssuedAt, string Jwt);
}
