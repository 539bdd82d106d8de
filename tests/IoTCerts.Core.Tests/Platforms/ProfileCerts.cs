using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core.Tests.Validation;

namespace IoTCerts.Core.Tests.Platforms;

/// <summary>What a generated profile test certificate looks like; the defaults satisfy every upload rule of every profile.</summary>
internal sealed record ProfileSpec
{
    public string Subject { get; init; } = "CN=Profile CA,OU=Devices,O=IoTCerts,C=DE";

    public bool? Ca { get; init; } = true;

    public int? PathLength { get; init; } = 0;

    public bool BasicConstraintsCritical { get; init; } = true;

    public X509KeyUsageFlags? KeyUsage { get; init; } = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign;

    public bool KeyUsageCritical { get; init; } = true;

    public bool Ski { get; init; } = true;

    public bool Aki { get; init; } = true;

    /// <summary>"rsa2048", "rsa1024", "rsa3072", "rsa4096" or "ec".</summary>
    public string Key { get; init; } = "rsa2048";

    public bool Sha1 { get; init; }

    public string[] Cdp { get; init; } = ["http://crl.example/profile-ca.crl"];

    public string[] EmailSan { get; init; } = [];

    public DateTimeOffset NotBefore { get; init; } = DateTimeOffset.UtcNow.AddDays(-1);

    public DateTimeOffset NotAfter { get; init; } = DateTimeOffset.UtcNow.AddDays(90);
}

/// <summary>A generated certificate with its key, to issue others.</summary>
internal sealed class ProfileCert(Certificate certificate, X509Certificate2 x509, AsymmetricAlgorithm key)
{
    private static int s_serial = 0x5000;

    public Certificate Certificate { get; } = certificate;

    public X509Certificate2 X509 { get; } = x509;

    public AsymmetricAlgorithm Key { get; } = key;

    public static ProfileCert Create(ProfileSpec spec, ProfileCert? issuer = null)
    {
        AsymmetricAlgorithm key = spec.Key switch
        {
            "ec" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "rsa1024" => RSA.Create(1024),
            "rsa3072" => RSA.Create(3072),
            "rsa4096" => RSA.Create(4096),
            _ => RSA.Create(2048),
        };
        var request = key is RSA rsa
            ? new CertificateRequest(spec.Subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(spec.Subject, (ECDsa)key, HashAlgorithmName.SHA256);
        if (spec.Ca is { } ca)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, ca && spec.PathLength is not null, spec.PathLength ?? 0, spec.BasicConstraintsCritical));
        }

        if (spec.KeyUsage is { } usage)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, spec.KeyUsageCritical));
        }

        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        if (spec.Ski)
        {
            request.CertificateExtensions.Add(ski);
        }

        if (spec.Aki)
        {
            request.CertificateExtensions.Add(issuer is null
                ? X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski)
                : X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.X509, true, false));
        }

        if (spec.Cdp.Length > 0)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(spec.Cdp));
        }

        if (spec.EmailSan.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var email in spec.EmailSan)
            {
                san.AddEmailAddress(email);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = BitConverter.GetBytes(Interlocked.Increment(ref s_serial));
        Array.Reverse(serial);
        X509Certificate2 x509;
        if (issuer is null)
        {
            var generator = spec.Sha1 && key is RSA sha1Key ? new Sha1RsaGenerator(sha1Key)
                : key is RSA r ? X509SignatureGenerator.CreateForRSA(r, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)key);
            x509 = request.Create(request.SubjectName, generator, spec.NotBefore, spec.NotAfter, serial);
        }
        else
        {
            var generator = issuer.Key is RSA issuerRsa ? X509SignatureGenerator.CreateForRSA(issuerRsa, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)issuer.Key);
            x509 = request.Create(issuer.X509.SubjectName, generator, spec.NotBefore, spec.NotAfter, serial);
        }

        return new ProfileCert(Certificate.Parse(x509.RawData), x509, key);
    }

    public ProfileCert Issue(ProfileSpec spec) => Create(spec, this);
}
