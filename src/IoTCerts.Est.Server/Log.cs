using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IoTCerts.Est.Server;

/// <summary>
/// The EST server's log messages (category <c>IoTCerts.Est.Server</c>, event ids 7100-7199; IoTCerts.Est uses
/// 7000-7099). Never logs passwords, keys or request bodies: only the operation, the subject and the answer.
/// </summary>
internal static partial class Log
{
    public const string Category = "IoTCerts.Est.Server";

    [LoggerMessage(7100, LogLevel.Information, "EST {Operation}: issued {Subject} (serial {Serial}) to {Client}")]
    public static partial void Issued(ILogger logger, string operation, string subject, string serial, string client);

    [LoggerMessage(7101, LogLevel.Warning, "EST {Path}: answered {Status}: {Reason} (client {Client})")]
    public static partial void Refused(ILogger logger, string path, int status, string reason, string client);

    [LoggerMessage(7102, LogLevel.Information, "EST {Path}: request held for approval (client {Client})")]
    public static partial void Pending(ILogger logger, string path, string client);

    [LoggerMessage(7103, LogLevel.Information, "EST {Operation}: answered a retry with the certificate already issued, {Subject} (serial {Serial}), to {Client}")]
    public static partial void Replayed(ILogger logger, string operation, string subject, string serial, string client);

    /// <summary>The logger from the request's services, or a null logger when logging is not registered.</summary>
    public static ILogger For(HttpContext http) =>
        http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(Category) ?? NullLogger.Instance;

    /// <summary>Who asked, for the log: the TLS client certificate's subject, else the remote address.</summary>
    public static string ClientOf(HttpContext http) =>
        http.Connection.ClientCertificate?.Subject is { Length: > 0 } subject ? subject : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
