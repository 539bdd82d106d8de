using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>
/// What the device sent in the TLS handshake: its certificate and every other certificate of its chain, parsed once per
/// connection by Core's bounded parser. Kept as a connection feature, because Kestrel exposes only the leaf to HTTP.
/// </summary>
internal sealed class PresentedChain
{
    private PresentedChain(Certificate? leaf, IReadOnlyList<Certificate> others, string? unreadable = null, ChainStatus unreadableCode = ChainStatus.Malformed)
    {
        Leaf = leaf;
        Others = others;
        Unreadable = unreadable;
        UnreadableCode = unreadableCode.ToCode();
    }

    /// <summary>The device certificate, or null when it could not be read (see <see cref="Unreadable"/>).</summary>
    public Certificate? Leaf { get; }

    /// <summary>The rest of what the device sent (intermediates, maybe its root), in the order received.</summary>
    public IReadOnlyList<Certificate> Others { get; }

    /// <summary>Why the presented chain cannot be validated at all (unparseable, too many certificates), or null.</summary>
    public string? Unreadable { get; }

    /// <summary>The code reported when <see cref="Unreadable"/> is set: <c>Malformed</c> or <c>ChainTooLong</c>.</summary>
    public string UnreadableCode { get; }

    /// <summary>Everything presented, leaf first (what a platform profile checks).</summary>
    public IReadOnlyList<Certificate> All => Leaf is null ? [] : [Leaf, .. Others];

    /// <summary>Reads the leaf and the certificates the peer sent (SslStream puts them in the chain's ExtraStore before calling back).</summary>
    public static PresentedChain Capture(X509Certificate leaf, X509Chain? chain, int maxCertificates)
    {
        var sent = chain?.ChainPolicy.ExtraStore ?? [];
        if (sent.Count > maxCertificates)
        {
            return new PresentedChain(null, [], $"the device sent {sent.Count} certificates; at most {maxCertificates} are accepted", ChainStatus.ChainTooLong);
        }

        var leafBytes = leaf.GetRawCertData();
        if (!Certificate.TryParse(leafBytes, out var parsedLeaf, out var error))
        {
            return new PresentedChain(null, [], $"the device certificate cannot be read [{error.CodeString}]: {error.Message}");
        }

        var others = new List<Certificate>(sent.Count);
        foreach (var certificate in sent)
        {
            var raw = certificate.RawData;
            if (raw.AsSpan().SequenceEqual(leafBytes))
            {
                continue;
            }

            if (!Certificate.TryParse(raw, out var parsed, out error))
            {
                return new PresentedChain(null, [], $"a certificate of the device's chain cannot be read [{error.CodeString}]: {error.Message}");
            }

            others.Add(parsed);
        }

        return new PresentedChain(parsedLeaf, others);
    }
}

/// <summary>
/// Kestrel HTTPS for devices: TLS 1.2+, a client certificate required (<see cref="ClientCertificateMode.RequireCertificate"/>),
/// and what the device presented captured as a connection feature (<see cref="PresentedChain"/>).
/// </summary>
/// <remarks>
/// Kestrel's certificate callback has no connection parameter, so a connection middleware in front of TLS marks the
/// connection in an <see cref="AsyncLocal{T}"/> that flows into the handshake and so into the callback.
/// </remarks>
internal static class DeviceHttps
{
    /// <summary>TLS 1.2 and 1.3 only: the protocols the platforms document for devices .</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private static readonly AsyncLocal<ConnectionContext?> s_handshaking = new();

    public static HttpsConnectionAdapterOptions CreateOptions(ServerCredential credential, int maxPresentedCertificates) => new()
    {
        ServerCertificate = credential.Certificate,
        ServerCertificateChain = credential.Intermediates,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        SslProtocols = Protocols,
        CheckCertificateRevocation = false,

        // IoTCerts is the authority, per request (see DeviceAuthentication): the handshake only insists that a certificate
        // is sent, so that a refused device still gets an HTTP answer naming the cause.
        ClientCertificateValidation = (certificate, chain, _) =>
        {
            if (s_handshaking.Value is not { } connection)
            {
                return false;
            }

            connection.Features.Set(PresentedChain.Capture(certificate, chain, maxPresentedCertificates));
            return true;
        },
    };

    /// <summary>Adds the capture and TLS to <paramref name="listen"/>.</summary>
    public static ListenOptions UseDeviceHttps(this ListenOptions listen, HttpsConnectionAdapterOptions https, ILogger logger)
    {
        listen.Use(next => async connection =>
        {
            s_handshaking.Value = connection;
            await next(connection).ConfigureAwait(false);

            // Kestrel refuses a handshake without a client certificate before any callback runs; this is where that shows.
            if (connection.Features.Get<PresentedChain>() is null)
            {
                Log.NoClientCertificate(logger, connection.RemoteEndPoint?.ToString() ?? "unknown");
            }
        });
        return listen.UseHttps(https);
    }
}
