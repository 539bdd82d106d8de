using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Est;

/// <summary>
/// Decides whether an EST answer is usable (R-73, est-notes): not empty, for our key, valid now, and chaining to
/// the /cacerts trust anchors. Anything else is discarded and the old identity kept.
/// </summary>
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
        chain.AddRange(answer.Where(c => !ReferenceEquals(c, leaf) && !IsSelfIssued(c)));
        var (path, problem) = Check(leaf, chain, anchors, now, null);
        if (problem is not null)
        {
            return (null, [], problem);
        }

        if (chain.Count == 1)
        {
            // RFC 7030 servers answer with the issued certificate alone: the intermediates come from /cacerts, along the
            // validated path, so the stored chain (and what MQTT/TLS later presents) is complete either way.
            chain.AddRange(path.Skip(1)
                .Select(step => anchors.FirstOrDefault(a => a.RawData.AsSpan().SequenceEqual(step.RawData.Span)))
                .OfType<X509Certificate2>()
                .Where(c => !IsSelfIssued(c)));
        }

        return (leaf, chain, null);
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    /// <summary>
    /// Null when <paramref name="leaf"/> is valid now and chains (through <paramref name="extra"/>) to one of the /cacerts
    /// <paramref name="anchors"/> under RFC 5280 path validation; otherwise the most specific reason.
    /// </summary>
    public static string? ChainProblem(X509Certificate2 leaf, IEnumerable<X509Certificate2> extra, X509Certificate2Collection anchors, DateTimeOffset now, ChainPolicy? policy = null) =>
        Check(leaf, extra, anchors, now, policy).Problem;

    private static (IReadOnlyList<Certificate> Path, string? Problem) Check(X509Certificate2 leaf, IEnumerable<X509Certificate2> extra, X509Certificate2Collection anchors, DateTimeOffset now, ChainPolicy? policy)
    {
        if (leaf.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            return ([], $"the certificate expired on {leaf.NotAfter.ToUniversalTime():u}");
        }

        if (anchors.Count == 0)
        {
            return ([], "no /cacerts trust anchors to check the certificate against");
        }

        try
        {
            // Every /cacerts certificate is an explicit trust anchor (est-notes), roll-over certificates included.
            var validator = new ChainValidator(anchors.Select(Certificate.FromX509Certificate2), policy);
            var result = validator.Validate(
                Certificate.FromX509Certificate2(leaf),
                [.. extra.Concat(anchors).Select(Certificate.FromX509Certificate2)],
                new ValidationContext { ValidationTime = now });
            return result.IsValid ? (result.Chain, null) : ([], $"the certificate does not chain to the /cacerts trust anchors ({result.Errors[0].Code}: {result.Errors[0].Message})");
        }
        catch (MaterialException ex)
        {
            return ([], $"a certificate of the answer cannot be read: {ex.Message}");
        }
    }
}
