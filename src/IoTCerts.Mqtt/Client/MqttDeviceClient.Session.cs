using System.Diagnostics;
using System.Net.Security;

namespace IoTCerts.Mqtt;

/// <summary>Connection life cycle: connect, receive, keep-alive, loss, reconnect, message dispatch.</summary>
public partial class MqttDeviceClient
{
    private async Task<MqttConnectResult> ConnectGatedAsync(bool isReconnect, CancellationToken cancellationToken)
    {
        MqttConnectResult result;
        bool fresh;
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_sync)
            {
                if (_connection is not null && _lastResult is not null)
                {
                    return _lastResult;
                }
            }

            using (Activity? activity = MqttDiagnostics.StartConnect(_options.Host, _options.Port, isReconnect))
            {
                try
                {
                    result = await ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    MqttDiagnostics.ConnectFailed(activity, e, isReconnect);
                    throw;
                }

                MqttDiagnostics.Connected(activity, result, isReconnect);
            }

            fresh = result.IsAccepted;
            _sessionStarted |= fresh;
        }
        finally
        {
            _connectGate.Release();
        }

        if (fresh)
        {
            await RaiseAsync(ConnectedAsync, new MqttConnectedEventArgs(result, isReconnect)).ConfigureAwait(false);
        }

        return result;
    }

    // Called with _connectGate held.
    private async Task<MqttConnectResult> ConnectCoreAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            // Started by the first connection, never by the constructor.
            _dispatcher ??= Task.Run(DispatchLoopAsync, CancellationToken.None);
        }

        MqttClientCredential credential = Credential;
        string clientId = ResolveClientId(credential);
        string endpoint = $"{_options.Host}:{_options.Port}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        timeout.CancelAfter(_options.ConnectTimeout);

        SslStream stream;
        try
        {
            stream = await MqttTlsConnector.ConnectAsync(_options, credential, _serverCertificateValidator, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            throw new MqttConnectException(MqttConnectError.Timeout, $"connecting to {endpoint} (TCP + TLS) took longer than {_options.ConnectTimeout.TotalSeconds:0.#} s", e);
        }

        var connection = new MqttConnection(stream, _codec);
        MqttPacket? first = null;
        Exception? early = null;
        try
        {
            connection.Send(new MqttConnectPacket
            {
                ClientId = clientId,
                CleanSession = _options.CleanSession || (_options.CleanSessionOnFirstConnect && !_sessionStarted),
                UserName = _options.UserName,
                Password = _options.Password is null ? (ReadOnlyMemory<byte>?)null : System.Text.Encoding.UTF8.GetBytes(_options.Password),
                Will = _options.Will,
                KeepAliveSeconds = (ushort)_options.KeepAlive.TotalSeconds,
            });
            first = await connection.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MqttConnectException(MqttConnectError.Timeout, $"the broker at {endpoint} did not answer CONNECT within {_options.ConnectTimeout.TotalSeconds:0.#} s", e);
        }
        catch (MqttProtocolException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MqttConnectException(MqttConnectError.ProtocolViolation, $"the broker at {endpoint} answered CONNECT with invalid data: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            early = e;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (first is null)
        {
            Exception? reason = early ?? connection.AbortReason;
            await connection.DisposeAsync().ConfigureAwait(false);
            throw MqttTlsConnector.DescribeEarlyFailure(reason, connection.Protocol, credential, endpoint);
        }

        if (first is not MqttConnAckPacket ack)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MqttConnectException(MqttConnectError.ProtocolViolation, $"the broker at {endpoint} answered CONNECT with {first.Type} instead of CONNACK (MQTT-3.2.0-1)");
        }

        var result = new MqttConnectResult(ack.ReturnCode, ack.SessionPresent, clientId, connection.Protocol);
        if (!result.IsAccepted)
        {
            await connection.CloseAsync(TimeSpan.FromMilliseconds(200)).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            return result;
        }

        TaskCompletionSource<MqttPacket>? resubscribed = null;
        lock (_sync)
        {
            if (_disposed || _stopped)
            {
                // Disposed or DisconnectAsync'd while this connect was under way: do not resurrect the session.
                connection.Abort(null);
                throw _disposed ? Disposed() : new MqttConnectException(MqttConnectError.NotConnected, "DisconnectAsync was called while connecting");
            }

            _connection = connection;
            _lastResult = result;
            connection.ConnectedTimestamp = Stopwatch.GetTimestamp();
            if (!ack.SessionPresent && _subscriptions.Count > 0)
            {
                ushort id = NextPacketId();
                resubscribed = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
                _requests[id] = resubscribed;
                connection.Send(new MqttSubscribePacket
                {
                    PacketId = id,
                    Subscriptions = [.. _subscriptions.Select(s => new MqttTopicSubscription(s.Key, s.Value))],
                });
            }

            if (!ack.SessionPresent)
            {
                _incomingQos2.Clear();
            }

            // MQTT 3.1.1 §4.4: unacknowledged PUBLISH packets are re-sent with DUP=1 (PUBREL when PUBREC was received), in order.
            // With a clean session the spec would let the client drop them (§3.1.2.4); they are re-sent anyway so that
            // QoS 1 stays at-least-once across reconnects, which is what a device publishing telemetry expects.
            foreach (PendingPublish p in _inflight.Values.OrderBy(p => p.Sequence))
            {
                if (p.AwaitingPubComp)
                {
                    connection.Send(new MqttAckPacket(MqttPacketType.PubRel, p.Packet.PacketId));
                }
                else
                {
                    p.Packet = AsDuplicate(p.Packet);
                    connection.Send(p.Packet);
                }
            }

            FillWindow();
        }

        _ = Task.Run(() => ReceiveLoopAsync(connection));
        _ = Task.Run(() => KeepAliveLoopAsync(connection));
        if (resubscribed is not null)
        {
            try
            {
                await resubscribed.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttException or OperationCanceledException)
            {
                // The connection dropped again; its loss is handled (and reconnected) by the receive loop.
            }
        }

        return result;
    }

    private static MqttPublishPacket AsDuplicate(MqttPublishPacket p) => p.Duplicate ? p : new MqttPublishPacket
    {
        Topic = p.Topic,
        Payload = p.Payload,
        QualityOfService = p.QualityOfService,
        Retain = p.Retain,
        PacketId = p.PacketId,
        Duplicate = true,
    };

    private async Task ReceiveLoopAsync(MqttConnection connection)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                MqttPacket? packet = await connection.Reader.ReadAsync(connection.Closed).ConfigureAwait(false);
                if (packet is null)
                {
                    break;
                }

                await HandleAsync(connection, packet).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            error = e;
        }

        await OnConnectionLostAsync(connection, connection.AbortReason ?? error).ConfigureAwait(false);
    }

    private async ValueTask HandleAsync(MqttConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttPublishPacket publish:
                if (publish.QualityOfService == MqttQualityOfService.ExactlyOnce)
                {
                    lock (_sync)
                    {
                        if (!_incomingQos2.Add(publish.PacketId))
                        {
                            // Already delivered; the broker re-sent because PUBREC was lost (MQTT 3.1.1 §4.3.3).
                            connection.Send(new MqttAckPacket(MqttPacketType.PubRec, publish.PacketId));
                            return;
                        }
                    }
                }

                await _incoming.Writer.WriteAsync(new IncomingMessage(publish, connection), connection.Closed).ConfigureAwait(false);
                break;
            case MqttAckPacket { Type: MqttPacketType.PubAck or MqttPacketType.PubComp } ack:
                CompletePublish(ack);
                break;
            case MqttAckPacket { Type: MqttPacketType.PubRec } rec:
                lock (_sync)
                {
                    if (_inflight.TryGetValue(rec.PacketId, out PendingPublish? p) && p.Packet.QualityOfService == MqttQualityOfService.ExactlyOnce)
                    {
                        p.AwaitingPubComp = true;
                    }
                }

                connection.Send(new MqttAckPacket(MqttPacketType.PubRel, rec.PacketId));
                break;
            case MqttAckPacket { Type: MqttPacketType.PubRel } rel:
                lock (_sync)
                {
                    _incomingQos2.Remove(rel.PacketId);
                }

                connection.Send(new MqttAckPacket(MqttPacketType.PubComp, rel.PacketId));
                break;
            case MqttAckPacket { Type: MqttPacketType.UnsubAck } or MqttSubAckPacket:
                ushort id = packet is MqttSubAckPacket s ? s.PacketId : ((MqttAckPacket)packet).PacketId;
                TaskCompletionSource<MqttPacket>? request;
                lock (_sync)
                {
                    _requests.Remove(id, out request);
                }

                request?.TrySetResult(packet);
                break;
            case MqttEmptyPacket { Type: MqttPacketType.PingResp }:
                connection.PingOutstanding = false;
                break;
            default:
                throw new MqttProtocolException(MqttProtocolError.UnexpectedPacket, $"the broker sent {packet.Type}, which a client never receives on an open connection");
        }
    }

    private void CompletePublish(MqttAckPacket ack)
    {
        PendingPublish? done = null;
        lock (_sync)
        {
            if (_inflight.TryGetValue(ack.PacketId, out PendingPublish? p)
                && (ack.Type == MqttPacketType.PubAck) == (p.Packet.QualityOfService == MqttQualityOfService.AtLeastOnce))
            {
                _inflight.Remove(ack.PacketId);
                done = p;
                FillWindow();
            }
        }

        if (done is not null)
        {
            _pendingLimit.Release();
            done.Completion.TrySetResult();
        }
    }

    private async Task KeepAliveLoopAsync(MqttConnection connection)
    {
        TimeSpan keepAlive = _options.KeepAlive;
        if (keepAlive <= TimeSpan.Zero)
        {
            return;
        }

        // MQTT 3.1.1 §3.1.2.10: ping when idle for the keep-alive; no PINGRESP within it means the link is dead.
        try
        {
            while (!connection.Closed.IsCancellationRequested)
            {
                TimeSpan idle = connection.SinceLastSent;
                if (idle < keepAlive)
                {
                    await Task.Delay(keepAlive - idle, connection.Closed).ConfigureAwait(false);
                    continue;
                }

                connection.PingOutstanding = true;
                connection.Send(MqttEmptyPacket.PingReq);
                await Task.Delay(keepAlive, connection.Closed).ConfigureAwait(false);
                if (connection.PingOutstanding)
                {
                    connection.Abort(new TimeoutException($"the broker did not answer PINGREQ within the keep-alive of {keepAlive.TotalSeconds:0.#} s"));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task OnConnectionLostAsync(MqttConnection connection, Exception? error)
    {
        bool reconnect;
        lock (_sync)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                // Closed on purpose (disconnect, dispose, credential swap): that path reports it.
                reconnect = false;
                error = null;
            }
            else
            {
                _connection = null;
                FailRequests(null);
                if (Stopwatch.GetElapsedTime(connection.ConnectedTimestamp) >= _options.Reconnect.StableConnectionTime)
                {
                    _failureStreak = 0;
                }

                reconnect = _options.Reconnect.Enabled && !_stopped && !_disposed;
                error ??= new IOException("the broker closed the connection");
            }
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        if (error is null)
        {
            return;
        }

        await RaiseAsync(DisconnectedAsync, new MqttDisconnectedEventArgs($"the connection to {_options.Host}:{_options.Port} was lost: {error.Message}", error, reconnect)).ConfigureAwait(false);
        if (reconnect)
        {
            StartReconnectLoop();
        }
    }

    private void StartReconnectLoop()
    {
        lock (_sync)
        {
            if (_reconnecting || _stopped || _disposed)
            {
                return;
            }

            _reconnecting = true;
        }

        _ = Task.Run(ReconnectLoopAsync);
    }

    private async Task ReconnectLoopAsync()
    {
        MqttReconnectPolicy policy = _options.Reconnect;
        while (true)
        {
            int streak;
            lock (_sync)
            {
                if (_connection is not null || _stopped || _disposed)
                {
                    _reconnecting = false;
                    return;
                }

                streak = _failureStreak++;
            }

            try
            {
                await Task.Delay(policy.GetDelay(streak, Random.Shared.NextDouble()), _lifetime.Token).ConfigureAwait(false);
                lock (_sync)
                {
                    if (_stopped || _disposed)
                    {
                        _reconnecting = false;
                        return;
                    }
                }

                MqttConnectResult result = await ConnectGatedAsync(isReconnect: true, _lifetime.Token).ConfigureAwait(false);
                if (!result.IsAccepted)
                {
                    // A refusal will not go away by retrying fast: wait the longest delay.
                    BackOffToCap(policy);
                    await RaiseAsync(ConnectionAttemptFailedAsync, new MqttConnectionAttemptFailedEventArgs(result.Reason, null, result, streak + 1)).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
            {
                lock (_sync)
                {
                    _reconnecting = false;
                }

                return;
            }
            catch (MqttException e)
            {
                if (IsLastingRefusal(e))
                {
                    BackOffToCap(policy);
                }

                await RaiseAsync(ConnectionAttemptFailedAsync, new MqttConnectionAttemptFailedEventArgs(e.Message, e, null, streak + 1)).ConfigureAwait(false);
            }
        }
    }

    // A certificate refusal will not go away by retrying fast (notes: "do not retry it in a tight loop").
    private static bool IsLastingRefusal(MqttException e) =>
        e is MqttCredentialException or MqttConnectException { Error: MqttConnectError.ClientCertificateRejected or MqttConnectError.ClientCertificateProbablyRejected or MqttConnectError.ServerCertificateRejected };

    private void BackOffToCap(MqttReconnectPolicy policy)
    {
        lock (_sync)
        {
            _failureStreak = Math.Max(_failureStreak, policy.StreakAtCap());
        }
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (IncomingMessage message in _incoming.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await RaiseAsync(MessageReceivedAsync, new MqttMessageReceivedEventArgs(message.Packet)).ConfigureAwait(false);
            MqttPublishPacket p = message.Packet;
            if (p.QualityOfService == MqttQualityOfService.AtLeastOnce)
            {
                message.Connection.Send(new MqttAckPacket(MqttPacketType.PubAck, p.PacketId));
            }
            else if (p.QualityOfService == MqttQualityOfService.ExactlyOnce)
            {
                message.Connection.Send(new MqttAckPacket(MqttPacketType.PubRec, p.PacketId));
            }
        }
    }

    private static async Task RaiseAsync<T>(Func<T, Task>? handlers, T args)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (Func<T, Task> handler in handlers.GetInvocationList().Cast<Func<T, Task>>())
        {
            try
            {
                await handler(args).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A failing handler must not stop the client (documented on the class).
            }
        }
    }
}
