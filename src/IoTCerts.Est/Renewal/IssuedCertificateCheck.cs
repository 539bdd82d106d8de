using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est;

/// <summary>
/// Decides whether an EST answer is usable (R-73, est-notes): not empty, for our key, valid now, and chaining to
/// the /cacerts trust anchors. Anything else is discarded and the old identity kept.
/// </summary>
/// <remarks>Uses X509Chain as a stop-gap; IoTCerts.Core's ChainValidator replaces it once it lands.</remarks>
internal static class IssuedCertificateCheck
{
    /// <summary>Returns the issued certificate (the one holding <paramref name="key"/>) and its chain, or the reason the answer is unusable.</summary>
    public static (X509Certificate2? Leaf, List<X509Certificate2> Chain, string? Problem) Select(
        X509Certificate2Collection answer, AsymmetricAlgorithm key, X509Certificate2Collection anchors, DateTimeOffset now)
    {
        if (answer.Count == 0)
        {
            return (null, [], "the answer holds no certificate");
        }

        X509Certificate2? leaf = null;
        foreach (var certificate in answer)
        {
            if (EnrollmentRequest.SamePublicKey(certificate, key))
            {
                leaf = certificate;
                break;
            }
        }

        if (leaf is null)
        {
            return (null, [], "no certificate in the answer is for the key we sent");
        }

        var chain = new List<X509Certificate2> { leaf };
        chain.AddRange(answer.Where(c => !ReferenceEquals(c, leaf) && c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) is false));
        var problem = ChainProblem(leaf, chain, anchors, now);
        return problem is null ? (leaf, chain, null) : (null, [], problem);
    }

    public static string? ChainProblem(X509Certificate2 leaf, IEnumerable<X509Certificate2> extra, X509Certificate2Collection anchors, DateTimeOffset now)
    {
        if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            return $"the certificate expired on {leaf.NotAfter.ToUniversalTime():u}";
        }

        if (anchors.Count == 0)
        {
            return "no /cacerts trust anchors to check the certificate against";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(anchors);
        foreach (var certificate in extra)
        {
            chain.ChainPolicy.ExtraStore.Add(certificate);
        }

        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (chain.Build(leaf))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"the certificate does not chain to the /cacerts trust anchors ({string.Join(", ", statuses)})";
    }
}
