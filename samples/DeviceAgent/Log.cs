using IoTCerts.Est;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// The agent's log messages, event ids 7800-7899 (stable: operators alert on them). Certificates appear by subject,
/// thumbprint and dates only; keys, passwords and tokens never appear.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(7800, LogLevel.Information, "Device agent starting in {Mode} mode: EST {EstServer}, MQTT {Host}:{Port}, store {StoreDirectory}")]
    public static partial void Starting(ILogger logger, AgentMode mode, string estServer, string host, int port, string storeDirectory);

    [LoggerMessage(7801, LogLevel.Information, "Device identity {Subject} ({Thumbprint}) valid until {NotAfter:u}; next renewal check at {NextAttempt:u}")]
    public static partial void IdentityLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter, DateTimeOffset nextAttempt);

    [LoggerMessage(7802, LogLevel.Information, "Device identity {Subject} enrolled or renewed: now certificate {Thumbprint}, valid until {NotAfter:u} (new key: {KeyRotated})")]
    public static partial void IdentityRenewed(ILogger logger, string subject, string thumbprint, DateTime notAfter, bool keyRotated);

    [LoggerMessage(7803, LogLevel.Warning, "No usable device identity yet ({Status}: {Detail}); next attempt at {NextAttempt:u}")]
    public static partial void IdentityUnavailable(ILogger logger, RenewalStatus status, string detail, DateTimeOffset nextAttempt);

    [LoggerMessage(7804, LogLevel.Information, "MQTT connected as {ClientId} with certificate {Thumbprint} (reconnect: {IsReconnect})")]
    public static partial void Connected(ILogger logger, string clientId, string thumbprint, bool isReconnect);

    [LoggerMessage(7805, LogLevel.Warning, "MQTT connect failed: {Reason}; next attempt in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(7806, LogLevel.Warning, "MQTT connection lost: {Reason} (will reconnect: {WillReconnect})")]
    public static partial void ConnectionLost(ILogger logger, string reason, bool willReconnect);

    [LoggerMessage(7815, LogLevel.Information, "MQTT connection closed: {Reason} (will reconnect: {WillReconnect})")]
    public static partial void ConnectionClosed(ILogger logger, string reason, bool willReconnect);

    [LoggerMessage(7807, LogLevel.Warning, "MQTT reconnect attempt {FailureStreak} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int failureStreak, string reason);

    [LoggerMessage(7808, LogLevel.Warning, "Reconnecting with the renewed certificate failed: {Reason} (the client keeps retrying with it)")]
    public static partial void SwapFailed(ILogger logger, string reason);

    [LoggerMessage(7809, LogLevel.Debug, "Measurement {Sequence} published to {Topic}")]
    public static partial void Published(ILogger logger, long sequence, string topic);

    [LoggerMessage(7810, LogLevel.Warning, "Measurement {Sequence} to {Topic} not sent: {Reason}")]
    public static partial void NotPublished(ILogger logger, long sequence, string topic, string reason);

    [LoggerMessage(7811, LogLevel.Information, "Cumulocity device token received: valid until {ExpiresAt:u}, refresh at {RefreshAt:u}")]
    public static partial void TokenReceived(ILogger logger, DateTimeOffset expiresAt, DateTimeOffset refreshAt);

    [LoggerMessage(7812, LogLevel.Warning, "Cumulocity device token not obtained: {Reason}; next attempt in {Delay}")]
    public static partial void TokenFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(7813, LogLevel.Information, "Device agent stopped after {Published} measurement(s)")]
    public static partial void Stopped(ILogger logger, long published);

    [LoggerMessage(7814, LogLevel.Error, "The renewal engine stopped unexpectedly: {Reason}")]
    public static partial void RenewalCrashed(ILogger logger, string reason);
}
