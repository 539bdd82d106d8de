using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>Checks the platform's TLS certificate against explicit trust anchors (on-premises installations with a private CA).</summary>
internal static class ServerTrust
{
    internal static bool IsTrusted(X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors, X509Certificate2Collection anchors)
    {
        // The host name must still match; only the root of trust is replaced.
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        if (presentedChain is not null)
        {
            foreach (var element in presentedChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }
}
