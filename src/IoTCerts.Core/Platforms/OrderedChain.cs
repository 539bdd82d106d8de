namespace IoTCerts.Core;

/// <summary>
/// A bag of certificates put in chain order: the end entity first, each certificate followed by the one that
/// signed it, up to a self-signed root or to the last issuer present. Certificates that are not on that path are
/// <see cref="Extras"/>; a missing issuer is the <see cref="Gap"/>.
/// </summary>
public sealed class OrderedChain
{
    /// <summary>The most certificates ordered at once (the search is quadratic in the bag size).</summary>
    public const int MaxCertificates = 1000;

    private OrderedChain(IReadOnlyList<Certificate> certificates, IReadOnlyList<Certificate> extras, int duplicates, ChainValidationResult? validated)
    {
        Certificates = certificates;
        Extras = extras;
        DuplicatesRemoved = duplicates;
        var top = certificates[^1];
        EndsAtRoot = top.IsSelfIssued && IssuerSignatures.IsSignedBy(top, top, validated);
        Gap = EndsAtRoot ? null : top.Issuer;
    }

    /// <summary>The chain: end entity first, each certificate followed by its issuer.</summary>
    public IReadOnlyList<Certificate> Certificates { get; }

    /// <summary>Certificates of the bag that are not on the chain (another leaf, an unrelated CA).</summary>
    public IReadOnlyList<Certificate> Extras { get; }

    /// <summary>How many byte-identical copies were dropped.</summary>
    public int DuplicatesRemoved { get; }

    /// <summary>True when the chain ends at a self-signed certificate (a root).</summary>
    public bool EndsAtRoot { get; }

    /// <summary>The issuer name the chain stops short of (its last certificate's issuer is not in the bag), or null when it ends at a root.</summary>
    public DistinguishedName? Gap { get; }

    /// <summary>Orders <paramref name="bag"/> (any order, duplicates allowed).</summary>
    /// <exception cref="ArgumentException">The bag is empty or holds more than <see cref="MaxCertificates"/> certificates.</exception>
    public static OrderedChain FromBag(IEnumerable<Certificate> bag) => FromBag(bag, endEntity: null);

    /// <summary>
    /// Orders <paramref name="bag"/> starting at <paramref name="endEntity"/> (e.g. the certificate of a private key),
    /// or, when it is null, at the end entity found in the bag. The end entity need not be in the bag.
    /// </summary>
    /// <exception cref="ArgumentException">The bag (with the end entity) is empty or holds more than <see cref="MaxCertificates"/> certificates.</exception>
    public static OrderedChain FromBag(IEnumerable<Certificate> bag, Certificate? endEntity) => FromBag(bag, endEntity, validated: null);

    /// <summary>Like <see cref="FromBag(IEnumerable{Certificate}, Certificate?)"/>, taking the signatures a valid <paramref name="validated"/> chain verified as given.</summary>
    internal static OrderedChain FromBag(IEnumerable<Certificate> bag, Certificate? endEntity, ChainValidationResult? validated)
    {
        ArgumentNullException.ThrowIfNull(bag);
        var unique = new List<Certificate>();
        if (endEntity is not null)
        {
            bag = bag.Prepend(endEntity);
        }

        var duplicates = 0;
        foreach (var certificate in bag)
        {
            ArgumentNullException.ThrowIfNull(certificate, nameof(bag));
            if (unique.Any(u => u.RawData.Span.SequenceEqual(certificate.RawData.Span)))
            {
                duplicates++;
                continue;
            }

            if (unique.Count == MaxCertificates)
            {
                throw new ArgumentException($"a chain bag may hold at most {MaxCertificates} certificates", nameof(bag));
            }

            unique.Add(certificate);
        }

        if (unique.Count == 0)
        {
            throw new ArgumentException("the bag holds no certificate", nameof(bag));
        }

        // Each certificate's issuer in the bag: same name and a verifying signature; a name match alone is the fallback.
        var issuerOf = new Certificate?[unique.Count];
        var issuesOthers = new bool[unique.Count];
        for (var i = 0; i < unique.Count; i++)
        {
            var subject = unique[i];
            if (subject.IsSelfIssued && IssuerSignatures.IsSignedBy(subject, subject, validated))
            {
                continue;
            }

            var candidates = unique.Where(c => !ReferenceEquals(c, subject) && c.Subject.Equals(subject.Issuer)).ToList();
            var issuer = candidates.FirstOrDefault(c => IssuerSignatures.IsSignedBy(subject, c, validated)) ?? candidates.FirstOrDefault();
            issuerOf[i] = issuer;
            if (issuer is not null)
            {
                issuesOthers[unique.IndexOf(issuer)] = true;
            }
        }

        // The end entity issues nothing in the bag; among several, the one with the longest chain, preferring non-CAs.
        List<Certificate>? best = endEntity is null ? null : Walk(unique, issuerOf, 0);
        for (var i = 0; i < unique.Count && endEntity is null; i++)
        {
            if (issuesOthers[i] && unique.Count > 1)
            {
                continue;
            }

            var chain = Walk(unique, issuerOf, i);
            if (best is null || Better(chain, best))
            {
                best = chain;
            }
        }

        // Only a loop of cross-signed CAs has no certificate that issues nothing: start anywhere.
        best ??= Walk(unique, issuerOf, 0);
        var extras = unique.Where(c => !best.Contains(c)).ToList();
        return new OrderedChain(best, extras, duplicates, validated);
    }

    /// <summary>The chain as PEM: one CERTIFICATE block per certificate, in chain order.</summary>
    public string ToPem() => string.Concat(Certificates.Select(c => PemWriter.Write("CERTIFICATE", c.RawData.Span)));

    private static bool Better(List<Certificate> candidate, List<Certificate> current)
    {
        var candidateLeaf = candidate[0].BasicConstraints is not { IsCertificateAuthority: true };
        var currentLeaf = current[0].BasicConstraints is not { IsCertificateAuthority: true };
        return candidateLeaf != currentLeaf ? candidateLeaf : candidate.Count > current.Count;
    }

    private static List<Certificate> Walk(List<Certificate> unique, Certificate?[] issuerOf, int start)
    {
        var chain = new List<Certificate> { unique[start] };
        var index = start;
        while (issuerOf[index] is { } issuer && !chain.Contains(issuer))
        {
            chain.Add(issuer);
            index = unique.IndexOf(issuer);
        }

        return chain;
    }
}
