using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;

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

        // Core's OrderedChain does the ordering (issuer names confirmed by signatures); this keeps the X509Certificate2 view.
        var parsed = certificates.Select(c => Certificate.Parse(c.RawData)).ToList();
        var ordered = OrderedChain.FromBag(parsed, leaf is null ? null : Certificate.Parse(leaf.RawData));
        if (leaf is null && ordered.Extras.Count > 0)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"the certificates do not form one chain ({ordered.Extras.Count} of {parsed.Count} are not on the chain of {ordered.Certificates[0].Subject})");
        }

        var byContent = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        foreach (var certificate in certificates.Append(leaf).OfType<X509Certificate2>())
        {
            byContent.TryAdd(Convert.ToHexString(certificate.RawData), certificate);
        }

        return [.. ordered.Certificates.Select(c => byContent[Convert.ToHexString(c.RawData.Span)])];
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
}
