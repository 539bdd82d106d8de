using Microsoft.Extensions.Logging;

namespace IoTCerts.Est;

/// <summary>The package's log messages (event ids 7000-7099). Never logs keys or passwords.</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Information, "Credential {Name} renewed: certificate {Thumbprint} valid until {NotAfter:u}")]
    public static partial void Renewed(ILogger logger, string name, string thumbprint, DateTime notAfter);

    [LoggerMessage(7001, LogLevel.Warning, "Credential {Name}: {Status}: {Detail}; next attempt in {Interval}")]
    public static partial void AttemptFailed(ILogger logger, string name, RenewalStatus status, string detail, TimeSpan interval);

    [LoggerMessage(7002, LogLevel.Information, "Credential {Name}: the EST server has not decided yet; next attempt in {Interval}")]
    public static partial void Pending(ILogger logger, string name, TimeSpan interval);

    [LoggerMessage(7003, LogLevel.Warning, "Credential {Name}: the live certificate and key cannot be used ({Detail}); enrolling anew")]
    public static partial void LiveUnreadable(ILogger logger, string name, string detail);

    [LoggerMessage(7004, LogLevel.Error, "Credential {Name}: renewal schedule misconfigured: {Detail}")]
    public static partial void Misconfigured(ILogger logger, string name, string detail);
}
