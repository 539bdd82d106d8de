using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>Builds the SocketsHttpHandler for <see cref="EstClientOptions"/>: TLS policy and client certificate context.</summary>
internal static class EstHandlerFactory
{
    /// <summary>id-kp-cmcRA (RFC 6402 section 2.10): an EST server may present an RA certificate instead of a name match.</summary>
    internal const string CmcRaOid = "1.3.6.1.5.5.7.3.28";

    public static SocketsHttpHandler Create(EstClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        var anchors = new X509Certificate2Collection(options.TrustAnchors);
        var useSystem = options.UseSystemTrustStore;
        var acceptRa = options.AcceptRegistrationAuthorityCertificates;
        var clock = options.TimeProvider;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            IsServerTrusted(certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())), chain, errors, anchors, useSystem, acceptRa, clock);
        if (options.ClientCertificate is { } clientCertificate)
        {
            // SslStreamCertificateContext sends the intermediates too, so servers that only know the root can build the path (R-80 shape).
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, new X509Certificate2Collection(options.ClientCertificateChain), offline: true);
        }

        return handler;
    }

    internal static bool IsServerTrusted(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection anchors, bool useSystem, bool acceptRa, TimeProvider clock)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        if (useSystem && errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (anchors.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!chain.Build(certificate))
        {
            return false;
        }

        if (!errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return true;
        }

        return acceptRa && HasRegistrationAuthorityUsage(certificate);
    }

    private static bool HasRegistrationAuthorityUsage(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension eku)
            {
                foreach (var oid in eku.EnhancedKeyUsages)
                {
                    if (oid.Value == CmcRaOid)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
