using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Mqtt;

namespace IoTCerts.Mqtt.Tests.Fixtures;

/// <summary>
/// A test PKI made at test time with .NET's CertificateRequest: root → device intermediate → devices, a broker
/// certificate issued by the root, an untrusted root, and a CRL of the intermediate. Files land in a temp dir.
/// </summary>
public sealed class TestPki : IDisposable
{
    public const string CumulocityHost = "mqtt.cumulocity.test";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly List<BigInteger> _revoked = [];

    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("iotcerts-mqtt-").FullName;
        Root = CreateCa("IoTCerts Test Root", null);
        Intermediate = CreateCa("IoTCerts Test Device CA", Root);
        UntrustedRoot = CreateCa("IoTCerts Untrusted Root", null);
        Server = Issue(Root, "localhost", serverAuth: true, dnsNames: ["localhost", CumulocityHost]);
        WritePem("root.pem", Root);
        WritePem("intermediate.pem", Intermediate);
        WritePem("untrusted-root.pem", UntrustedRoot);
        WriteCertificateAndKey("server", Server, []);
        WriteCrl();
    }

    public string Directory { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 UntrustedRoot { get; }

    public X509Certificate2 Server { get; }

    public string RootPath => Path.Combine(Directory, "root.pem");

    public string UntrustedRootPath => Path.Combine(Directory, "untrusted-root.pem");

    public string ServerCertPath => Path.Combine(Directory, "server.crt");

    public string ServerKeyPath => Path.Combine(Directory, "server.key");

    public string CrlPath => Path.Combine(Directory, "intermediate.crl");

    public IServerCertificateValidator Validator => new X509ChainServerCertificateValidator([Root]);

    /// <summary>A device certificate issued by the intermediate, with chain (leaf + intermediate) unless leafOnly.</summary>
    public MqttClientCredential Device(string commonName, TimeSpan? notBeforeOffset = null, TimeSpan? lifetime = null, bool leafOnly = false, string? organizationalUnit = null)
    {
        DateTimeOffset notBefore = Now + (notBeforeOffset ?? TimeSpan.FromMinutes(-5));
        X509Certificate2 leaf = Issue(Intermediate, commonName, serverAuth: false, notBefore: notBefore, notAfter: notBefore + (lifetime ?? TimeSpan.FromDays(30)), organizationalUnit: organizationalUnit);
        return new MqttClientCredential(leaf, leafOnly ? [] : [Intermediate]);
    }

    /// <summary>A TLS client certificate for a key held elsewhere (a PKCS#11 token), issued by the intermediate; no private key attached.</summary>
    public X509Certificate2 DeviceCertificateFor(PublicKey publicKey, string commonName)
    {
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}, O=IoTCerts Test"), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        return request.Create(Intermediate, Now.AddMinutes(-5), Now.AddDays(30), Serial());
    }

    /// <summary>A broker certificate issued by the root (or <paramref name="issuer"/>) with the given validity and usage.</summary>
    public X509Certificate2 ServerCertificate(DateTimeOffset notBefore, DateTimeOffset notAfter, bool serverAuth = true, X509Certificate2? issuer = null) =>
        Issue(issuer ?? Root, "localhost", serverAuth, notBefore, notAfter, ["localhost"]);

    /// <summary>A certificate with the given subject and optional SAN e-mail addresses, issued by the intermediate.</summary>
    public X509Certificate2 Custom(string subject, params string[] sanEmails)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (sanEmails.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string email in sanEmails)
            {
                san.AddEmailAddress(email);
            }

            san.AddDnsName("device.example");
            request.CertificateExtensions.Add(san.Build());
        }

        using X509Certificate2 cert = request.Create(Intermediate, Now.AddMinutes(-5), Now.AddDays(1), Serial());
        return cert.CopyWithPrivateKey(key);
    }

    public MqttClientCredential UntrustedDevice(string commonName)
    {
        X509Certificate2 leaf = Issue(UntrustedRoot, commonName, serverAuth: false);
        return new MqttClientCredential(leaf, []);
    }

    /// <summary>A device whose serial is in the intermediate's CRL (the CRL file is rewritten).</summary>
    public MqttClientCredential RevokedDevice(string commonName)
    {
        MqttClientCredential credential = Device(commonName);
        _revoked.Add(new BigInteger(credential.Certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true));
        WriteCrl();
        return credential;
    }

    /// <summary>Writes a fresh CRL of the root listing <paramref name="revoked"/> (PEM) and returns its path.</summary>
    public string WriteRootCrl(string name, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (X509Certificate2 certificate in revoked)
        {
            builder.AddEntry(certificate, Now.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        }

        byte[] crl = builder.Build(Root, BigInteger.One, Now.AddDays(7), HashAlgorithmName.SHA256, null, Now.AddMinutes(-2));
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crl));
        return path;
    }

    /// <summary>Writes leaf+chain PEM and key PEM files for command-line tools (mosquitto_sub/pub).</summary>
    public (string CertPath, string KeyPath) WriteFiles(string name, MqttClientCredential credential)
    {
        WriteCertificateAndKey(name, credential.Certificate, credential.Intermediates);
        return (Path.Combine(Directory, name + ".crt"), Path.Combine(Directory, name + ".key"));
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 CreateCa(string name, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=IoTCerts Test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        if (issuer is null)
        {
            return request.CreateSelfSigned(Now.AddDays(-365), Now.AddYears(5));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using X509Certificate2 cert = request.Create(issuer, Now.AddDays(-300), Now.AddYears(3), Serial());
        return cert.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string commonName, bool serverAuth, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string[]? dnsNames = null, string? organizationalUnit = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string ou = organizationalUnit is null ? string.Empty : $", OU={organizationalUnit}";
        var request = new CertificateRequest($"CN={commonName}{ou}, O=IoTCerts Test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (dnsNames is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string dns in dnsNames ?? [])
            {
                san.AddDnsName(dns);
            }

            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }

        using X509Certificate2 cert = request.Create(issuer, notBefore ?? Now.AddMinutes(-5), notAfter ?? Now.AddDays(30), Serial());
        return cert.CopyWithPrivateKey(key);
    }

    private static byte[] Serial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private void WriteCrl()
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (BigInteger serial in _revoked)
        {
            builder.AddEntry(serial.ToByteArray(isUnsigned: true, isBigEndian: true), Now.AddMinutes(-1));
        }

        byte[] crl = builder.Build(Intermediate, BigInteger.One + _revoked.Count, Now.AddDays(7), HashAlgorithmName.SHA256, null, Now.AddMinutes(-2));
        File.WriteAllText(CrlPath, PemEncoding.WriteString("X509 CRL", crl));
    }

    private void WritePem(string name, X509Certificate2 certificate) =>
        File.WriteAllText(Path.Combine(Directory, name), certificate.ExportCertificatePem());

    private void WriteCertificateAndKey(string name, X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        string pem = certificate.ExportCertificatePem() + "\n" + string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n"));
        File.WriteAllText(Path.Combine(Directory, name + ".crt"), pem);
        using ECDsa key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(Path.Combine(Directory, name + ".key"), key.ExportPkcs8PrivateKeyPem());
    }
}
