using System.Security.Authentication;
using IoTCerts.Core;

namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>
/// What <see cref="MqttNetTlsStreamProvider"/> needs: where the client certificate comes from, how the broker is
/// validated, and the TLS parameters. Validated once when the provider is created.
/// </summary>
public sealed class MqttNetTlsOptions
{
    /// <summary>
    /// Where the client certificate and its chain come from; read again on every connection, so a renewal (the EST
    /// renewal engine is one such source) is used by the next connect. Set this or <see cref="Credential"/>.
    /// </summary>
    public ICertificateCredentialSource? CredentialSource { get; set; }

    /// <summary>A fixed client certificate with its chain (issuer first). Set this or <see cref="CredentialSource"/>.</summary>
    public CertificateCredential? Credential { get; set; }

    /// <summary>
    /// Validates the broker's certificate (R-10..R-15): its trust anchors, policy, revocation checker and clock. The
    /// end entity must allow serverAuth and, unless <see cref="CheckHostName"/> is off, name the expected host.
    /// Required: the operating system's <c>X509Chain</c> is never used.
    /// </summary>
    public ChainValidator? ServerValidator { get; set; }

    /// <summary>
    /// The host name sent as SNI and expected in the broker's certificate; the host of the endpoint MQTTnet connects
    /// to when <see langword="null"/>. Needed when connecting by IP address to a broker behind a name.
    /// </summary>
    public string? TargetHost { get; set; }

    /// <summary>Whether the broker's certificate must name <see cref="TargetHost"/> (DNS or IP subject alternative name, RFC 6125). On by default.</summary>
    public bool CheckHostName { get; set; } = true;

    /// <summary>ALPN protocol names offered in the handshake (for example <c>mqtt</c>, or <c>x-amzn-mqtt-ca</c> for AWS IoT on port 443); none by default.</summary>
    public IList<string> ApplicationProtocols { get; } = [];

    /// <summary>The TLS versions offered: TLS 1.2 and 1.3 (the default) or one of them; anything older is refused.</summary>
    public SslProtocols EnabledProtocols { get; set; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>How long the TCP connect and the TLS handshake may take together. 30 s by default.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        var errors = new List<string>();
        if ((CredentialSource is null) == (Credential is null))
        {
            errors.Add("set exactly one of CredentialSource and Credential");
        }

        if (ServerValidator is null)
        {
            errors.Add("ServerValidator is required (a ChainValidator holding the broker's trust anchors)");
        }
        else if (ServerValidator.TrustAnchors.Count == 0)
        {
            errors.Add("ServerValidator has no trust anchor");
        }

        if (EnabledProtocols == SslProtocols.None || (EnabledProtocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != 0)
        {
            errors.Add($"EnabledProtocols must be TLS 1.2 and/or TLS 1.3, not {EnabledProtocols}");
        }

        if (TargetHost is { Length: 0 })
        {
            errors.Add("TargetHost must not be empty");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add("HandshakeTimeout must be positive");
        }

        foreach (string protocol in ApplicationProtocols)
        {
            if (string.IsNullOrEmpty(protocol) || protocol.Length > 255)
            {
                errors.Add("each ALPN protocol name must be 1 to 255 characters");
                break;
            }
        }

        if (errors.Count > 0)
        {
            throw new MqttNetTlsException(MqttNetTlsErrorCode.InvalidConfiguration, "the MQTTnet TLS options are invalid: " + string.Join("; ", errors));
        }
    }
}
