using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Mqtt;

/// <summary>
/// Decides whether the broker's TLS certificate is trusted. The client calls it from the TLS handshake; a
/// rejection ends the handshake and its <see cref="ServerCertificateValidationResult.Reason"/> becomes the error the
/// operator sees. Implementations must be thread-safe. The default is <see cref="TrustStoreServerCertificateValidator"/> when
/// <see cref="MqttDeviceClientOptions.TrustStorePath"/> is set, else <see cref="X509ChainServerCertificateValidator"/> on the system store.
/// </summary>
public interface IServerCertificateValidator
{
    /// <summary>Validates the broker's certificate.</summary>
    /// <param name="certificate">The broker's end-entity certificate.</param>
    /// <param name="presentedCertificates">The other certificates the broker sent (its intermediates), possibly empty.</param>
    /// <param name="targetHost">The host name (or IP address) the client expects the certificate to name.</param>
    ServerCertificateValidationResult Validate(X509Certificate2 certificate, X509Certificate2Collection presentedCertificates, string targetHost);
}

/// <summary>The answer of an <see cref="IServerCertificateValidator"/>.</summary>
public sealed class ServerCertificateValidationResult
{
    private ServerCertificateValidationResult(bool isTrusted, string? reason, string? code)
    {
        IsTrusted = isTrusted;
        Reason = reason;
        Code = code;
    }

    /// <summary>The certificate is trusted.</summary>
    public static ServerCertificateValidationResult Trusted { get; } = new(true, null, null);

    /// <summary>Whether the broker's certificate is trusted.</summary>
    public bool IsTrusted { get; }

    /// <summary>Why the certificate is not trusted: a sentence an operator understands; <see langword="null"/> when trusted.</summary>
    public string? Reason { get; }

    /// <summary>
    /// The validator's stable code for the cause, when it has one: for <see cref="TrustStoreServerCertificateValidator"/>
    /// the <see cref="IoTCerts.Core.ChainStatus"/> code (for example <c>UntrustedRoot</c>, <c>NameMismatch</c>, <c>Expired</c>).
    /// </summary>
    public string? Code { get; }

    /// <summary>A rejection with an operator sentence.</summary>
    public static ServerCertificateValidationResult Rejected(string reason) => Rejected(reason, null);

    /// <summary>A rejection with an operator sentence and the validator's code for the cause.</summary>
    public static ServerCertificateValidationResult Rejected(string reason, string? code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new ServerCertificateValidationResult(false, reason, code);
    }
}
