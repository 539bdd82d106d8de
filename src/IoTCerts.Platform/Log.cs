using Microsoft.Extensions.Logging;

namespace IoTCerts.Platform;

/// <summary>The package's log messages (event ids 7300-7399). Only methods, paths, statuses and delays: never credentials, tokens, codes or keys.</summary>
internal static partial class Log
{
    [LoggerMessage(7300, LogLevel.Warning, "{Method} {Path} answered {Status}; retry {Attempt} of {MaxRetries} in {Delay}")]
    public static partial void RetryingStatus(ILogger logger, string method, string path, int status, int attempt, int maxRetries, TimeSpan delay);

    [LoggerMessage(7301, LogLevel.Warning, "{Method} {Path} failed ({Reason}); retry {Attempt} of {MaxRetries} in {Delay}")]
    public static partial void RetryingTransport(ILogger logger, string method, string path, string reason, int attempt, int maxRetries, TimeSpan delay);

    [LoggerMessage(7302, LogLevel.Debug, "{Method} {Path} answered {Status}")]
    public static partial void Answered(ILogger logger, string method, string path, int status);

    [LoggerMessage(7303, LogLevel.Information, "Verification code for {Fingerprint} expired; asking for a new one ({Attempt} of {Max})")]
    public static partial void VerificationCodeExpired(ILogger logger, string fingerprint, int attempt, int max);

    [LoggerMessage(7304, LogLevel.Information, "Enrollment of {ExternalId}: the device is not registered yet; next attempt in {Delay}")]
    public static partial void EnrollmentWaiting(ILogger logger, string externalId, TimeSpan delay);
}
