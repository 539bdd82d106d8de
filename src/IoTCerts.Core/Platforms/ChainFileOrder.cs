namespace IoTCerts.Core;

/// <summary>
/// The order rule for a presented chain file: the device certificate first, each certificate followed by the
/// one that signed it. A TLS peer such as mosquitto sends the file as it is, so a file in another order is refused by
/// platforms that require the order even when the certificates themselves form a valid chain.
/// </summary>
public static class ChainFileOrder
{
    /// <summary>The code reported for a chain file out of order (<c>ChainOrder</c>).</summary>
    public const string Code = "ChainOrder";

    /// <summary>
    /// Describes how <paramref name="presented"/> departs from chain order, or returns null when it is in order:
    /// its certificates (byte-identical copies aside) start with the ordered chain, each followed by its issuer;
    /// certificates that are not on the chain may follow it.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty or holds more than <see cref="OrderedChain.MaxCertificates"/> certificates.</exception>
    public static string? FindProblem(IReadOnlyList<Certificate> presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        return FindProblem(presented, OrderedChain.FromBag(presented));
    }

    internal static string? FindProblem(IReadOnlyList<Certificate> presented, OrderedChain ordered)
    {
        var unique = new List<Certificate>(presented.Count);
        foreach (var certificate in presented)
        {
            if (!unique.Any(u => u.RawData.Span.SequenceEqual(certificate.RawData.Span)))
            {
                unique.Add(certificate);
            }
        }

        for (var i = 0; i < ordered.Certificates.Count; i++)
        {
            if (i >= unique.Count || !unique[i].RawData.Span.SequenceEqual(ordered.Certificates[i].RawData.Span))
            {
                var found = i < unique.Count ? $"\"{Readable(unique[i])}\"" : "nothing";
                var where = i == 0 ? "the device certificate" : $"the issuer of \"{Readable(ordered.Certificates[i - 1])}\"";
                var expected = $"\"{Readable(ordered.Certificates[i])}\"";
                return $"position {i + 1} of the file holds {found} where {where} ({expected}) belongs; the chain order is " +
                    string.Join(" -> ", ordered.Certificates.Select(c => $"\"{Readable(c)}\""));
            }
        }

        return null;
    }

    private static string Readable(Certificate certificate) => certificate.Subject.IsEmpty ? "(empty name)" : certificate.Subject.Rfc4514Name;
}
