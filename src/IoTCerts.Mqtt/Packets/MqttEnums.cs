namespace IoTCerts.Mqtt;

/// <summary>MQTT control packet types (MQTT 3.1.1 §2.2.1).</summary>
public enum MqttPacketType : byte
{
    /// <summary>Client request to connect.</summary>
    Connect = 1,
    /// <summary>Connect acknowledgment.</summary>
    ConnAck = 2,
    /// <summary>Publish message.</summary>
    Publish = 3,
    /// <summary>Publish acknowledgment (QoS 1).</summary>
    PubAck = 4,
    /// <summary>Publish received (QoS 2, part 1).</summary>
    PubRec = 5,
    /// <summary>Publish release (QoS 2, part 2).</summary>
    PubRel = 6,
    /// <summary>Publish complete (QoS 2, part 3).</summary>
    PubComp = 7,
    /// <summary>Subscribe request.</summary>
    Subscribe = 8,
    /// <summary>Subscribe acknowledgment.</summary>
    SubAck = 9,
    /// <summary>Unsubscribe request.</summary>
    Unsubscribe = 10,
    /// <summary>Unsubscribe acknowledgment.</summary>
    UnsubAck = 11,
    /// <summary>Ping request.</summary>
    PingReq = 12,
    /// <summary>Ping response.</summary>
    PingResp = 13,
    /// <summary>Client is disconnecting.</summary>
    Disconnect = 14,
}

/// <summary>MQTT quality of service levels.</summary>
public enum MqttQualityOfService : byte
{
    /// <summary>QoS 0: fire and forget.</summary>
    AtMostOnce = 0,
    /// <summary>QoS 1: acknowledged, may be delivered more than once.</summary>
    AtLeastOnce = 1,
    /// <summary>QoS 2: four-way handshake, delivered exactly once.</summary>
    ExactlyOnce = 2,
}

/// <summary>CONNACK return codes (MQTT 3.1.1 §3.2.2.3).</summary>
public enum MqttConnectReturnCode : byte
{
    /// <summary>Connection accepted.</summary>
    Accepted = 0,
    /// <summary>The broker does not support MQTT 3.1.1.</summary>
    UnacceptableProtocolVersion = 1,
    /// <summary>The client id is not allowed by the broker.</summary>
    IdentifierRejected = 2,
    /// <summary>The MQTT service is unavailable.</summary>
    ServerUnavailable = 3,
    /// <summary>The user name or password is malformed or wrong.</summary>
    BadUserNameOrPassword = 4,
    /// <summary>The client is not authorized to connect.</summary>
    NotAuthorized = 5,
}

/// <summary>SUBACK return codes (MQTT 3.1.1 §3.9.3).</summary>
public enum MqttSubscribeReturnCode : byte
{
    /// <summary>Granted with maximum QoS 0.</summary>
    GrantedQoS0 = 0x00,
    /// <summary>Granted with maximum QoS 1.</summary>
    GrantedQoS1 = 0x01,
    /// <summary>Granted with maximum QoS 2.</summary>
    GrantedQoS2 = 0x02,
    /// <summary>The subscription was refused.</summary>
    Failure = 0x80,
}

/// <summary>MQTT protocol versions a codec can speak.</summary>
public enum MqttProtocolVersion
{
    /// <summary>MQTT 3.1.1 (protocol level 4).</summary>
    V311 = 4,
}
