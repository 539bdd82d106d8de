using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Mqtt;

/// <summary>
/// Validates the broker's certificate with .NET's <see cref="X509Chain"/>: against the given trust anchors only
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>) or, when none are given, against the system store; the
/// certificate must be valid for TLS server authentication and name the target host. Revocation checking is
/// configurable and off by default, because online checks stall connects on offline devices. Nothing is downloaded
/// (no AIA fetching). There is deliberately no "accept anything" mode.
/// </summary>
/// <remarks>
/// <see cref="MqttDeviceClient"/> uses it when no trust store is configured, because the operating system's root
/// store is only reachable through <see cref="X509Chain"/>. With a trust store file the default is
/// <see cref="TrustStoreServerCertificateValidator"/> (IoTCerts' own validator: same rules and sentences on every
/// platform); construct this class with explicit anchors only to get the platform's behaviour.
/// </remarks>
public sealed class X509ChainServerCertificateValidator : IServerCertificateValidator
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private readonly X509Certificate2Collection? _trustAnchors;

    /// <summary>Creates a validator that trusts exactly <paramref name="trustAnchors"/> (self-signed roots or other anchors).</summary>
    /// <exception cref="ArgumentException"><paramref name="trustAnchors"/> is empty.</exception>
    public X509ChainServerCertificateValidator(X509Certificate2Collection trustAnchors)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (trustAnchors.Count == 0)
        {
            throw new ArgumentException("At least one trust anchor is needed; use the parameterless constructor for the system store.", nameof(trustAnchors));
        }

        _trustAnchors = [.. trustAnchors];
    }

    /// <summary>Creates a validator that trusts the operating system's root store.</summary>
    public X509ChainServerCertificateValidator()
    {
    }

    /// <summary>Revocation checking of the broker's chain; <see cref="X509RevocationMode.NoCheck"/> by default (offline devices).</summary>
    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;

    /// <summary>Whether the certificate must name the target host (DNS or IP subject alternative name). On by default.</summary>
    public bool CheckHostName { get; init; } = true;

    /// <summary>The clock used for validity checks; the system clock by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Whether the system store is used (no trust anchors were given).</summary>
    public bool UsesSystemTrustStore => _trustAnchors is null;

    /// <summary>Creates a validator that trusts the certificates of a PEM or DER file (for example the broker's root CA).</summary>
    /// <exception cref="MqttCredentialException">The file cannot be read or holds no certificate.</exception>
    public static X509ChainServerCertificateValidator FromTrustStoreFile(string path)
    {
        X509Certificate2Collection anchors = MqttClientCredential.ReadCertificates(path);
        return new X509ChainServerCertificateValidator(anchors);
    }

    /// <inheritdoc />
    public ServerCertificateValidationResult Validate(X509Certificate2 certificate, X509Certificate2Collection presentedCertificates, string targetHost)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(presentedCertificates);
        ArgumentException.ThrowIfNullOrEmpty(targetHost);

        using var chain = new X509Chain();
        X509ChainPolicy policy = chain.ChainPolicy;
        policy.RevocationMode = RevocationMode;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = TimeProvider.GetLocalNow().DateTime;
        policy.ApplicationPolicy.Add(ServerAuthentication);
        policy.ExtraStore.AddRange(presentedCertificates);
        if (_trustAnchors is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(_trustAnchors);
        }

        if (!chain.Build(certificate))
        {
            return ServerCertificateValidationResult.Rejected(DescribeChainFailure(certificate, chain));
        }

        if (CheckHostName && !certificate.MatchesHostname(targetHost, allowWildcards: true, allowCommonName: false))
        {
            return ServerCertificateValidationResult.Rejected(
                $"the broker's certificate ({certificate.Subject}) is not valid for the host '{targetHost}': it names {DescribeNames(certificate)}; set TargetHost to one of these names");
        }

        return ServerCertificateValidationResult.Trusted;
    }

    // The most specific reason first (style: "most specific error"), naming the certificate it concerns.
    private string DescribeChainFailure(X509Certificate2 leaf, X509Chain chain)
    {
        foreach (X509ChainElement element in chain.ChainElements)
        {
            X509ChainStatusFlags flags = element.ChainElementStatus.Aggregate(X509ChainStatusFlags.NoError, (a, s) => a | s.Status);
            X509Certificate2 c = element.Certificate;
            string who = ReferenceEquals(c, leaf) || c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span) ? "the broker's certificate" : "the broker's CA certificate";
            if (flags.HasFlag(X509ChainStatusFlags.Revoked))
            {
                return $"{who} ({c.Subject}) is revoked";
            }

            if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                DateTimeOffset now = TimeProvider.GetUtcNow();
                return now < c.NotBefore.ToUniversalTime()
                    ? $"{who} ({c.Subject}) is not valid before {c.NotBefore.ToUniversalTime():u}"
                    : $"{who} ({c.Subject}) expired on {c.NotAfter.ToUniversalTime():u}";
            }

            if (flags.HasFlag(X509ChainStatusFlags.NotSignatureValid))
            {
                return $"the signature of {who} ({c.Subject}) is not valid";
            }

            if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
            {
                return $"{who} ({c.Subject}) is not valid for TLS server authentication (extended key usage)";
            }

            if (flags.HasFlag(X509ChainStatusFlags.RevocationStatusUnknown) || flags.HasFlag(X509ChainStatusFlags.OfflineRevocation))
            {
                return $"the revocation status of {who} ({c.Subject}) could not be determined (no CRL reachable); use RevocationMode NoCheck on offline devices";
            }
        }

        X509ChainStatusFlags all = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (a, s) => a | s.Status);
        if (all.HasFlag(X509ChainStatusFlags.UntrustedRoot) || all.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            X509Certificate2 top = chain.ChainElements[^1].Certificate;
            string store = _trustAnchors is null ? "the system trust store" : $"the trust store ({_trustAnchors.Count} certificate(s))";
            return $"the broker's certificate ({leaf.Subject}) is not issued by a CA in {store}: its chain ends at '{top.Subject}', issued by '{top.Issuer}'";
        }

        var sb = new StringBuilder("the broker's certificate chain is not valid: ");
        sb.AppendJoin("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return sb.ToString();
    }

    private static string DescribeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        return names.Count == 0 ? "no DNS or IP subject alternative name" : string.Join(", ", names.Select(n => $"'{n}'"));
    }

    internal static bool IsIpAddress(string host) => IPAddress.TryParse(host, out _);
}
