namespace IoTCerts.Mqtt;

/// <summary>An application message received from the broker.</summary>
public sealed class MqttMessageReceivedEventArgs : EventArgs
{
    internal MqttMessageReceivedEventArgs(MqttPublishPacket packet)
    {
        Topic = packet.Topic;
        Payload = packet.Payload;
        QualityOfService = packet.QualityOfService;
        Retain = packet.Retain;
        Duplicate = packet.Duplicate;
    }

    /// <summary>The topic name.</summary>
    public string Topic { get; }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The QoS the message was delivered with.</summary>
    public MqttQualityOfService QualityOfService { get; }

    /// <summary>Whether it is a retained message.</summary>
    public bool Retain { get; }

    /// <summary>Whether the broker marked it as a re-delivery.</summary>
    public bool Duplicate { get; }
}

/// <summary>The client is connected (first connect, reconnect, or reconnect after a credential update).</summary>
public sealed class MqttConnectedEventArgs : EventArgs
{
    internal MqttConnectedEventArgs(MqttConnectResult result, bool isReconnect)
    {
        Result = result;
        IsReconnect = isReconnect;
    }

    /// <summary>The CONNACK outcome.</summary>
    public MqttConnectResult Result { get; }

    /// <summary>Whether this connection replaced a previous one.</summary>
    public bool IsReconnect { get; }
}

/// <summary>The client lost or closed its connection.</summary>
public sealed class MqttDisconnectedEventArgs : EventArgs
{
    internal MqttDisconnectedEventArgs(string reason, Exception? exception, bool willReconnect)
    {
        Reason = reason;
        Exception = exception;
        WillReconnect = willReconnect;
    }

    /// <summary>A sentence an operator understands.</summary>
    public string Reason { get; }

    /// <summary>The error that ended the connection, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>Whether the client will reconnect by itself.</summary>
    public bool WillReconnect { get; }
}

/// <summary>An automatic reconnect attempt failed; the client tries again after its backoff delay.</summary>
public sealed class MqttConnectionAttemptFailedEventArgs : EventArgs
{
    internal MqttConnectionAttemptFailedEventArgs(string reason, Exception? exception, MqttConnectResult? result, int failureStreak)
    {
        Reason = reason;
        Exception = exception;
        Result = result;
        FailureStreak = failureStreak;
    }

    /// <summary>A sentence an operator understands.</summary>
    public string Reason { get; }

    /// <summary>The error, when the attempt did not reach CONNACK.</summary>
    public Exception? Exception { get; }

    /// <summary>The CONNACK refusal, when the attempt reached it.</summary>
    public MqttConnectResult? Result { get; }

    /// <summary>How many attempts failed in a row.</summary>
    public int FailureStreak { get; }
}
