using System.Net;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Mqtt;

namespace IoTCerts.Samples.DeviceAot;

/// <summary>
/// Validates the broker's chain with Core's <see cref="ChainValidator"/> (R-80 through the client's
/// <see cref="IServerCertificateValidator"/> seam): serverAuth, and the host as a DNS or IP subject alternative name.
/// The same rules as <c>iotcerts verify</c>, with no dependency on the operating system's chain engine.
/// </summary>
internal sealed class CoreBrokerValidator(ChainValidator validator) : IServerCertificateValidator
{
    public ServerCertificateValidationResult Validate(X509Certificate2 certificate, X509Certificate2Collection presentedCertificates, string targetHost)
    {
        if (!Certificate.TryParse(certificate.RawData, out Certificate? leaf, out MaterialException? error))
        {
            return ServerCertificateValidationResult.Rejected($"the broker's certificate cannot be read: {error.Message}");
        }

        var intermediates = new List<Certificate>();
        foreach (X509Certificate2 c in presentedCertificates)
        {
            if (Certificate.TryParse(c.RawData, out Certificate? parsed, out _))
            {
                intermediates.Add(parsed);
            }
        }

        var context = new ValidationContext
        {
            Purpose = CertificatePurpose.ServerAuth,
            ExpectedPeerName = IPAddress.TryParse(targetHost, out IPAddress? ip) ? PeerName.Ip(ip) : PeerName.Dns(targetHost),
        };
        ChainValidationResult result = validator.Validate(leaf, intermediates, context);
        return result.IsValid
            ? ServerCertificateValidationResult.Trusted
            : ServerCertificateValidationResult.Rejected(string.Join("; ", result.Errors.Select(e => e.ToString())));
    }
}
