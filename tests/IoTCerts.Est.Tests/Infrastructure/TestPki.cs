using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Tests;

/// <summary>Certificates made with .NET CertificateRequest for tests (a CA, a bootstrap CA, devices).</summary>
internal static class TestPki
{
    public static X509Certificate2 CreateRoot(string name, DateTimeOffset? notBefore = null, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var start = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        return request.CreateSelfSigned(start, start + (lifetime ?? TimeSpan.FromDays(3650)));
    }

    /// <summary>An intermediate CA (pathLen 0) under <paramref name="issuer"/>, with its private key.</summary>
    public static X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer, new DateTimeOffset(issuer.NotBefore.ToUniversalTime()), DateTimeOffset.UtcNow.AddYears(5), serial);
        return certificate.CopyWithPrivateKey(key);
    }

    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, AsymmetricAlgorithm? key = null, string? dnsName = null)
    {
        var ownKey = key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ownKey is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)ownKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer, notBefore, notAfter, serial);
        return ownKey switch
        {
            RSA r => certificate.CopyWithPrivateKey(r),
            ECDsa e => certificate.CopyWithPrivateKey(e),
            _ => throw new NotSupportedException(),
        };
    }

    public static void WritePair(X509Certificate2 certificate, string certificatePath, string keyPath, params X509Certificate2[] chain)
    {
        File.WriteAllText(certificatePath, CredentialStore.ToPem([certificate, .. chain]));
        using var key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public static void WritePem(string path, params X509Certificate2[] certificates) => File.WriteAllText(path, CredentialStore.ToPem(certificates));
}
