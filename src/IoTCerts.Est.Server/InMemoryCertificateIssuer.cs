using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Server;

/// <summary>
/// Issues end-entity certificates with a CA certificate and private key held in memory: client (and optionally server)
/// authentication, the request's subject and SubjectAltName copied unchanged, validity capped by the CA's.
/// </summary>
internal sealed class InMemoryCertificateIssuer : IEstCertificateIssuer
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2Collection _caCertificates;
    private readonly TimeProvider _clock;
    private int _issued;

    /// <summary>Creates the issuer.</summary>
    /// <param name="caCertificate">The issuing CA certificate with its private key.</param>
    /// <param name="caChain">Certificates above the CA (intermediates, root, roll-over certificates) returned by /cacerts with it.</param>
    /// <param name="validity">The lifetime of issued certificates.</param>
    /// <param name="timeProvider">The clock (tests pass a fake one).</param>
    public InMemoryCertificateIssuer(X509Certificate2 caCertificate, X509Certificate2Collection? caChain = null, TimeSpan? validity = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        if (!caCertificate.HasPrivateKey)
        {
            throw new ArgumentException("the CA certificate must carry its private key", nameof(caCertificate));
        }

        _ca = caCertificate;
        _caCertificates = [X509CertificateLoader.LoadCertificate(caCertificate.RawData)];
        if (caChain is not null)
        {
            _caCertificates.AddRange(caChain);
        }

        Validity = validity ?? TimeSpan.FromDays(365);
        if (Validity <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), "the validity must be positive");
        }

        _clock = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The lifetime of issued certificates.</summary>
    public TimeSpan Validity { get; }

    /// <summary>Also put id-kp-serverAuth in issued certificates (for EST server or gateway certificates).</summary>
    public bool IncludeServerAuthentication { get; init; }

    /// <summary>How many certificates this issuer has issued (for monitoring and tests).</summary>
    public int IssuedCount => _issued;

    /// <inheritdoc/>
    public X509Certificate2Collection GetCaCertificates(string? label) => new(_caCertificates);

    /// <inheritdoc/>
    public Task<X509Certificate2Collection> IssueAsync(CertificateRequest request, EstRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _clock.GetUtcNow();
        var notAfter = now + Validity;
        if (notAfter > _ca.NotAfter.ToUniversalTime())
        {
            notAfter = _ca.NotAfter.ToUniversalTime();
        }

        var certificate = Issue(request.SubjectName, request.PublicKey, request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid), now.AddSeconds(-1), notAfter, serverAuthentication: IncludeServerAuthentication);
        Interlocked.Increment(ref _issued);
        return Task.FromResult(new X509Certificate2Collection(certificate));
    }

    /// <summary>Issues a TLS server certificate for the EST endpoint itself (used when no server certificate is given).</summary>
    public X509Certificate2 IssueServerCertificate(string dnsName, System.Net.IPAddress? address, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        if (address is not null)
        {
            san.AddIpAddress(address);
        }

        var now = _clock.GetUtcNow();
        var notAfter = now + validity > _ca.NotAfter.ToUniversalTime() ? _ca.NotAfter.ToUniversalTime() : now + validity;
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + dnsName), key, HashAlgorithmName.SHA256);
        var certificate = Issue(request.SubjectName, request.PublicKey, san.Build(), now.AddMinutes(-5), notAfter, serverAuthentication: true);
        return certificate.CopyWithPrivateKey(key);
    }

    private X509Certificate2 Issue(X500DistinguishedName subject, PublicKey publicKey, X509Extension? subjectAltName, DateTimeOffset notBefore, DateTimeOffset notAfter, bool serverAuthentication)
    {
        var template = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA256);
        template.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var isRsa = publicKey.Oid.Value == "1.2.840.113549.1.1.1";
        template.CertificateExtensions.Add(new X509KeyUsageExtension(isRsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") };
        if (serverAuthentication)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        template.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        template.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        template.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (subjectAltName is not null)
        {
            template.CertificateExtensions.Add(new X509Extension(subjectAltName.Oid!, subjectAltName.RawData, subjectAltName.Critical));
        }

        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        using var generator = CreateGenerator();
        var certificate = template.Create(_ca.SubjectName, generator.Generator, notBefore, notAfter, serial);
        return certificate;
    }

    private (X509SignatureGenerator Generator, IDisposable Key) CreateGeneratorCore()
    {
        if (_ca.GetECDsaPrivateKey() is { } ec)
        {
            return (X509SignatureGenerator.CreateForECDsa(ec), ec);
        }

        var rsa = _ca.GetRSAPrivateKey() ?? throw new CryptographicException("the CA key is neither ECDSA nor RSA");
        return (X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), rsa);
    }

    private GeneratorLease CreateGenerator()
    {
        var (generator, key) = CreateGeneratorCore();
        return new GeneratorLease(generator, key);
    }

    private sealed class GeneratorLease(X509SignatureGenerator generator, IDisposable key) : IDisposable
    {
        public X509SignatureGenerator Generator { get; } = generator;

        public void Dispose() => key.Dispose();
    }
}
