using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>A certificate chain in one header value: header values cannot hold line breaks, so each PEM's lines are joined with spaces.</summary>
internal static class CertificateChainHeader
{
    public static string Format(IEnumerable<X509Certificate2> chain) =>
        string.Join(' ', chain.Select(c => c.ExportCertificatePem().ReplaceLineEndings(" ").Trim()));
}
