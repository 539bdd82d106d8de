using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>Device chain files: the leaf, then each certificate followed by the one that signed it.</summary>
public static class CertificateChains
{
    private const int MaxCertificates = 64;

    /// <summary>
    /// Orders an unordered bag of certificates into a chain starting at <paramref name="leaf"/> (or, when null, at the
    /// one certificate that signs no other in the bag), following issuer names with signature checks.
    /// </summary>
    /// <exception cref="IssuanceException">The bag is empty, too large, or has no single leaf.</exception>
    public static IReadOnlyList<X509Certificate2> Order(IReadOnlyList<X509Certificate2> certificates, X509Certificate2? leaf = null)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        if (certificates.Count is 0 or > MaxCertificates)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"a chain needs 1 to {MaxCertificates} certificates");
        }

        if (leaf is null)
        {
            var leaves = certificates.Where(c => !certificates.Any(o => !ReferenceEquals(o, c) && !IsSelfIssued(o) && o.IssuerName.RawData.AsSpan().SequenceEqual(c.SubjectName.RawData))).ToList();
            if (leaves.Count != 1)
            {
                throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"the certificates do not form one chain ({leaves.Count} candidates for the first certificate)");
            }

            leaf = leaves[0];
        }

        var chain = new List<X509Certificate2> { leaf };
        var current = leaf;
        while (!IsSelfIssued(current) && chain.Count < MaxCertificates)
        {
            var next = certificates.FirstOrDefault(c => !chain.Contains(c) && c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData) && SignedBy(current, c));
            if (next is null)
            {
                break;
            }

            chain.Add(next);
            current = next;
        }

        return chain;
    }

    /// <summary>The chain as concatenated PEM, in the given order.</summary>
    public static string ToPem(IEnumerable<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var text = new StringBuilder();
        foreach (var certificate in chain)
        {
            text.Append(certificate.ExportCertificatePem()).Append('\n');
        }

        return text.ToString();
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static bool SignedBy(X509Certificate2 subject, X509Certificate2 issuer)
    {
        var parsed = IoTCerts.Core.Certificate.Parse(subject.RawData);
        var issuerParsed = IoTCerts.Core.Certificate.Parse(issuer.RawData);
        return parsed.IsSignatureValid(issuerParsed.PublicKey);
    }
}
