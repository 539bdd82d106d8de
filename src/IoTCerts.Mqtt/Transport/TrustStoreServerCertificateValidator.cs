using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Mqtt;

/// <summary>
/// Validates the broker's certificate with IoTCerts' own <see cref="ChainValidator"/> against a trust store (R-10..R-15,
/// the chain is built from the broker's certificate through the intermediates the broker sent to one of the
/// trust anchors, the end entity must allow TLS server authentication (extendedKeyUsage serverAuth) and hold the
/// target host as a DNS or IP subject alternative name (never the CN, RFC 6125). The same rules, budget and operator
/// sentences as <c>iotcerts verify</c>, identical on every operating system, and no I/O during the handshake.
/// </summary>
/// <remarks>
/// This is the default of <see cref="MqttDeviceClient"/> when <see cref="MqttDeviceClientOptions.TrustStorePath"/> is
/// set. <see cref="X509ChainServerCertificateValidator"/> remains the default without a trust store, because the
/// operating system's root store is only reachable through <see cref="X509Chain"/>. Revocation is off unless an
/// <see cref="IRevocationChecker"/> is given, for example a <see cref="CrlRevocationChecker"/> with CRLs handed in
/// (<see cref="RevocationMode.Offline"/>); nothing is fetched during the handshake.
/// Thread-safe; reuse one instance so the validator's caches of verified issuer signatures pay off on reconnects.
/// </remarks>
public sealed class TrustStoreServerCertificateValidator : IServerCertificateValidator
{
    private readonly string _storeDescription;

    /// <summary>Creates a validator over an existing <see cref="Core.ChainValidator"/> (its anchors, policy, revocation checker and clock).</summary>
    /// <param name="chainValidator">The validator holding the trust anchors.</param>
    /// <exception cref="ArgumentException">The validator has no trust anchor.</exception>
    public TrustStoreServerCertificateValidator(ChainValidator chainValidator)
        : this(chainValidator, null)
    {
    }

    /// <summary>Creates a validator trusting <paramref name="trustAnchors"/>.</summary>
    /// <param name="trustAnchors">The trusted CA certificates (the broker's root, or an intermediate where trust may stop).</param>
    /// <param name="revocationChecker">Checks the broker's chain for revocation; <see langword="null"/> (the default) checks nothing.</param>
    /// <param name="timeProvider">The clock for validity periods; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="policy">Depth, algorithm and budget limits; <see cref="ChainPolicy.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="trustAnchors"/> is empty.</exception>
    public TrustStoreServerCertificateValidator(IEnumerable<Certificate> trustAnchors, IRevocationChecker? revocationChecker = null, TimeProvider? timeProvider = null, ChainPolicy? policy = null)
        : this(new ChainValidator(trustAnchors, policy, revocationChecker, timeProvider), null)
    {
    }

    private TrustStoreServerCertificateValidator(ChainValidator chainValidator, string? source)
    {
        ArgumentNullException.ThrowIfNull(chainValidator);
        if (chainValidator.TrustAnchors.Count == 0)
        {
            throw new ArgumentException("At least one trust anchor is needed; use X509ChainServerCertificateValidator for the system store.", nameof(chainValidator));
        }

        ChainValidator = chainValidator;
        string count = chainValidator.TrustAnchors.Count == 1 ? "1 certificate" : $"{chainValidator.TrustAnchors.Count} certificates";
        _storeDescription = source is null ? $"the trust store ({count})" : $"the trust store '{source}' ({count})";
    }

    /// <summary>The Core validator doing the work (its trust anchors and policy).</summary>
    public ChainValidator ChainValidator { get; }

    /// <summary>Whether the certificate must name the target host (DNS or IP subject alternative name). On by default.</summary>
    public bool CheckHostName { get; init; } = true;

    /// <summary>
    /// Creates a validator trusting every certificate in a file, in any format <see cref="MaterialLoader"/> reads
    /// (PEM bundle, DER, PKCS#7, PKCS#12 truststore without password).
    /// </summary>
    /// <param name="path">The trust store file.</param>
    /// <param name="revocationChecker">Checks the broker's chain for revocation; <see langword="null"/> (the default) checks nothing.</param>
    /// <param name="timeProvider">The clock for validity periods; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="policy">Depth, algorithm and budget limits; <see cref="ChainPolicy.Default"/> when <see langword="null"/>.</param>
    /// <param name="password">The password of a protected PKCS#12 truststore, if any.</param>
    /// <exception cref="MqttCredentialException">The file cannot be read or holds no certificate.</exception>
    public static TrustStoreServerCertificateValidator FromFile(string path, IRevocationChecker? revocationChecker = null, TimeProvider? timeProvider = null, ChainPolicy? policy = null, string? password = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LoadedMaterial material;
        try
        {
            material = MaterialLoader.LoadFile(path, new LoadOptions { Password = password });
        }
        catch (MaterialException e)
        {
            MqttCredentialError error = e.Code is MaterialErrorCode.FileNotFound or MaterialErrorCode.FileUnreadable ? MqttCredentialError.FileUnreadable : MqttCredentialError.Malformed;
            throw new MqttCredentialException(error, $"the trust store '{path}' cannot be used: {e.Message}", e);
        }

        if (material.Certificates.Count == 0)
        {
            throw new MqttCredentialException(MqttCredentialError.Malformed, $"the trust store '{path}' holds no certificate");
        }

        return new TrustStoreServerCertificateValidator(new ChainValidator(material.Certificates, policy, revocationChecker, timeProvider), path);
    }

    /// <inheritdoc />
    public ServerCertificateValidationResult Validate(X509Certificate2 certificate, X509Certificate2Collection presentedCertificates, string targetHost)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(presentedCertificates);
        ArgumentException.ThrowIfNullOrEmpty(targetHost);

        if (!Certificate.TryParse(certificate.RawData, out Certificate? leaf, out MaterialException? error))
        {
            return ServerCertificateValidationResult.Rejected(
                $"the broker's certificate ({certificate.Subject}) cannot be read: {error.Message}", error.CodeString);
        }

        // A malformed extra certificate cannot be part of a valid chain; the search simply does without it.
        var intermediates = new List<Certificate>(presentedCertificates.Count);
        foreach (X509Certificate2 presented in presentedCertificates)
        {
            if (Certificate.TryParse(presented.RawData, out Certificate? parsed, out _))
            {
                intermediates.Add(parsed);
            }
        }

        var context = new ValidationContext
        {
            Purpose = CertificatePurpose.ServerAuth,
            ExpectedPeerName = CheckHostName ? PeerName.Parse(targetHost) : null,
        };
        ChainValidationResult result = ChainValidator.Validate(leaf, intermediates, context);
        if (result.IsValid)
        {
            return ServerCertificateValidationResult.Trusted;
        }

        ChainError first = result.Errors[0];
        string hint = first.Status switch
        {
            ChainStatus.UntrustedRoot or ChainStatus.PartialChain => $"; {_storeDescription} does not hold the broker's CA",
            ChainStatus.NameMismatch => "; connect with the name the certificate holds or set TargetHost to it",
            _ => string.Empty,
        };
        return ServerCertificateValidationResult.Rejected($"the broker's certificate was refused: {first.Message}{hint}", first.Code);
    }
}
