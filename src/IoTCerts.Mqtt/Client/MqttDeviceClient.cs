using System.Threading.Channels;

namespace IoTCerts.Mqtt;

/// <summary>
/// An MQTT 3.1.1 device client over mutual TLS: sends the client certificate with its chain, validates the
/// broker, reconnects with backoff, resubscribes, retransmits unacknowledged QoS 1/2 messages with the DUP flag, and
/// can swap its certificate while running. Thread-safe; every call takes a <see cref="CancellationToken"/> last.
/// </summary>
/// <remarks>
/// Message handlers run one at a time, in order, on a dedicated task, so a handler may itself publish or subscribe;
/// the QoS 1/2 acknowledgment of a received message is sent after its handlers have run. Exceptions thrown by handlers
/// are caught so that they cannot stop the client.
/// </remarks>
public partial class MqttDeviceClient : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectGrace = TimeSpan.FromSeconds(2);
    private readonly MqttDeviceClientOptions _options = null!;
    private readonly IMqttPacketCodec _codec = null!;
    private readonly IServerCertificateValidator _serverCertificateValidator = null!;
    private readonly object _sync = new();
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _pendingLimit = null!;
    private readonly Dictionary<ushort, PendingPublish> _inflight = [];
    private readonly Queue<PendingPublish> _backlog = new();
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _requests = [];
    private readonly OrderedDictionary<string, MqttQualityOfService> _subscriptions = new(StringComparer.Ordinal);
    private readonly HashSet<ushort> _incomingQos2 = [];
    private readonly Channel<IncomingMessage> _incoming = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(1024) { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private Task? _dispatcher;
    private MqttClientCredential _credential = null!;
    private DerivedClientId? _derivedClientId;
    private MqttConnection? _connection;
    private MqttConnectResult? _lastResult;
    private bool _stopped = true;
    private bool _disposed;
    private bool _sessionStarted; // a connection was accepted: CleanSessionOnFirstConnect resumes from now on (written under _connectGate)
    private bool _reconnecting;
    private int _failureStreak;
    private ushort _lastPacketId;
    private long _sequence;

    /// <summary>Creates a client; nothing is sent until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are incomplete or inconsistent (every problem is listed).</exception>
    /// <exception cref="MqttCredentialException">The <see cref="MqttDeviceClientOptions.TrustStorePath"/> file cannot be read or holds no certificate.</exception>
    public MqttDeviceClient(MqttDeviceClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Copied first, then validated: the client works on what it checked, whatever the caller changes later.
        _options = options.Clone();
        IReadOnlyList<string> errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid MQTT client options: " + string.Join(" ", errors), nameof(options));
        }

        _codec = _options.PacketCodec ?? new Mqtt311PacketCodec(_options.MaximumIncomingPacketSize);
        _credential = _options.Credential!;
        _serverCertificateValidator = _options.CreateServerCertificateValidator();
        _pendingLimit = new SemaphoreSlim(_options.MaxPendingMessages, _options.MaxPendingMessages);

        // No task starts here: the message dispatcher starts with the first ConnectAsync.
    }

    /// <summary>Test seam: whether the message dispatcher task has started (only a connection starts it).</summary>
    internal bool DispatcherStarted
    {
        get
        {
            lock (_sync)
            {
                return _dispatcher is not null;
            }
        }
    }

    /// <summary>For mocking only: a client whose virtual members are all overridden.</summary>
    protected MqttDeviceClient()
    {
    }

    /// <summary>Raised for every application message received (handlers run in order, one at a time).</summary>
    public event Func<MqttMessageReceivedEventArgs, Task>? MessageReceivedAsync;

    /// <summary>Raised after every successful connect, including automatic reconnects and credential swaps.</summary>
    public event Func<MqttConnectedEventArgs, Task>? ConnectedAsync;

    /// <summary>Raised when a connection is lost or closed.</summary>
    public event Func<MqttDisconnectedEventArgs, Task>? DisconnectedAsync;

    /// <summary>Raised when an automatic reconnect attempt fails (with the reason, for logs).</summary>
    public event Func<MqttConnectionAttemptFailedEventArgs, Task>? ConnectionAttemptFailedAsync;

    /// <summary>Whether a connection is currently established.</summary>
    public virtual bool IsConnected
    {
        get
        {
            lock (_sync)
            {
                return _connection is not null;
            }
        }
    }

    /// <summary>The credential used for the next connection.</summary>
    public virtual MqttClientCredential Credential => Volatile.Read(ref _credential);

    /// <summary>The client id the next connection sends (explicit, or derived from the certificate).</summary>
    /// <exception cref="MqttCredentialException">The certificate does not give a client id under the chosen profile.</exception>
    public virtual string ClientId => ResolveClientId(Credential);

    /// <summary>How many QoS 1/2 messages await their acknowledgment (in flight, or queued behind the in-flight window or for the next connection).</summary>
    public virtual int PendingMessageCount
    {
        get
        {
            lock (_sync)
            {
                return _inflight.Count + _backlog.Count;
            }
        }
    }

    /// <summary>
    /// Connects and returns the CONNACK outcome; a refusal is a result (<see cref="MqttConnectResult.IsAccepted"/>
    /// false), not an exception. After an accepted connect the client reconnects by itself when the connection is lost
    /// (see <see cref="MqttDeviceClientOptions.Reconnect"/>), until <see cref="DisconnectAsync"/>.
    /// </summary>
    /// <exception cref="MqttConnectException">The broker could not be reached, TLS failed (with the reason), or the connect timed out.</exception>
    /// <exception cref="MqttCredentialException">The certificate does not give a client id under the chosen profile.</exception>
    public virtual async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        lock (_sync)
        {
            _stopped = false;
        }

        return await ConnectGatedAsync(isReconnect: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Publishes a message. QoS 0 completes once written to the connection; QoS 1/2 complete when the broker
    /// acknowledges. QoS 1/2 messages survive connection loss: they are retransmitted (DUP flag) after the reconnect.
    /// Cancelling stops waiting; a QoS 1/2 message already queued is still delivered.
    /// </summary>
    /// <exception cref="ArgumentException">The topic is not a valid topic name (empty, or with '+' or '#').</exception>
    /// <exception cref="MqttConnectException">QoS 0 while not connected, or the client was disposed.</exception>
    public virtual async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService = MqttQualityOfService.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default)
    {
        if (!MqttTopic.IsValidTopicName(topic))
        {
            throw new ArgumentException($"'{topic}' is not a valid MQTT topic name: it must not be empty or contain '+' or '#'.", nameof(topic));
        }

        if (qualityOfService > MqttQualityOfService.ExactlyOnce)
        {
            throw new ArgumentOutOfRangeException(nameof(qualityOfService));
        }

        ThrowIfDisposed();
        if (qualityOfService == MqttQualityOfService.AtMostOnce)
        {
            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            MqttConnection connection = CurrentConnection() ?? throw NotConnected();
            if (!connection.Send(new MqttPublishPacket { Topic = topic, Payload = payload, Retain = retain }, written))
            {
                throw NotConnected();
            }

            await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!_pendingLimit.Wait(0, CancellationToken.None))
        {
            await _pendingLimit.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        PendingPublish pending;
        lock (_sync)
        {
            if (_disposed)
            {
                _pendingLimit.Release();
                throw Disposed();
            }

            pending = new PendingPublish(new MqttPublishPacket { Topic = topic, Payload = payload, QualityOfService = qualityOfService, Retain = retain }, ++_sequence);
            if (_inflight.Count < _options.MaxInflightMessages && _backlog.Count == 0)
            {
                Activate(pending);
            }
            else
            {
                _backlog.Enqueue(pending);
            }
        }

        await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscribes to one topic filter. The subscription is renewed after every reconnect that did not resume the session.</summary>
    /// <exception cref="ArgumentException">The topic filter is invalid.</exception>
    /// <exception cref="MqttConnectException">Not connected, or the connection was lost before SUBACK.</exception>
    public virtual Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService qualityOfService = MqttQualityOfService.AtLeastOnce, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttTopicSubscription(topicFilter, qualityOfService)], cancellationToken);

    /// <summary>Subscribes to several topic filters in one SUBSCRIBE. Refused filters are not renewed after reconnects.</summary>
    /// <exception cref="ArgumentException">A topic filter is invalid or the list is empty.</exception>
    /// <exception cref="MqttConnectException">Not connected, or the connection was lost before SUBACK.</exception>
    public virtual async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttTopicSubscription> subscriptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0 || subscriptions.Any(s => !MqttTopic.IsValidTopicFilter(s.TopicFilter) || s.QualityOfService > MqttQualityOfService.ExactlyOnce))
        {
            throw new ArgumentException("Give at least one subscription, each with a valid topic filter and QoS 0-2.", nameof(subscriptions));
        }

        MqttSubAckPacket ack = (MqttSubAckPacket)await RequestAsync(
            id => new MqttSubscribePacket { PacketId = id, Subscriptions = [.. subscriptions] },
            () =>
            {
                foreach (MqttTopicSubscription s in subscriptions)
                {
                    _subscriptions[s.TopicFilter] = s.QualityOfService;
                }
            },
            cancellationToken).ConfigureAwait(false);
        if (ack.ReturnCodes.Count != subscriptions.Count)
        {
            throw new MqttProtocolException(MqttProtocolError.UnexpectedPacket, "the broker's SUBACK does not answer every requested topic filter");
        }

        lock (_sync)
        {
            for (int i = 0; i < subscriptions.Count; i++)
            {
                if (ack.ReturnCodes[i] == MqttSubscribeReturnCode.Failure)
                {
                    _subscriptions.Remove(subscriptions[i].TopicFilter);
                }
            }
        }

        return new MqttSubscribeResult(subscriptions, ack.ReturnCodes);
    }

    /// <summary>Removes subscriptions (they are no longer renewed after reconnects).</summary>
    /// <exception cref="ArgumentException">A topic filter is invalid or the list is empty.</exception>
    /// <exception cref="MqttConnectException">Not connected, or the connection was lost before UNSUBACK.</exception>
    public virtual async Task UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0 || topicFilters.Any(f => !MqttTopic.IsValidTopicFilter(f)))
        {
            throw new ArgumentException("Give at least one valid topic filter.", nameof(topicFilters));
        }

        await RequestAsync(
            id => new MqttUnsubscribePacket { PacketId = id, TopicFilters = [.. topicFilters] },
            () =>
            {
                foreach (string f in topicFilters)
                {
                    _subscriptions.Remove(f);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes one subscription.</summary>
    /// <exception cref="MqttConnectException">Not connected, or the connection was lost before UNSUBACK.</exception>
    public virtual Task UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
        UnsubscribeAsync([topicFilter], cancellationToken);

    /// <summary>
    /// Replaces the client certificate (for example after an EST renewal, R-81). When connected, the client closes the
    /// connection and connects again with the new credential at once; subscriptions are renewed and unacknowledged
    /// QoS 1/2 messages retransmitted. Returns the new connection's outcome, or <see langword="null"/> when the client
    /// was not connected (the credential is then used by the next connect).
    /// </summary>
    /// <exception cref="MqttConnectException">The reconnect with the new credential failed (automatic reconnect keeps trying with it).</exception>
    public virtual async Task<MqttConnectResult?> UpdateCredentialAsync(MqttClientCredential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ThrowIfDisposed();
        ResolveClientId(credential);
        MqttConnectResult? result = null;
        bool connectedAgain = false;
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _credential, credential);
            MqttConnection? old;
            bool active;
            lock (_sync)
            {
                old = _connection;
                _connection = null;
                active = old is not null || _reconnecting;
                FailRequests(null);
            }

            if (old is not null)
            {
                await old.CloseAsync(DisconnectGrace).ConfigureAwait(false);
                await old.DisposeAsync().ConfigureAwait(false);
                await RaiseAsync(DisconnectedAsync, new MqttDisconnectedEventArgs("closed to reconnect with a new client certificate", null, willReconnect: true)).ConfigureAwait(false);
            }

            if (!active)
            {
                return null;
            }

            try
            {
                result = await ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
                connectedAgain = result.IsAccepted;
            }
            catch (MqttException e) when (IsLastingRefusal(e))
            {
                BackOffToCap(_options.Reconnect);
                throw;
            }
            finally
            {
                if (!connectedAgain && _options.Reconnect.Enabled)
                {
                    StartReconnectLoop();
                }
            }
        }
        finally
        {
            _connectGate.Release();
        }

        if (connectedAgain)
        {
            await RaiseAsync(ConnectedAsync, new MqttConnectedEventArgs(result!, isReconnect: true)).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// Sends DISCONNECT and closes the connection; no automatic reconnect follows. Unacknowledged QoS 1/2 messages stay
    /// queued for the next <see cref="ConnectAsync"/>.
    /// </summary>
    public virtual async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        MqttConnection? connection;
        lock (_sync)
        {
            _stopped = true;
            connection = _connection;
            _connection = null;
            FailRequests(null);
        }

        if (connection is not null)
        {
            await connection.CloseAsync(DisconnectGrace).WaitAsync(cancellationToken).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            await RaiseAsync(DisconnectedAsync, new MqttDisconnectedEventArgs("DisconnectAsync was called", null, willReconnect: false)).ConfigureAwait(false);
        }
    }

    /// <summary>Disconnects, stops reconnecting, and fails every pending operation with <see cref="MqttConnectError.Disposed"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        MqttConnection? connection;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopped = true;
            connection = _connection;
            _connection = null;
            FailRequests(Disposed());
            foreach (PendingPublish p in _inflight.Values.Concat(_backlog))
            {
                p.Completion.TrySetException(Disposed());
            }

            _inflight.Clear();
            _backlog.Clear();
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (connection is not null)
        {
            await connection.CloseAsync(DisconnectGrace).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _incoming.Writer.TryComplete();
        Task? dispatcher;
        lock (_sync)
        {
            dispatcher = _dispatcher;
        }

        if (dispatcher is not null)
        {
            await dispatcher.ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }

    private async Task<MqttPacket> RequestAsync(Func<ushort, MqttPacket> create, Action register, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var completion = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        ushort id;
        lock (_sync)
        {
            MqttConnection connection = _connection ?? throw NotConnected();
            id = NextPacketId();
            _requests[id] = completion;
            register();
            connection.Send(create(id));
        }

        try
        {
            return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_sync)
            {
                _requests.Remove(id);
            }
        }
    }

    private MqttConnection? CurrentConnection()
    {
        lock (_sync)
        {
            return _connection;
        }
    }

    // Packet identifiers are shared by publishes and (un)subscribe requests and must be unique while in use (MQTT-2.3.1-2).
    private ushort NextPacketId()
    {
        do
        {
            _lastPacketId = (ushort)(_lastPacketId == ushort.MaxValue ? 1 : _lastPacketId + 1);
        }
        while (_inflight.ContainsKey(_lastPacketId) || _requests.ContainsKey(_lastPacketId));

        return _lastPacketId;
    }

    // Called under _sync. The in-flight window is refilled from the backlog right where an acknowledgment frees a slot,
    // without a hop through a semaphore waiter: that keeps a small window (e.g. 20, like libmosquitto) saturated.
    private void Activate(PendingPublish pending)
    {
        MqttPublishPacket p = pending.Packet;
        ushort id = NextPacketId();
        pending.Packet = new MqttPublishPacket { Topic = p.Topic, Payload = p.Payload, QualityOfService = p.QualityOfService, Retain = p.Retain, PacketId = id };
        _inflight[id] = pending;
        _connection?.Send(pending.Packet);
    }

    private void FillWindow()
    {
        while (_inflight.Count < _options.MaxInflightMessages && _backlog.TryDequeue(out PendingPublish? next))
        {
            Activate(next);
        }
    }

    private void FailRequests(Exception? error)
    {
        error ??= new MqttConnectException(MqttConnectError.ConnectionLost, "the connection was closed before the broker answered; the subscription is renewed after the reconnect");
        foreach (TaskCompletionSource<MqttPacket> r in _requests.Values)
        {
            r.TrySetException(error);
        }

        _requests.Clear();
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed))
        {
            throw Disposed();
        }
    }

    private static MqttConnectException NotConnected() =>
        new(MqttConnectError.NotConnected, "the MQTT client is not connected (QoS 0 messages and subscriptions need a connection; QoS 1/2 messages are queued)");

    private static MqttConnectException Disposed() => new(MqttConnectError.Disposed, "the MQTT client was disposed");

    // The certificate is parsed once per credential (ClientId is read per publish by some callers), not on every read.
    private string ResolveClientId(MqttClientCredential credential)
    {
        if (_options.ClientId is { } configured)
        {
            return configured;
        }

        if (Volatile.Read(ref _derivedClientId) is { } cached && ReferenceEquals(cached.Credential, credential))
        {
            return cached.ClientId;
        }

        string clientId = MqttClientIdentity.FromCertificate(credential.Certificate, _options.ClientIdProfile, _options.OrganizationId);
        Volatile.Write(ref _derivedClientId, new DerivedClientId(credential, clientId));
        return clientId;
    }

    private sealed record DerivedClientId(MqttClientCredential Credential, string ClientId);

    private sealed class PendingPublish(MqttPublishPacket packet, long sequence)
    {
        public MqttPublishPacket Packet { get; set; } = packet;

        public long Sequence { get; } = sequence;

        public bool AwaitingPubComp { get; set; }

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct IncomingMessage(MqttPublishPacket Packet, MqttConnection Connection);
}
