using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>
/// The validator's log messages (category <c>IoTCerts.PlatformValidator</c>, event ids 7900-7999). They carry the
/// device identity, verdict, codes, cost and cache use; never keys, passphrases or request bodies.
/// </summary>
internal static partial class Log
{
    public const string Category = "IoTCerts.PlatformValidator";

    public const int AcceptedId = 7900;
    public const int RefusedId = 7901;
    public const int NoClientCertificateId = 7902;
    public const int ListeningId = 7903;

    [LoggerMessage(AcceptedId, LogLevel.Information,
        "device {DeviceId} accepted: {Method} {Path} over {Protocol}; validated in {CostMicroseconds} µs (signature cache hits {SignatureCacheHits}, CRL downloads {CrlDownloads}); serial {SerialNumber}, issuer \"{Issuer}\"")]
    public static partial void Accepted(ILogger logger, string deviceId, string method, string path, string protocol, long costMicroseconds,
        long signatureCacheHits, long crlDownloads, string serialNumber, string issuer);

    [LoggerMessage(RefusedId, LogLevel.Warning,
        "device {DeviceId} refused with {Code}: {Reason} ({Method} {Path} over {Protocol}; all codes {Codes}; validated in {CostMicroseconds} µs, signature cache hits {SignatureCacheHits}, CRL downloads {CrlDownloads}; subject \"{Subject}\", serial {SerialNumber})")]
    public static partial void Refused(ILogger logger, string deviceId, string code, string reason, string method, string path, string protocol,
        string codes, long costMicroseconds, long signatureCacheHits, long crlDownloads, string subject, string serialNumber);

    [LoggerMessage(NoClientCertificateId, LogLevel.Warning, "TLS connection from {RemoteEndPoint} closed with NoClientCertificate: no client certificate was accepted in the handshake (none sent, or the handshake failed earlier: TLS version, cipher, or the client refused the server certificate)")]
    public static partial void NoClientCertificate(ILogger logger, string remoteEndPoint);

    [LoggerMessage(ListeningId, LogLevel.Information,
        "validating devices on {Address} with profile {Profile}, purpose clientAuth, revocation {Revocation} ({CrlCount} CRL files), {AnchorCount} trust anchors")]
    public static partial void Listening(ILogger logger, string address, string profile, string revocation, int crlCount, int anchorCount);
}
