using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// Checks the platform's TLS certificate against explicit trust anchors (on-premises installations with a private CA)
/// with Core's <see cref="ChainValidator"/>, like every other peer IoTCerts talks to: the anchors are parsed once per
/// handler, the intermediates are the ones the server sent, and the host name is still .NET's check.
/// </summary>
internal sealed class ServerTrust(X509Certificate2Collection anchors, TimeProvider clock)
{
    private readonly ChainValidator validator = new(anchors.Select(Certificate.FromX509Certificate2).ToArray(), timeProvider: clock);

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/> shape: whether the presented certificate is trusted.</summary>
    public bool IsTrusted(object sender, X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        // The host name must still match; only the root of trust is replaced.
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        if (!Certificate.TryParse(presented.GetRawCertData(), out var leaf, out _))
        {
            return false;
        }

        var intermediates = new List<Certificate>();
        if (presentedChain is not null)
        {
            // ExtraStore holds what the server sent; the chain elements what .NET found from it.
            foreach (var candidate in presentedChain.ChainPolicy.ExtraStore.Concat(presentedChain.ChainElements.Select(e => e.Certificate)))
            {
                if (Certificate.TryParse(candidate.RawData, out var parsed, out _))
                {
                    intermediates.Add(parsed);
                }
            }
        }

        return validator.Validate(leaf, intermediates, new ValidationContext { ValidationTime = clock.GetUtcNow() }).IsValid;
    }
}
