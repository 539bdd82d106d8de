using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IoTCerts.Core;

namespace IoTCerts.Benchmarks;

/// <summary>Parsing one DER certificate: our managed model against X509CertificateLoader.</summary>
[MemoryDiagnoser]
public class CertificateParseBenchmarks
{
    private byte[] _der = [];

    /// <summary>The key of the certificate under test.</summary>
    [Params("RSA-2048", "P-256")]
    public string Key { get; set; } = "RSA-2048";

    [GlobalSetup]
    public void Setup()
    {
        using AsymmetricAlgorithm key = Key == "RSA-2048" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedName("CN=device-0001, OU=Devices, O=IoTCerts, C=DE");
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(new byte[20]));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("device-0001.example.com");
        san.AddIpAddress(IPAddress.Parse("192.0.2.1"));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(["http://pki.example.com/ca.crl"]));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(["http://ocsp.example.com"], ["http://pki.example.com/ca.cer"]));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _der = certificate.RawData;
    }

    [Benchmark(Baseline = true)]
    public object X509CertificateLoaderParse()
    {
        using var certificate = X509CertificateLoader.LoadCertificate(_der);
        return certificate.SerialNumber.Length;
    }

    [Benchmark]
    public object ManagedParse() => Certificate.Parse(_der);

    [Benchmark]
    public int X509CertificateLoaderParseAndRead()
    {
        using var certificate = X509CertificateLoader.LoadCertificate(_der);
        var length = certificate.Subject.Length;
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                length += san.EnumerateDnsNames().Count();
            }
            else if (extension is X509EnhancedKeyUsageExtension eku)
            {
                length += eku.EnhancedKeyUsages.Count;
            }
        }

        return length;
    }

    [Benchmark]
    public int ManagedParseAndRead()
    {
        var certificate = Certificate.Parse(_der);
        return certificate.Subject.Rfc4514Name.Length
            + certificate.SubjectAlternativeNames!.Count(n => n.Kind == GeneralNameKind.DnsName)
            + certificate.ExtendedKeyUsages!.Count;
    }
}
