using IoTCerts.Core;

namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>Why IoTCerts' TLS layer under an MQTTnet client could not open a connection.</summary>
public enum MqttNetTlsErrorCode
{
    /// <summary>The options are unusable (no credential yet, a TLS version below 1.2).</summary>
    InvalidConfiguration = 1,

    /// <summary>The broker's TCP port cannot be reached.</summary>
    NetworkUnreachable,

    /// <summary>The broker's certificate was refused by <see cref="ChainValidator"/>; <see cref="MqttNetTlsException.ServerCertificateCode"/> names the rule.</summary>
    ServerCertificateRejected,

    /// <summary>The broker refused the client certificate with a TLS alert.</summary>
    ClientCertificateRejected,

    /// <summary>
    /// The broker closed the connection right after a TLS 1.3 handshake, before answering anything: with TLS 1.3 the
    /// server checks the client certificate after the client considers the handshake done, so a refusal looks like this.
    /// </summary>
    ClientCertificateProbablyRejected,

    /// <summary>The TLS handshake failed for another reason (no shared version or cipher suite, a reset).</summary>
    TlsHandshakeFailed,
}

/// <summary>
/// IoTCerts' TLS layer could not connect an MQTTnet client: a code, the broker's certificate status code where the
/// broker was refused, and an operator sentence. MQTTnet usually wraps it (as the inner exception of its own
/// communication exception); <see cref="Find"/> digs it out.
/// </summary>
public sealed class MqttNetTlsException : IoTCertsException<MqttNetTlsErrorCode>
{
    /// <summary>Creates the exception with a code and an operator sentence.</summary>
    /// <param name="code">What went wrong.</param>
    /// <param name="message">The operator sentence.</param>
    /// <param name="innerException">The transport error, if any.</param>
    public MqttNetTlsException(MqttNetTlsErrorCode code, string message, Exception? innerException = null)
        : base(code, message, innerException)
    {
    }

    /// <summary>The <see cref="ChainStatus"/> code (for example <c>expired</c>, <c>name-mismatch</c>) when the broker's certificate was refused.</summary>
    public string? ServerCertificateCode { get; init; }

    /// <summary>Finds an <see cref="MqttNetTlsException"/> in <paramref name="exception"/> or its inner exceptions.</summary>
    /// <param name="exception">What MQTTnet threw.</param>
    /// <returns>The TLS exception, or <see langword="null"/> when the failure did not come from this layer.</returns>
    public static MqttNetTlsException? Find(Exception? exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is MqttNetTlsException tls)
            {
                return tls;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
            {
                return Find(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }
}
