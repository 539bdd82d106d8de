using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace IoTCerts.Est.Server;

/// <summary>
/// The certificates a TLS client sent after its own certificate (its intermediates). SslStream only shows them to the
/// certificate validation callback (in the chain's ExtraStore); Kestrel keeps just the leaf, so they are captured there
/// and stored in the connection's items, where every request of the connection finds them.
/// </summary>
internal static class PresentedChain
{
    // RFC 8446 4.4.2 and RFC 5246 7.4.2 bound the list by the record size; a client sending more than this is not a
    // device with a manufacturer chain, and the path builder has its own budget anyway.
    private const int MaxCertificates = 16;

    private static readonly object Key = new();

    /// <summary>
    /// The handshake's validation callback: records what the client sent and accepts any certificate, because the
    /// request handler decides per operation with Core's ChainValidator (a missing or unknown certificate is a 401/403
    /// with a reason, not a dropped connection).
    /// </summary>
    public static RemoteCertificateValidationCallback CaptureCallback(ConnectionContext connection) =>
        (_, certificate, chain, _) =>
        {
            if (certificate is not null && chain is not null)
            {
                connection.Items[Key] = Collect(certificate, chain);
            }

            return true;
        };

    /// <summary>The intermediates the client of <paramref name="http"/> sent, empty when none were captured.</summary>
    public static IReadOnlyList<Certificate> Of(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items is { } items && items.TryGetValue(Key, out var value) && value is IReadOnlyList<Certificate> list
            ? list
            : [];

    private static List<Certificate> Collect(System.Security.Cryptography.X509Certificates.X509Certificate leaf, X509Chain chain)
    {
        // Copied out as bytes: SslStream disposes the certificates of the handshake once the callback returns.
        var leafBytes = leaf.GetRawCertData();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var presented = new List<Certificate>();
        foreach (var candidate in chain.ChainPolicy.ExtraStore)
        {
            if (presented.Count >= MaxCertificates)
            {
                break;
            }

            var raw = candidate.RawData;
            if (raw.AsSpan().SequenceEqual(leafBytes) || !Certificate.TryParse(raw, out var parsed, out _) || !seen.Add(parsed.Sha256Thumbprint))
            {
                continue;
            }

            presented.Add(parsed);
        }

        return presented;
    }
}
