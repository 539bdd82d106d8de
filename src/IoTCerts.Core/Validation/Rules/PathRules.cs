namespace IoTCerts.Core;

/// <summary>A violation of a rule that depends on the whole path, with the index of the certificate concerned.</summary>
internal readonly record struct PathViolation(int Index, ChainStatus Status, string Message);

/// <summary>
/// The rules of RFC 5280 §6.1 that need the whole candidate path (end entity at index 0, trust anchor last):
/// pathLenConstraint, the policy's maximum depth, name constraints, and the expected peer name.
/// </summary>
internal static class PathRules
{
    public static void Apply(IReadOnlyList<CertificateFacts> path, ChainPolicy policy, PeerName? peerName, ref ValidationBudgetCounter budget, List<PathViolation> found)
    {
        CheckPathLength(path, found);
        CheckDepth(path, policy.MaxDepth, found);
        CheckNameConstraints(path, ref budget, found);
        if (peerName is not null)
        {
            CheckPeerName(path[0], peerName, found);
            if (peerName.Kind != PeerNameKind.Email)
            {
                CheckCommonNameIsSan(path[0], found);
            }
        }
    }

    // RFC 5280 §6.1.4 (l)/(m), R-11: a CA's pathLenConstraint bounds the non-self-issued intermediate CA
    // certificates below it; the end entity is not counted, self-issued intermediates are not counted.
    private static void CheckPathLength(IReadOnlyList<CertificateFacts> path, List<PathViolation> found)
    {
        var caCountBelow = 0;
        for (var i = 1; i < path.Count; i++)
        {
            if (path[i].Extensions.BasicConstraints is { IsCa: true, PathLength: { } limit } && caCountBelow > limit)
            {
                found.Add(new PathViolation(i, ChainStatus.PathLengthExceeded,
                    $"path length exceeded: CA \"{path[i].SubjectText}\" allows {limit} intermediate CA certificate(s) below it (pathLenConstraint) but the chain has {caCountBelow}"));
            }

            if (!path[i].IsSelfIssued)
            {
                caCountBelow++;
            }
        }
    }

    // The policy's maximum depth counts the intermediates between end entity and trust anchor, like pathLenConstraint.
    private static void CheckDepth(IReadOnlyList<CertificateFacts> path, int maxDepth, List<PathViolation> found)
    {
        var intermediates = 0;
        for (var i = 1; i < path.Count - 1; i++)
        {
            if (!path[i].IsSelfIssued)
            {
                intermediates++;
            }
        }

        if (intermediates > maxDepth)
        {
            found.Add(new PathViolation(path.Count - 2, ChainStatus.ChainTooLong,
                $"chain too long: it has {intermediates} intermediate CA certificate(s), the policy allows at most {maxDepth}"));
        }
    }

    // RFC 5280 §6.1.3 (b)/(c) with §6.1.4 (g): every CA's constraints apply to each certificate below it, except
    // self-issued intermediates (the end entity is always checked).
    private static void CheckNameConstraints(IReadOnlyList<CertificateFacts> path, ref ValidationBudgetCounter budget, List<PathViolation> found)
    {
        for (var ca = path.Count - 1; ca >= 1; ca--)
        {
            if (path[ca].Extensions.NameConstraints is not { } constraints)
            {
                continue;
            }

            for (var below = ca - 1; below >= 0; below--)
            {
                if (below > 0 && path[below].IsSelfIssued)
                {
                    continue;
                }

                if (NameConstraintChecker.Check(path[below], constraints, $"\"{path[ca].SubjectText}\"", ref budget) is { } violation)
                {
                    found.Add(new PathViolation(below, violation.Status, violation.Message));
                    return;
                }
            }
        }
    }

    // CA/B Forum BR 7.1.4.3: a server certificate's CN must be a character-for-character copy of a SAN entry, so that
    // a client reading the CN sees what was validated. Enforced where the CN is host-like: a different spelling of a
    // SAN name (letter case, an IP address in non-canonical text, Unicode instead of punycode), or a dotted host name
    // that is neither a SAN entry nor the domain that SAN entries lie in. A CN that is not a host name (a device id,
    // a label) is left alone: RFC 5280 profiles and device certificates put other text there.
    private static void CheckCommonNameIsSan(CertificateFacts leaf, List<PathViolation> found)
    {
        var sans = leaf.Extensions.SubjectAltNames ?? [];
        foreach (var cn in leaf.Certificate.Subject.GetValues("2.5.4.3"))
        {
            var exact = sans.Any(san =>
                (san.Kind == GeneralNameKind.DnsName && string.Equals(san.Value, cn, StringComparison.Ordinal))
                || (san.Kind == GeneralNameKind.IPAddress && san.RawValue.Length is 4 or 16 && new System.Net.IPAddress(san.RawValue.Span).ToString() == cn));
            if (exact)
            {
                continue;
            }

            var looselyNamesSan = !System.Text.Ascii.IsValid(cn)
                || sans.Any(san => san.Kind == GeneralNameKind.DnsName && NameSyntax.DnsEquals(san.Value!, cn))
                || (System.Net.IPAddress.TryParse(cn, out var address) && sans.Any(san => san.Kind == GeneralNameKind.IPAddress && san.RawValue.Span.SequenceEqual(address.GetAddressBytes())))
                || (cn.Contains('.', StringComparison.Ordinal) && NameSyntax.IsValidDnsName(cn, allowWildcard: true)
                    && sans.Any(san => san.Kind == GeneralNameKind.DnsName)
                    && !sans.Any(san => san.Kind == GeneralNameKind.DnsName && NameSyntax.DnsInSubtree(san.Value!.TrimStart('*', '.'), cn)));
            if (looselyNamesSan)
            {
                found.Add(new PathViolation(0, ChainStatus.NameMismatch,
                    $"server certificate \"{leaf.SubjectText}\" has a common name \"{cn}\" that is not a character-for-character copy of a subjectAltName entry (CA/B Forum BR 7.1.4.3)"));
                return;
            }
        }
    }

    private static void CheckPeerName(CertificateFacts leaf, PeerName peerName, List<PathViolation> found)
    {
        if (!PeerNameMatcher.Matches(leaf, peerName))
        {
            var names = leaf.Extensions.SubjectAltNames is { Count: > 0 } sans ? string.Join(", ", sans.Take(8)) : "no subjectAltName";
            found.Add(new PathViolation(0, ChainStatus.NameMismatch,
                $"certificate \"{leaf.SubjectText}\" is not valid for the name {peerName.Value} (it holds {names})"));
        }
    }
}

/// <summary>
/// Matches the expected peer name against the end entity's subjectAltName (RFC 6125 §6.4, RFC 9525): DNS names
/// case-insensitively with a wildcard only as the whole leftmost label; IP addresses byte for byte; never the CN.
/// </summary>
internal static class PeerNameMatcher
{
    public static bool Matches(CertificateFacts leaf, PeerName peerName)
    {
        if (leaf.Extensions.SubjectAltNames is not { } sans)
        {
            return false;
        }

        switch (peerName.Kind)
        {
            case PeerNameKind.Dns:
                if (!NameSyntax.IsValidDnsName(peerName.Value, allowWildcard: false))
                {
                    return false;
                }

                foreach (var san in sans)
                {
                    if (san.Kind == GeneralNameKind.DnsName && DnsMatches(san.Value!, peerName.Value))
                    {
                        return true;
                    }
                }

                return false;

            case PeerNameKind.IpAddress:
                var wanted = peerName.Address!.GetAddressBytes();
                foreach (var san in sans)
                {
                    if (san.Kind == GeneralNameKind.IPAddress && san.RawValue.Span.SequenceEqual(wanted))
                    {
                        return true;
                    }
                }

                return false;

            default:
                foreach (var san in sans)
                {
                    if (san.Kind == GeneralNameKind.Rfc822Name && NameSyntax.IsValidMailbox(san.Value!) && MailboxEquals(san.Value!, peerName.Value))
                    {
                        return true;
                    }
                }

                return false;
        }
    }

    private static bool DnsMatches(string presented, string reference)
    {
        if (!NameSyntax.IsValidDnsName(presented, allowWildcard: true))
        {
            return false;
        }

        if (!presented.StartsWith("*.", StringComparison.Ordinal))
        {
            return NameSyntax.DnsEquals(presented, reference);
        }

        // "*.example.com" matches exactly one label in front of a base of at least two labels.
        var baseName = presented[2..];
        if (!baseName.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }

        var dot = reference.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && NameSyntax.DnsEquals(reference[(dot + 1)..], baseName);
    }

    private static bool MailboxEquals(string presented, string reference)
    {
        var a = presented.LastIndexOf('@');
        var b = reference.LastIndexOf('@');
        return b > 0
            && string.Equals(presented[..a], reference[..b], StringComparison.Ordinal)
            && NameSyntax.DnsEquals(presented[(a + 1)..], reference[(b + 1)..]);
    }
}
