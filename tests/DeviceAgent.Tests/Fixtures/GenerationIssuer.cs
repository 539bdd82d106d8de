using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// The EST server's CA in these tests: issues short-lived client certificates from the MQTT tests' device intermediate
/// and writes the issue number into the subject (<c>OU=generation-N</c>) so the broker's log, which shows the subject,
/// tells which certificate a connection used. Re-enrollment keeps the CN (the device id) and moves the generation on.
/// </summary>
internal sealed class GenerationIssuer(X509Certificate2 issuingCa, X509Certificate2 root, TimeSpan validity) : IEstCertificateIssuer
{
    private readonly ConcurrentDictionary<string, int> _generations = new(StringComparer.Ordinal);

    public ConcurrentQueue<IssuedRecord> Issued { get; } = new();

    public X509Certificate2Collection GetCaCertificates(string? label) => [issuingCa, root];

    public Task<X509Certificate2Collection> IssueAsync(CertificateRequest request, EstRequestContext context, CancellationToken cancellationToken)
    {
        string commonName = request.SubjectName.EnumerateRelativeDistinguishedNames()
            .First(rdn => rdn.GetSingleElementType().Value == "2.5.4.3").GetSingleElementValue()!;
        int generation = _generations.AddOrUpdate(commonName, 1, (_, n) => n + 1);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationalUnitName($"generation-{generation}");
        subject.AddCommonName(commonName);
        var template = new CertificateRequest(subject.Build(), request.PublicKey, HashAlgorithmName.SHA256);
        template.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        template.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        template.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        template.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        template.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuingCa, true, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        X509Certificate2 leaf = template.Create(issuingCa, now.AddSeconds(-1), now + validity, serial);
        Issued.Enqueue(new IssuedRecord(context.Operation, context.ClientCertificate?.Subject, leaf));
        return Task.FromResult(new X509Certificate2Collection { leaf, issuingCa });
    }

    public sealed record IssuedRecord(EstOperation Operation, string? PresentedSubject, X509Certificate2 Certificate);
}
