using System.Collections.Concurrent;

namespace IoTCerts.Core;

/// <summary>
/// The issuer-signature checks of chain ordering and of the profile rules, done at most once per
/// (certificate, issuer certificate) pair. A platform runs the connection rules on every device connection, right after
/// the <see cref="ChainValidator"/> verified the same signatures: the rules take those as given when they are handed the
/// validation result, and otherwise remember what they verified themselves.
/// </summary>
/// <remarks>
/// Never a name match alone: the memo is keyed by the SHA-256 of both certificates' whole DER (which binds the signed
/// bytes, the signature and the issuer's public key), so a forged certificate with the uploaded CA's name but another
/// key has another key here and is verified for real. Bounded: a flood of distinct pairs only clears the memo.
/// </remarks>
internal static class IssuerSignatures
{
    private const int Capacity = 4096;

    private static readonly ConcurrentDictionary<(string Subject, string Issuer), bool> s_verified = new();

    [ThreadStatic]
    private static long t_verifications;

    /// <summary>How many signatures this thread actually verified here (the rest came from the memo or a validation result); for tests.</summary>
    internal static long VerificationsOnThisThread => t_verifications;

    /// <summary>True when <paramref name="subject"/>'s signature verifies with <paramref name="issuer"/>'s public key.</summary>
    /// <param name="subject">The signed certificate.</param>
    /// <param name="issuer">The candidate issuer.</param>
    /// <param name="validated">A valid validation result whose chain may hold this edge (its signatures were verified by the validator), or null.</param>
    public static bool IsSignedBy(Certificate subject, Certificate issuer, ChainValidationResult? validated = null)
    {
        if (validated is { IsValid: true } && HasVerifiedEdge(validated.Chain, subject, issuer))
        {
            return true;
        }

        var key = (subject.Sha256Thumbprint, issuer.Sha256Thumbprint);
        if (s_verified.TryGetValue(key, out var known))
        {
            return known;
        }

        t_verifications++;
        bool valid;
        try
        {
            valid = subject.IsSignatureValid(issuer.PublicKey);
        }
        catch (MaterialException)
        {
            valid = false;
        }

        if (s_verified.Count >= Capacity)
        {
            s_verified.Clear();
        }

        s_verified[key] = valid;
        return valid;
    }

    // The validator's chain is end entity first, each certificate followed by the one whose key verified its signature.
    private static bool HasVerifiedEdge(IReadOnlyList<Certificate> chain, Certificate subject, Certificate issuer)
    {
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            if (Same(chain[i], subject) && Same(chain[i + 1], issuer))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Same(Certificate a, Certificate b) => ReferenceEquals(a, b) || a.RawData.Span.SequenceEqual(b.RawData.Span);
}
