namespace IoTCerts.Mqtt;

/// <summary>Why an MQTT connection could not be made, or an operation needed one that is not there.</summary>
public enum MqttConnectError
{
    /// <summary>The broker's address could not be reached (DNS, refused, unreachable).</summary>
    NetworkUnreachable = 1,

    /// <summary>The connection attempt did not finish within the connect timeout.</summary>
    Timeout,

    /// <summary>The broker's certificate was not accepted by the server certificate validator.</summary>
    ServerCertificateRejected,

    /// <summary>The broker refused the client certificate during the TLS handshake (a TLS alert was received).</summary>
    ClientCertificateRejected,

    /// <summary>
    /// The connection was closed right after a TLS handshake: with TLS 1.3 this is how a broker refuses a client
    /// certificate, so the certificate was probably rejected.
    /// </summary>
    ClientCertificateProbablyRejected,

    /// <summary>The TLS handshake failed for another reason (no common protocol version or cipher).</summary>
    TlsHandshakeFailed,

    /// <summary>The connection was lost.</summary>
    ConnectionLost,

    /// <summary>The client is not connected (and the operation cannot be queued).</summary>
    NotConnected,

    /// <summary>The client certificate does not give a valid client id for the chosen profile.</summary>
    InvalidClientIdentity,

    /// <summary>The peer broke the MQTT protocol.</summary>
    ProtocolViolation,

    /// <summary>The client was disposed.</summary>
    Disposed,
}

/// <summary>An MQTT connection could not be made or was lost. A CONNACK refusal is not an exception but a <see cref="MqttConnectResult"/>.</summary>
public sealed class MqttConnectException : MqttException
{
    /// <summary>Creates the exception with an operator sentence.</summary>
    public MqttConnectException(MqttConnectError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Why the connection failed.</summary>
    public MqttConnectError Error { get; }

    /// <summary>
    /// For <see cref="MqttConnectError.ServerCertificateRejected"/>: the server certificate validator's code for the cause
    /// (<see cref="ServerCertificateValidationResult.Code"/>, for example <c>UntrustedRoot</c>), when it gave one.
    /// </summary>
    public string? ServerCertificateCode { get; init; }

    /// <inheritdoc />
    public override string CodeString => Error switch
    {
        MqttConnectError.NetworkUnreachable => "network-unreachable",
        MqttConnectError.Timeout => "timeout",
        MqttConnectError.ServerCertificateRejected => "server-certificate-rejected",
        MqttConnectError.ClientCertificateRejected => "client-certificate-rejected",
        MqttConnectError.ClientCertificateProbablyRejected => "client-certificate-probably-rejected",
        MqttConnectError.TlsHandshakeFailed => "tls-handshake-failed",
        MqttConnectError.ConnectionLost => "connection-lost",
        MqttConnectError.NotConnected => "not-connected",
        MqttConnectError.InvalidClientIdentity => "invalid-client-identity",
        MqttConnectError.ProtocolViolation => "protocol-violation",
        MqttConnectError.Disposed => "disposed",
        _ => "connect-error",
    };
}
