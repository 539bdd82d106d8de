namespace IoTCerts.Core;

/// <summary>
/// RFC 5280 §6.1.3 (b)/(c) and §4.2.1.10: the names of a certificate must lie inside some permitted subtree
/// of every kind the CA constrains and outside every excluded subtree. Each comparison is charged to the budget.
/// </summary>
internal static class NameConstraintChecker
{
    private const string EmailAddressOid = "1.2.840.113549.1.9.1";

    /// <summary>Checks <paramref name="subject"/>'s names against <paramref name="constraints"/>; returns the violation, or null.</summary>
    public static (ChainStatus Status, string Message)? Check(CertificateFacts subject, NameConstraintsFacts constraints, string caName, ref ValidationBudgetCounter budget)
    {
        foreach (var name in NamesOf(subject))
        {
            if (name.Kind != GeneralNameKind.DirectoryName && NameSyntax.SanProblem(name) is { } problem)
            {
                return (ChainStatus.HasNotPermittedNameConstraint, $"the name {name} cannot be checked against the name constraints of {caName}: {problem}");
            }

            var permittedOfKind = false;
            var permitted = false;
            foreach (var subtree in constraints.Permitted)
            {
                if (subtree.Kind != name.Kind)
                {
                    continue;
                }

                permittedOfKind = true;
                if (!budget.ChargeNameConstraintComparison())
                {
                    return (ChainStatus.BudgetExceeded, ValidationBudgetCounter.NameConstraintMessage);
                }

                var match = Matches(name, subtree, forExclusion: false);
                if (match is null)
                {
                    return (ChainStatus.HasNotSupportedNameConstraint, $"the name {name} cannot be checked against the {name.Kind} constraint of {caName}: that kind of constraint is not supported");
                }

                if (match.Value)
                {
                    permitted = true;
                    break;
                }
            }

            if (permittedOfKind && !permitted)
            {
                return (ChainStatus.HasNotPermittedNameConstraint, $"the name {name} is outside the names that {caName} is permitted to certify (name constraints)");
            }

            foreach (var subtree in constraints.Excluded)
            {
                if (subtree.Kind != name.Kind)
                {
                    continue;
                }

                if (!budget.ChargeNameConstraintComparison())
                {
                    return (ChainStatus.BudgetExceeded, ValidationBudgetCounter.NameConstraintMessage);
                }

                var match = Matches(name, subtree, forExclusion: true);
                if (match is null)
                {
                    return (ChainStatus.HasNotSupportedNameConstraint, $"the name {name} cannot be checked against the excluded {name.Kind} constraint of {caName}: that kind of constraint is not supported");
                }

                if (match.Value)
                {
                    return (ChainStatus.HasExcludedNameConstraint, $"the name {name} is excluded by the name constraint {subtree} of {caName}");
                }
            }
        }

        return null;
    }

    // The subject DN (when not empty), every SAN entry, and emailAddress attributes of the subject (§4.2.1.10:
    // rfc822Name constraints apply to them too).
    private static IEnumerable<NameValue> NamesOf(CertificateFacts certificate)
    {
        var subject = certificate.Certificate.Subject;
        if (!subject.IsEmpty)
        {
            yield return new NameValue(GeneralNameKind.DirectoryName, null, subject.RawData, subject);
            foreach (var email in subject.GetValues(EmailAddressOid))
            {
                yield return new NameValue(GeneralNameKind.Rfc822Name, email, default, null);
            }
        }

        if (certificate.Extensions.SubjectAltNames is { } sans)
        {
            foreach (var san in sans)
            {
                yield return NameValue.From(san);
            }
        }
    }

    /// <summary>True/false when the name lies in the subtree; null when the kind cannot be compared.</summary>
    private static bool? Matches(NameValue name, NameValue subtree, bool forExclusion) => name.Kind switch
    {
        GeneralNameKind.DnsName => DnsMatches(name.Text!, subtree.Text!, forExclusion),
        GeneralNameKind.IPAddress => IpMatches(name.Bytes.Span, subtree.Bytes.Span),
        GeneralNameKind.Rfc822Name => EmailMatches(name.Text!, subtree.Text!),
        GeneralNameKind.DirectoryName => name.Directory is { } n && subtree.Directory is { } s && DirectoryMatches(n, s),
        GeneralNameKind.Uri => UriMatches(name.Text!, subtree.Text!),
        _ => null,
    };

    // RFC 5280 §4.2.1.10 uniformResourceIdentifier: the constraint applies to the host part of the URI; a constraint
    // with a leading period is a domain that matches hosts below it (not the domain itself), otherwise a host that
    // matches exactly (case-insensitively). A URI without a host name (a URN, an IP literal, no authority) cannot be
    // compared: null, reported as HasNotSupportedNameConstraint for permitted and excluded subtrees alike (fail closed).
    private static bool? UriMatches(string uri, string subtree)
    {
        if (UriHost(uri) is not { } host)
        {
            return null;
        }

        if (subtree.StartsWith('.'))
        {
            return host.Length > subtree.Length && host.EndsWith(subtree, StringComparison.OrdinalIgnoreCase);
        }

        return NameSyntax.DnsEquals(host, subtree);
    }

    // The reg-name host of a URI (RFC 3986 §3.2.2), without user information and port; null when there is none or it is an IP address.
    internal static string? UriHost(string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !uri.AsSpan(colon + 1).StartsWith("//", StringComparison.Ordinal))
        {
            return null;
        }

        var authority = uri.AsSpan(colon + 3);
        var end = authority.IndexOfAny('/', '?', '#');
        if (end >= 0)
        {
            authority = authority[..end];
        }

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority[(at + 1)..];
        }

        if (authority.StartsWith("[", StringComparison.Ordinal))
        {
            return null; // IP-literal
        }

        var port = authority.LastIndexOf(':');
        if (port >= 0)
        {
            authority = authority[..port];
        }

        var host = authority.TrimEnd('.').ToString();
        if (host.Length == 0 || System.Net.IPAddress.TryParse(host, out _) || !NameSyntax.IsValidDnsName(host, allowWildcard: false))
        {
            return null;
        }

        return host;
    }

    // A wildcard SAN "*.X" stands for every "L.X": it is permitted only if all of them are, and excluded if any
    // of them is (CVE-2025-61727: a wildcard must not slip past an excluded subtree it could match).
    private static bool DnsMatches(string name, string subtree, bool forExclusion)
    {
        if (!name.StartsWith("*.", StringComparison.Ordinal))
        {
            return NameSyntax.DnsInSubtree(name, subtree);
        }

        var parent = name[2..];
        if (NameSyntax.DnsInSubtree(parent, subtree))
        {
            return true;
        }

        if (!forExclusion)
        {
            return false;
        }

        // Excluded "bar.X" catches "*.X".
        return subtree.Length > parent.Length + 1
            && NameSyntax.DnsInSubtree(subtree, parent)
            && !subtree.AsSpan(0, subtree.Length - parent.Length - 1).Contains('.');
    }

    private static bool IpMatches(ReadOnlySpan<byte> address, ReadOnlySpan<byte> subtree)
    {
        if (subtree.Length != address.Length * 2)
        {
            return false;
        }

        var network = subtree[..address.Length];
        var mask = subtree[address.Length..];
        for (var i = 0; i < address.Length; i++)
        {
            if ((address[i] & mask[i]) != (network[i] & mask[i]))
            {
                return false;
            }
        }

        return true;
    }

    // RFC 5280 §4.2.1.10 rfc822Name: a mailbox matches exactly; "host" matches mailboxes at that host;
    // ".domain" matches mailboxes at any host below the domain. "*" has no special meaning.
    private static bool EmailMatches(string mailbox, string subtree)
    {
        var at = mailbox.LastIndexOf('@');
        var host = mailbox[(at + 1)..];
        if (subtree.Contains('@', StringComparison.Ordinal))
        {
            var subtreeAt = subtree.LastIndexOf('@');
            return string.Equals(mailbox[..at], subtree[..subtreeAt], StringComparison.Ordinal)
                && NameSyntax.DnsEquals(host, subtree[(subtreeAt + 1)..]);
        }

        if (subtree.StartsWith('.'))
        {
            return host.Length > subtree.Length - 1 && host.EndsWith(subtree, StringComparison.OrdinalIgnoreCase);
        }

        return NameSyntax.DnsEquals(host, subtree);
    }

    // §4.2.1.10 with §7.1 name comparison: the constraint's RDN sequence must be a prefix of the name's.
    private static bool DirectoryMatches(DistinguishedName name, DistinguishedName subtree) =>
        NameComparison.IsPrefixOf(subtree.RawData.Span, name.RawData.Span);
}
