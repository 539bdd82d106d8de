using System.Security.Authentication;

namespace IoTCerts.Mqtt;

/// <summary>
/// Everything an <see cref="MqttDeviceClient"/> needs, in one object (easy to fill from a command line or from
/// configuration). Validated once when the client is created (<see cref="Validate"/> lists every problem).
/// </summary>
public sealed class MqttDeviceClientOptions
{
    /// <summary>The broker's host name or IP address (where to connect).</summary>
    public string? Host { get; set; }

    /// <summary>The broker's TLS port. Default 8883 .</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// The name sent as SNI and checked in the broker's certificate, when it differs from <see cref="Host"/> (for
    /// example connecting to an IP address behind a load balancer). Default: <see cref="Host"/>.
    /// </summary>
    public string? TargetHost { get; set; }

    /// <summary>The client certificate, its key and its intermediates. Required.</summary>
    public MqttClientCredential? Credential { get; set; }

    /// <summary>
    /// Decides whether the broker's certificate is trusted, when the defaults do not fit. Default (<see langword="null"/>):
    /// a <see cref="TrustStoreServerCertificateValidator"/> (IoTCerts' own chain validator) over <see cref="TrustStorePath"/>
    /// when that is set, otherwise an <see cref="X509ChainServerCertificateValidator"/> on the operating system's trust
    /// store; neither checks revocation unless told to. Set either this or <see cref="TrustStorePath"/>, not both.
    /// </summary>
    public IServerCertificateValidator? ServerCertificateValidator { get; set; }

    /// <summary>
    /// A file holding the CA certificates the broker's certificate must chain to (PEM bundle, DER, PKCS#7 or an
    /// unprotected PKCS#12 truststore). The certificates are read when the client is created and validated with
    /// <see cref="TrustStoreServerCertificateValidator"/>. Default: none (the system trust store).
    /// </summary>
    public string? TrustStorePath { get; set; }

    /// <summary>
    /// Checks the broker's chain for revocation when <see cref="TrustStorePath"/> is used, typically an
    /// <see cref="IoTCerts.Core.CrlRevocationChecker"/> in <see cref="IoTCerts.Core.RevocationMode.Offline"/> mode fed with
    /// CRLs the device already holds. Default <see langword="null"/>: no revocation check, because devices are
    /// often offline and an unreachable CRL must not stop them connecting. The TLS handshake does no I/O: an online
    /// checker only reads what its <see cref="IoTCerts.Core.ICrlSource"/> has already cached.
    /// </summary>
    public IoTCerts.Core.IRevocationChecker? ServerRevocationChecker { get; set; }

    /// <summary>The clock used to check the broker certificate's validity period. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The TLS versions offered: TLS 1.2 and/or TLS 1.3. Default both.</summary>
    public SslProtocols SslProtocols { get; set; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>An explicit client id; when <see langword="null"/> it is derived from the certificate per <see cref="ClientIdProfile"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>How the client id is derived from the certificate. Default: its Common Name.</summary>
    public MqttClientIdProfile ClientIdProfile { get; set; } = MqttClientIdProfile.CommonName;

    /// <summary>The IBM Watson IoT organization id (for <see cref="MqttClientIdProfile.IbmWatsonIot"/>).</summary>
    public string? OrganizationId { get; set; }

    /// <summary>The MQTT keep-alive; a PINGREQ is sent after this much idle time. 0 disables it. Default 60 s.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether the broker discards the session on connect. Default <see langword="true"/>.</summary>
    public bool CleanSession { get; set; } = true;

    /// <summary>
    /// Clean start on the first connection only: the broker discards any session left from an earlier run, then
    /// reconnects and certificate hot-swaps resume the session this client started (queued QoS 1/2 messages and
    /// subscriptions kept). Needs <see cref="CleanSession"/> <see langword="false"/>. Default <see langword="false"/>.
    /// </summary>
    public bool CleanSessionOnFirstConnect { get; set; }

    /// <summary>
    /// The user name sent in CONNECT, for brokers that authenticate with it besides the certificate (Cumulocity
    /// <c>tenant/user</c>, IBM Watson IoT <c>use-token-auth</c>). Default none.
    /// </summary>
    public string? UserName { get; set; }

    /// <summary>The password sent in CONNECT (UTF-8), for example an IBM Watson IoT device token; needs <see cref="UserName"/> (MQTT-3.1.2-22). A secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The Will message the broker publishes when this client's connection ends without a DISCONNECT (a killed
    /// process, a lost network). Registered again with every connection. Default none.
    /// </summary>
    public MqttWillMessage? Will { get; set; }

    /// <summary>The time allowed for TCP + TLS + CONNACK. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Automatic reconnect with backoff.</summary>
    public MqttReconnectPolicy Reconnect { get; set; } = new();

    /// <summary>How many QoS 1/2 messages may be sent and unacknowledged at once; further ones queue behind them. Default 64.</summary>
    public int MaxInflightMessages { get; set; } = 64;

    /// <summary>
    /// How many QoS 1/2 messages may be pending (in flight plus queued, for example while disconnected); further
    /// <see cref="MqttDeviceClient.PublishAsync"/> calls wait for room. Bounds memory on a long outage. Default 100,000.
    /// </summary>
    public int MaxPendingMessages { get; set; } = 100_000;

    /// <summary>The largest packet accepted from the broker, in bytes. Default 1 MiB.</summary>
    public int MaximumIncomingPacketSize { get; set; } = Mqtt311PacketCodec.DefaultMaximumPacketSize;

    /// <summary>The packet codec; default an <see cref="Mqtt311PacketCodec"/> with <see cref="MaximumIncomingPacketSize"/>.</summary>
    public IMqttPacketCodec? PacketCodec { get; set; }

    /// <summary>Every problem with these options, as sentences; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add("Host is required: the broker's host name or IP address.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"Port {Port} is not a TCP port (1-65535).");
        }

        if (TargetHost is not null && string.IsNullOrWhiteSpace(TargetHost))
        {
            errors.Add("TargetHost must be a host name when it is set.");
        }

        if (TrustStorePath is not null && string.IsNullOrWhiteSpace(TrustStorePath))
        {
            errors.Add("TrustStorePath must be a file path when it is set.");
        }

        if (TrustStorePath is not null && ServerCertificateValidator is not null)
        {
            errors.Add("Set either TrustStorePath or ServerCertificateValidator, not both (the validator decides alone).");
        }

        if (ServerRevocationChecker is not null && TrustStorePath is null)
        {
            errors.Add("ServerRevocationChecker needs TrustStorePath (a custom ServerCertificateValidator does its own revocation checks).");
        }

        if (TimeProvider is null)
        {
            errors.Add("TimeProvider must be set.");
        }

        if (Credential is null)
        {
            errors.Add("Credential is required: the client certificate with its private key (and intermediates).");
        }

        if (SslProtocols == SslProtocols.None || (SslProtocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
        {
            errors.Add("SslProtocols must be TLS 1.2 and/or TLS 1.3.");
        }

        if (ClientId is not null && (ClientId.Length == 0 || ClientId.Length > 65535 || ClientId.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add("ClientId must be a non-empty MQTT string when it is set.");
        }

        if (ClientIdProfile == MqttClientIdProfile.IbmWatsonIot && ClientId is null && string.IsNullOrWhiteSpace(OrganizationId))
        {
            errors.Add("OrganizationId is required for the IBM Watson IoT client id profile.");
        }

        if (CleanSessionOnFirstConnect && CleanSession)
        {
            errors.Add("CleanSessionOnFirstConnect needs CleanSession false (it keeps the session after the first connection).");
        }

        if (UserName is not null && (UserName.Contains('\0', StringComparison.Ordinal) || System.Text.Encoding.UTF8.GetByteCount(UserName) > ushort.MaxValue))
        {
            errors.Add("UserName must be an MQTT string (at most 65,535 UTF-8 bytes, no NUL).");
        }

        if (Password is not null && (UserName is null || System.Text.Encoding.UTF8.GetByteCount(Password) > ushort.MaxValue))
        {
            errors.Add(UserName is null ? "Password needs UserName (MQTT 3.1.1 sends no password without a user name)." : "Password must be at most 65,535 UTF-8 bytes.");
        }

        if (Will is not null)
        {
            if (!MqttTopic.IsValidTopicName(Will.Topic))
            {
                errors.Add($"Will.Topic '{Will.Topic}' is not a valid topic name (no wildcards, not empty).");
            }

            if (Will.QualityOfService is < MqttQualityOfService.AtMostOnce or > MqttQualityOfService.ExactlyOnce)
            {
                errors.Add("Will.QualityOfService must be 0, 1 or 2.");
            }

            if (Will.Payload.Length > ushort.MaxValue)
            {
                errors.Add("Will.Payload must be at most 65,535 bytes.");
            }
        }

        if (KeepAlive < TimeSpan.Zero || KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            errors.Add("KeepAlive must be between 0 and 65,535 seconds.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("ConnectTimeout must be positive.");
        }

        if (Reconnect is null)
        {
            errors.Add("Reconnect must be set.");
        }
        else if (Reconnect.InitialDelay <= TimeSpan.Zero || Reconnect.MaximumDelay < Reconnect.InitialDelay || Reconnect.StableConnectionTime < TimeSpan.Zero)
        {
            errors.Add("Reconnect needs 0 < InitialDelay <= MaximumDelay and a non-negative StableConnectionTime.");
        }

        if (MaxInflightMessages is < 1 or > 65_000)
        {
            errors.Add("MaxInflightMessages must be between 1 and 65,000 (packet identifiers are 16-bit).");
        }

        if (MaxPendingMessages < MaxInflightMessages)
        {
            errors.Add("MaxPendingMessages must be at least MaxInflightMessages.");
        }

        if (MaximumIncomingPacketSize < 2 || MaximumIncomingPacketSize > Mqtt311PacketCodec.MaximumRemainingLength + 5)
        {
            errors.Add("MaximumIncomingPacketSize must be between 2 and 268,435,460 bytes.");
        }

        return errors;
    }

    /// <summary>A copy the client keeps (the reconnect policy copied too), so later changes to this instance have no effect on it.</summary>
    internal MqttDeviceClientOptions Clone()
    {
        var copy = (MqttDeviceClientOptions)MemberwiseClone();
        copy.Reconnect = Reconnect is null ? null! : new MqttReconnectPolicy
        {
            Enabled = Reconnect.Enabled,
            InitialDelay = Reconnect.InitialDelay,
            MaximumDelay = Reconnect.MaximumDelay,
            StableConnectionTime = Reconnect.StableConnectionTime,
        };
        return copy;
    }

    /// <summary>The validator a client uses: <see cref="ServerCertificateValidator"/>, or the default for <see cref="TrustStorePath"/>.</summary>
    internal IServerCertificateValidator CreateServerCertificateValidator() =>
        ServerCertificateValidator
        ?? (TrustStorePath is { } path
            ? TrustStoreServerCertificateValidator.FromFile(path, ServerRevocationChecker, TimeProvider)
            : new X509ChainServerCertificateValidator { TimeProvider = TimeProvider });
}
