using System.Security.Authentication;

namespace IoTCerts.Mqtt;

/// <summary>The outcome of a connection attempt that reached CONNACK. A refusal is a result, not an exception.</summary>
public sealed class MqttConnectResult
{
    internal MqttConnectResult(MqttConnectReturnCode returnCode, bool sessionPresent, string clientId, SslProtocols tlsProtocol)
    {
        ReturnCode = returnCode;
        SessionPresent = sessionPresent;
        ClientId = clientId;
        TlsProtocol = tlsProtocol;
    }

    /// <summary>Whether the broker accepted the connection.</summary>
    public bool IsAccepted => ReturnCode == MqttConnectReturnCode.Accepted;

    /// <summary>The CONNACK return code.</summary>
    public MqttConnectReturnCode ReturnCode { get; }

    /// <summary>Whether the broker resumed a stored session.</summary>
    public bool SessionPresent { get; }

    /// <summary>The client id that was sent.</summary>
    public string ClientId { get; }

    /// <summary>The TLS version negotiated.</summary>
    public SslProtocols TlsProtocol { get; }

    /// <summary>A sentence an operator understands.</summary>
    public string Reason => ReturnCode switch
    {
        MqttConnectReturnCode.Accepted => $"connected as '{ClientId}' ({TlsName})",
        MqttConnectReturnCode.UnacceptableProtocolVersion => "the broker refused the connection: it does not accept MQTT 3.1.1 (CONNACK 1)",
        MqttConnectReturnCode.IdentifierRejected => $"the broker refused the client id '{ClientId}' (CONNACK 2): check the client id profile or the certificate's CN",
        MqttConnectReturnCode.ServerUnavailable => "the broker refused the connection: the MQTT service is unavailable (CONNACK 3)",
        MqttConnectReturnCode.BadUserNameOrPassword => "the broker refused the connection: bad user name or password (CONNACK 4)",
        MqttConnectReturnCode.NotAuthorized => $"the broker did not authorize '{ClientId}' (CONNACK 5): is the device registered and its CA trusted by the platform?",
        _ => $"the broker refused the connection (CONNACK {(int)ReturnCode})",
    };

    private string TlsName => TlsProtocol switch
    {
        SslProtocols.Tls13 => "TLS 1.3",
        SslProtocols.Tls12 => "TLS 1.2",
        _ => TlsProtocol.ToString(),
    };
}

/// <summary>The broker's answer to a subscription request, one code per topic filter in request order.</summary>
public sealed class MqttSubscribeResult
{
    internal MqttSubscribeResult(IReadOnlyList<MqttTopicSubscription> requested, IReadOnlyList<MqttSubscribeReturnCode> returnCodes)
    {
        Requested = requested;
        ReturnCodes = returnCodes;
    }

    /// <summary>The subscriptions that were requested.</summary>
    public IReadOnlyList<MqttTopicSubscription> Requested { get; }

    /// <summary>The SUBACK return codes.</summary>
    public IReadOnlyList<MqttSubscribeReturnCode> ReturnCodes { get; }

    /// <summary>Whether every subscription was granted.</summary>
    public bool AllGranted => ReturnCodes.All(c => c != MqttSubscribeReturnCode.Failure);
}
