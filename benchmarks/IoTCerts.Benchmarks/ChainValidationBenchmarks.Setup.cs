using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Benchmarks;

/// <summary>The three chain types the validation benchmarks run on.</summary>
public enum ChainKind
{
    /// <summary>root → intermediate → leaf, all RSA-2048.</summary>
    Rsa2048,

    /// <summary>root → intermediate → leaf, all P-256.</summary>
    P256,

    /// <summary>RSA-4096 root → RSA-2048 intermediate → P-256 leaf.</summary>
    Rsa4096Rsa2048P256,
}

/// <summary>
/// A generated root → intermediate chain and a pool of distinct leaves under it (same leaf key, new serial and
/// signature each), made with .NET's CertificateRequest, in every form the contenders need.
/// </summary>
public sealed class BenchmarkChain
{
    public static readonly DateTimeOffset ValidationTime = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private BenchmarkChain(ChainKind kind, int leafCount)
    {
        var (rootKey, intKey, leafKey) = kind switch
        {
            ChainKind.Rsa2048 => ((AsymmetricAlgorithm)RSA.Create(2048), (AsymmetricAlgorithm)RSA.Create(2048), (AsymmetricAlgorithm)RSA.Create(2048)),
            ChainKind.P256 => (ECDsa.Create(ECCurve.NamedCurves.nistP256), ECDsa.Create(ECCurve.NamedCurves.nistP256), ECDsa.Create(ECCurve.NamedCurves.nistP256)),
            _ => (RSA.Create(4096), RSA.Create(2048), ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        };

        RootDer = Make("CN=Bench Root, O=IoTCerts", rootKey, null, null, ca: true);
        IntermediateDer = Make("CN=Bench Issuing CA, O=IoTCerts", intKey, "CN=Bench Root, O=IoTCerts", rootKey, ca: true, issuerDer: RootDer);
        LeafDers = new byte[leafCount][];
        for (var i = 0; i < leafCount; i++)
        {
            LeafDers[i] = Make($"CN=device-{i:D5}, O=IoTCerts", leafKey, "CN=Bench Issuing CA, O=IoTCerts", intKey, ca: false, issuerDer: IntermediateDer);
        }

        // Cold pool: intermediates with their own keys (same algorithm), one leaf each, never seen by a warm validator.
        ColdIntermediateDers = new byte[ColdPoolSize][];
        ColdLeafDers = new byte[ColdPoolSize][];
        for (var i = 0; i < ColdPoolSize; i++)
        {
            using var coldKey = intKey is RSA ? (AsymmetricAlgorithm)RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var issuerName = $"CN=Bench Cold CA {i}, O=IoTCerts";
            ColdIntermediateDers[i] = Make(issuerName, coldKey, "CN=Bench Root, O=IoTCerts", rootKey, ca: true, issuerDer: RootDer);
            ColdLeafDers[i] = Make($"CN=cold-device-{i:D3}, O=IoTCerts", leafKey, issuerName, coldKey, ca: false, issuerDer: ColdIntermediateDers[i]);
        }

        Root = Certificate.Parse(RootDer);
        Intermediate = Certificate.Parse(IntermediateDer);
        Leaves = [.. LeafDers.Select(d => Certificate.Parse(d))];
    }

    public const int ColdPoolSize = 8;

    public byte[] RootDer { get; }

    public byte[][] ColdIntermediateDers { get; }

    public byte[][] ColdLeafDers { get; }

    public byte[] IntermediateDer { get; }

    public byte[][] LeafDers { get; }

    public Certificate Root { get; }

    public Certificate Intermediate { get; }

    public Certificate[] Leaves { get; }

    public static BenchmarkChain Create(ChainKind kind, int leafCount = 512) => new(kind, leafCount);

    private static byte[] Make(string subject, AsymmetricAlgorithm key, string? issuer, AsymmetricAlgorithm? issuerKey, bool ca, byte[]? issuerDer = null)
    {
        var name = new X500DistinguishedName(subject);
        var request = key is RSA rsa
            ? new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(name, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(subject[3..subject.IndexOf(',')] + ".devices.example");
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuerDer is not null)
        {
            using var issuerCert = X509CertificateLoader.LoadCertificate(issuerDer);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuerCert, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        }

        var signer = issuerKey ?? key;
        var generator = signer is RSA signerRsa ? X509SignatureGenerator.CreateForRSA(signerRsa, RSASignaturePadding.Pkcs1) : X509SignatureGenerator.CreateForECDsa((ECDsa)signer);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var cert = request.Create(new X500DistinguishedName(issuer ?? subject), generator, ValidationTime.AddDays(-10), ValidationTime.AddDays(ca ? 3650 : 365), serial);
        return cert.RawData;
    }
}
