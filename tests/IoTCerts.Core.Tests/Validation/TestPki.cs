using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

public enum KeyKind
{
    P256,
    P384,
    Rsa1024,
    Rsa2048,
    Rsa4096,
}

/// <summary>How one test certificate is made; defaults give a valid P-256 CA or end entity.</summary>
public sealed record CertSpec
{
    public KeyKind Key { get; init; } = KeyKind.P256;

    /// <summary>basicConstraints: true/false, or null for no extension.</summary>
    public bool? Ca { get; init; }

    public int? PathLength { get; init; }

    /// <summary>keyUsage; null for the usual (CA: keyCertSign|cRLSign, end entity: digitalSignature), None for no extension.</summary>
    public X509KeyUsageFlags? KeyUsage { get; init; }

    public bool OmitKeyUsage { get; init; }

    public string[]? Eku { get; init; }

    public string[] Dns { get; init; } = [];

    public HashAlgorithmName Hash { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Extensions added as given (unknown or deliberately malformed ones).</summary>
    public X509Extension[] ExtraExtensions { get; init; } = [];

    /// <summary>A fixed serial number (big-endian two's complement); random positive when null.</summary>
    public byte[]? Serial { get; init; }

    /// <summary>Leave out the authorityKeyIdentifier.</summary>
    public bool OmitAuthorityKeyId { get; init; }

    /// <summary>Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA issuers only).</summary>
    public bool Pss { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>Raw nameConstraints value (DER), added critical.</summary>
    public byte[]? NameConstraints { get; init; }

    /// <summary>Reuse this key instead of generating one (cross-certificates, forged names).</summary>
    public AsymmetricAlgorithm? ExistingKey { get; init; }
}

/// <summary>A generated certificate with its key: issues others.</summary>
public sealed class TestCert
{
    internal TestCert(X509Certificate2 x509, AsymmetricAlgorithm key)
    {
        X509 = x509;
        Key = key;
        Der = x509.RawData;
        Certificate = Certificate.Parse(Der);
        Ski = x509.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray();
    }

    public X509Certificate2 X509 { get; }

    public AsymmetricAlgorithm Key { get; }

    public byte[] Der { get; }

    public Certificate Certificate { get; }

    public byte[]? Ski { get; }

    public string Subject => X509.Subject;

    public TestCert Issue(string cn, CertSpec spec) => TestPki.Create(cn, spec, this);

    public TestCert IssueCa(string cn, int? pathLength = null, KeyKind key = KeyKind.P256) =>
        Issue(cn, new CertSpec { Ca = true, PathLength = pathLength, Key = key });

    public TestCert IssueLeaf(string cn, KeyKind key = KeyKind.P256, string[]? eku = null) =>
        Issue(cn, new CertSpec { Ca = false, Key = key, Eku = eku, Dns = [cn] });

    public override string ToString() => Subject;
}

/// <summary>Generates chains with .NET's CertificateRequest (an implementation independent of the validator).</summary>
public static class TestPki
{
    /// <summary>The fixed instant tests validate at.</summary>
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static ValidationContext At(DateTimeOffset? time = null, CertificatePurpose purpose = CertificatePurpose.Any, PeerName? peer = null) =>
        new() { ValidationTime = time ?? Now, Purpose = purpose, ExpectedPeerName = peer };

    public static TestCert Root(string cn, int? pathLength = null, KeyKind key = KeyKind.P256) =>
        Create(cn, new CertSpec { Ca = true, PathLength = pathLength, Key = key }, issuer: null);

    public static TestCert Create(string cn, CertSpec spec, TestCert? issuer)
    {
        var key = spec.ExistingKey ?? NewKey(spec.Key);
        var subject = new X500DistinguishedName("CN=" + cn);
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, spec.Hash, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, spec.Hash),
            _ => throw new ArgumentException("key"),
        };

        var isCa = spec.Ca == true;
        if (spec.Ca is { } ca)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, spec.PathLength.HasValue, spec.PathLength ?? 0, critical: true));
        }

        if (!spec.OmitKeyUsage)
        {
            var usage = spec.KeyUsage ?? (isCa ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        }

        if (spec.Eku is { } eku)
        {
            var oids = new OidCollection();
            foreach (var o in eku)
            {
                oids.Add(new Oid(o));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        }

        if (spec.Dns.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var d in spec.Dns)
            {
                san.AddDnsName(d);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        if (spec.NameConstraints is { } nc)
        {
            request.CertificateExtensions.Add(new X509Extension("2.5.29.30", nc, critical: true));
        }

        foreach (var extra in spec.ExtraExtensions)
        {
            request.CertificateExtensions.Add(extra);
        }

        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(ski);
        var signerCert = issuer;
        if (signerCert is not null && !spec.OmitAuthorityKeyId)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(signerCert.Ski!));
        }

        var notBefore = spec.NotBefore ?? Now.AddDays(-30);
        var notAfter = spec.NotAfter ?? Now.AddDays(365);
        var serial = spec.Serial ?? RandomNumberGenerator.GetBytes(16);
        if (spec.Serial is null)
        {
            serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        }
        var signingKey = signerCert?.Key ?? key;
        var generator = signingKey switch
        {
            RSA rsa when spec.Hash == HashAlgorithmName.SHA1 => new Sha1RsaGenerator(rsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, spec.Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
            ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
            _ => throw new ArgumentException("key"),
        };
        var issuerName = signerCert?.X509.SubjectName ?? subject;
        using var cert = request.Create(issuerName, generator, notBefore, notAfter, serial);
        return new TestCert(X509CertificateLoader.LoadCertificate(cert.RawData), key);
    }

    public static AsymmetricAlgorithm NewKey(KeyKind kind) => kind switch
    {
        KeyKind.P256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyKind.P384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        KeyKind.Rsa1024 => RSA.Create(1024),
        KeyKind.Rsa2048 => RSA.Create(2048),
        KeyKind.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A nameConstraints value with permitted DNS subtrees (RFC 5280 §4.2.1.10).</summary>
    public static byte[] PermittedDns(params string[] names)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                foreach (var name in names)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.IA5String, name, new Asn1Tag(TagClass.ContextSpecific, 2));
                    }
                }
            }
        }

        return writer.Encode();
    }
}

/// <summary>sha1WithRSAEncryption, which .NET's built-in generator no longer produces (for weak-hash fixtures).</summary>
internal sealed class Sha1RsaGenerator(RSA key) : X509SignatureGenerator
{
    private readonly X509SignatureGenerator _inner = CreateForRSA(key, RSASignaturePadding.Pkcs1);

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
        [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

    protected override PublicKey BuildPublicKey() => _inner.PublicKey;
}
