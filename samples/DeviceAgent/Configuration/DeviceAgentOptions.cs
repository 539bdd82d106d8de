namespace IoTCerts.Samples.DeviceAgent;

/// <summary>How the agent talks to its platform.</summary>
public enum AgentMode
{
    /// <summary>Any MQTT broker with mutual TLS; telemetry on a topic of the device's own.</summary>
    Generic,

    /// <summary>
    /// Cumulocity IoT: client id = certificate CN, SmartREST measurements on <c>s/us</c>, and a device
    /// JWT obtained over MQTT and refreshed after half its lifetime.
    /// </summary>
    Cumulocity,
}

/// <summary>
/// The <c>DeviceAgent</c> section of appsettings.json. Relative paths are taken from the content root (the folder
/// holding appsettings.json, or <c>--contentRoot</c>). Every setting is checked when the host starts.
/// </summary>
public sealed class DeviceAgentOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "DeviceAgent";

    /// <summary><c>generic</c> (default) or <c>cumulocity</c>.</summary>
    public AgentMode Mode { get; set; } = AgentMode.Generic;

    /// <summary>Where the device identity lives: <c>device.pem</c> (certificate + chain), <c>device.key</c> (0600), <c>cacerts.pem</c>.</summary>
    public string? StoreDirectory { get; set; }

    /// <summary>Enrollment and renewal over EST.</summary>
    public EstSettings Est { get; set; } = new();

    /// <summary>The MQTT connection and the periodic measurement.</summary>
    public MqttSettings Mqtt { get; set; } = new();

    /// <summary>The Cumulocity token flow (used in <see cref="AgentMode.Cumulocity"/> mode only).</summary>
    public CumulocitySettings Cumulocity { get; set; } = new();

    /// <summary>The live certificate file in the store.</summary>
    public string CertificatePath => Path.Combine(StoreDirectory!, "device.pem");

    /// <summary>The live key file in the store.</summary>
    public string KeyPath => Path.Combine(StoreDirectory!, "device.key");

    /// <summary>The last /cacerts answer, kept for the CA check of R-74.</summary>
    public string CaCertificatesPath => Path.Combine(StoreDirectory!, "cacerts.pem");

    /// <summary>Makes every relative path absolute against <paramref name="root"/>.</summary>
    internal void ResolvePaths(string root)
    {
        StoreDirectory = Resolve(root, StoreDirectory);
        Est.TrustFile = Resolve(root, Est.TrustFile);
        Est.IssuerTrustFile = Resolve(root, Est.IssuerTrustFile);
        Est.BootstrapCertificateFile = Resolve(root, Est.BootstrapCertificateFile);
        Est.BootstrapKeyFile = Resolve(root, Est.BootstrapKeyFile);
        Est.PasswordFile = Resolve(root, Est.PasswordFile);
        Mqtt.TrustFile = Resolve(root, Mqtt.TrustFile);
    }

    private static string? Resolve(string root, string? path) =>
        string.IsNullOrWhiteSpace(path) ? path : Path.GetFullPath(path, root);
}

/// <summary>The <c>DeviceAgent:Est</c> section.</summary>
public sealed class EstSettings
{
    /// <summary>The EST server, e.g. <c>https://est.example.com:8443</c> (required, https).</summary>
    public string? Server { get; set; }

    /// <summary>The optional CA label (one path segment).</summary>
    public string? Label { get; set; }

    /// <summary>PEM file with the trust anchors of the EST server's TLS certificate (required).</summary>
    public string? TrustFile { get; set; }

    /// <summary>
    /// PEM file with the CA certificates issued device certificates must chain to, for EST servers without
    /// <c>/cacerts</c> (Cumulocity's certificate-authority enrollment has none). When set, <c>/cacerts</c> is never asked:
    /// <see cref="IoTCerts.Est.RenewalCredential.IssuerTrustAnchors"/> holds these. Unset: the server's <c>/cacerts</c> answer.
    /// </summary>
    public string? IssuerTrustFile { get; set; }

    /// <summary>The factory-installed bootstrap certificate (PEM, with chain) for the first enrollment .</summary>
    public string? BootstrapCertificateFile { get; set; }

    /// <summary>The bootstrap private key (PEM).</summary>
    public string? BootstrapKeyFile { get; set; }

    /// <summary>HTTP Basic user for enrollment instead of a bootstrap certificate (for example a Cumulocity external id).</summary>
    public string? UserName { get; set; }

    /// <summary>File holding the Basic password or one-time password (never logged).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The subject of the first enrollment, e.g. <c>CN=device-0001</c>; renewals copy the current certificate's.</summary>
    public string? Subject { get; set; }

    /// <summary>When to renew: a share of the lifetime (<c>80%</c>) or a time before expiry (<c>4d</c>, <c>12h</c>, <c>10min</c>).</summary>
    public string RenewAt { get; set; } = "80%";

    /// <summary>The wait after a failed attempt, in the same forms (default <c>4%</c> of the lifetime).</summary>
    public string RetryInterval { get; set; } = "4%";

    /// <summary>Up to this share of the time before a renewal is taken away at random, so a fleet does not renew in step (0 - 0.5).</summary>
    public double Jitter { get; set; } = 0.05;

    /// <summary>Generate a new key at every renewal (R-72 default).</summary>
    public bool RotateKey { get; set; } = true;

    /// <summary>How often to ask /cacerts whether the issuing CA changed; empty turns the check off.</summary>
    public TimeSpan? CaCheckInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>The <c>DeviceAgent:Mqtt</c> section.</summary>
public sealed class MqttSettings
{
    /// <summary>The broker's host name or address (required).</summary>
    public string? Host { get; set; }

    /// <summary>The broker's TLS port.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>The name sent as SNI and checked in the broker's certificate, when it differs from <see cref="Host"/>.</summary>
    public string? TargetHost { get; set; }

    /// <summary>PEM file with the CA certificates the broker's certificate must chain to (required).</summary>
    public string? TrustFile { get; set; }

    /// <summary>An explicit client id; default the certificate's Common Name.</summary>
    public string? ClientId { get; set; }

    /// <summary>The measurement topic; <c>{clientId}</c> is replaced. Default <c>devices/{clientId}/telemetry</c>, or <c>s/us</c> in cumulocity mode.</summary>
    public string? Topic { get; set; }

    /// <summary>
    /// The measurement payload; <c>{sequence}</c>, <c>{timestamp}</c> (UTC, ISO 8601) and <c>{clientId}</c> are replaced.
    /// Default a small JSON object, or the SmartREST measurement <c>200,c8y_AgentHeartbeat,sequence,{sequence}</c> in cumulocity mode.
    /// </summary>
    public string? Payload { get; set; }

    /// <summary>0, 1 or 2.</summary>
    public int QualityOfService { get; set; } = 1;

    /// <summary>Time between two measurements.</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The MQTT keep-alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The time allowed for TCP + TLS + CONNACK.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first reconnect delay (doubles after each failure, with jitter).</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest reconnect delay.</summary>
    public TimeSpan ReconnectMaximumDelay { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>The <c>DeviceAgent:Cumulocity</c> section.</summary>
public sealed class CumulocitySettings
{
    /// <summary>How long to wait for the <c>71,&lt;JWT&gt;</c> answer per attempt.</summary>
    public TimeSpan TokenAttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts per token request.</summary>
    public int TokenMaxAttempts { get; set; } = 3;

    /// <summary>The pause after a failed token request before the next one.</summary>
    public TimeSpan TokenRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Authenticate EST re-enrollment with the device JWT as a Bearer token, as Cumulocity's EST endpoint expects
    /// (cumulocity-api.md); Basic enrollment credentials are dropped once a token is held (a one-time password is spent anyway).
    /// </summary>
    public bool UseTokenForReenrollment { get; set; } = true;
}
