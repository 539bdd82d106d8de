using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>A certificate the CA issued and recorded.</summary>
public sealed class IssuedCertificate
{
    private readonly IReadOnlyList<X509Certificate2> issuers;
    private readonly Lazy<X509Certificate2> certificate;
    private IReadOnlyList<X509Certificate2>? chain;

    internal IssuedCertificate(byte[] der, CertificateRecord record, IReadOnlyList<X509Certificate2> issuers)
    {
        RawData = der;
        Record = record;
        this.issuers = issuers;
        certificate = new Lazy<X509Certificate2>(() => X509CertificateLoader.LoadCertificate(der));
    }

    /// <summary>The certificate's DER encoding.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The certificate (no private key attached), loaded from <see cref="RawData"/> on first use.</summary>
    public X509Certificate2 Certificate => certificate.Value;

    /// <summary>The database entry.</summary>
    public CertificateRecord Record { get; }

    /// <summary>The serial number as upper-case hex.</summary>
    public string SerialNumber => Record.SerialNumber;

    /// <summary>The device chain: this certificate, then each issuing CA up to and including the root.</summary>
    public IReadOnlyList<X509Certificate2> Chain => chain ??= [Certificate, .. issuers];
}
