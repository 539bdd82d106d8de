namespace IoTCerts.Mqtt;

/// <summary>
/// Base of the MQTT client's exception family: a malformed packet (<see cref="MqttProtocolException"/>)
/// or a connection that could not be made or was lost (<see cref="MqttConnectException"/>).
/// Messages are operator sentences and never contain key material.
/// </summary>
public abstract class MqttException : Exception
{
    /// <summary>Creates the exception with an operator sentence.</summary>
    protected MqttException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The stable kebab-case code of the error, for CLI output and logs.</summary>
    public abstract string CodeString { get; }
}
