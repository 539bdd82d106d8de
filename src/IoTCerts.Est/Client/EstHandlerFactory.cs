using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

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
        var useSystem = options.UseSystemTrustStore;
        var acceptRa = options.AcceptRegistrationAuthorityCertificates;
        var clock = options.TimeProvider;
        var validator = options.ServerCertificateValidator
            ?? (options.TrustAnchors.Count > 0 ? new ChainValidator(options.TrustAnchors.Select(Certificate.FromX509Certificate2).ToArray(), timeProvider: clock) : null);
        var failures = options.LastTrustFailure;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            IsServerTrusted(certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())), chain, errors, validator, useSystem, acceptRa, clock, reason => failures.Value = reason);
        if (options.ClientCertificate is { } clientCertificate)
        {
            // SslStreamCertificateContext sends the intermediates too, so servers that only know the root can build the path (R-80 shape).
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, new X509Certificate2Collection(options.ClientCertificateChain), offline: true);
        }

        return handler;
    }

    internal static bool IsServerTrusted(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection anchors, bool useSystem, bool acceptRa, TimeProvider clock) =>
        IsServerTrusted(certificate, presented, errors, anchors.Count == 0 ? null : new ChainValidator(anchors.Select(Certificate.FromX509Certificate2).ToArray()), useSystem, acceptRa, clock, null);

    /// <summary>
    /// The EST server's certificate, validated by Core's <see cref="ChainValidator"/> (its anchors, policy and revocation
    /// checker) with the intermediates the server sent; the host name is .NET's check, or the id-kp-cmcRA EKU when allowed.
    /// </summary>
    internal static bool IsServerTrusted(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, ChainValidator? validator, bool useSystem, bool acceptRa, TimeProvider clock, Action<string>? refused)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            refused?.Invoke("the server sent no certificate");
            return false;
        }

        if (useSystem && errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (validator is null)
        {
            refused?.Invoke("the server certificate is not trusted by the system store and no trust anchors are configured");
            return false;
        }

        var intermediates = new List<Certificate>();
        if (presented is not null)
        {
            // ExtraStore holds what the server sent; the chain elements what .NET found (the same, ordered).
            foreach (var candidate in presented.ChainPolicy.ExtraStore.Concat(presented.ChainElements.Select(e => e.Certificate)))
            {
                if (Certificate.TryParse(candidate.RawData, out var parsed, out _))
                {
                    intermediates.Add(parsed);
                }
            }
        }

        var result = validator.Validate(Certificate.FromX509Certificate2(certificate), intermediates, new ValidationContext { ValidationTime = clock.GetUtcNow() });
        if (!result.IsValid)
        {
            var error = result.Errors[0];
            refused?.Invoke($"{error.Code}: {error.Message}");
            return false;
        }

        if (!errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || (acceptRa && HasRegistrationAuthorityUsage(certificate)))
        {
            return true;
        }

        refused?.Invoke("NameMismatch: the server certificate does not name the host");
        return false;
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
