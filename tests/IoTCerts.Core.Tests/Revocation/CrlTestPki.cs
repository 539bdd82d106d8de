using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>A root CA and devices with a CRL distribution point, and CRLs, made with .NET's builders (for the HTTP tests).</summary>
internal sealed class CrlTestPki : IDisposable
{
    private int _serial = 0x100;

    public CrlTestPki(string name = "HTTP CRL Root")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(365));
        RootCertificate = Certificate.Parse(Root.RawData);
    }

    public X509Certificate2 Root { get; }

    public Certificate RootCertificate { get; }

    public (Certificate Certificate, byte[] Serial) Device(string cn, params string[] cdp)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        if (cdp.Length > 0)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(cdp));
        }

        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        Array.Reverse(serial);
        serial[0] = 0x01;
        using var cert = request.Create(Root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        return (Certificate.Parse(cert.RawData), serial);
    }

    public byte[] Crl(DateTimeOffset? nextUpdate = null, params byte[][] revokedSerials)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in revokedSerials)
        {
            builder.AddEntry(serial, DateTimeOffset.UtcNow.AddMinutes(-30), X509RevocationReason.KeyCompromise);
        }

        return builder.Build(Root, 7, nextUpdate ?? DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, thisUpdate: DateTimeOffset.UtcNow.AddMinutes(-10));
    }

    public ChainValidator Validator(CrlFetcher fetcher, RevocationPolicy? policy = null) =>
        new([RootCertificate], revocationChecker: new CrlRevocationChecker(policy ?? RevocationPolicy.Online, fetcher: fetcher));

    public void Dispose() => Root.Dispose();
}

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
