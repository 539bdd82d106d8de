namespace IoTCerts.Core;

/// <summary>
/// Syntax rules for the names the validator compares: DNS names (RFC 1034 §3.5 preferred syntax, as RFC 5280
/// §4.2.1.6 requires), IP addresses and their subtree masks, and rfc822 mailboxes. Everything is ASCII and
/// compared case-insensitively, except the local part of a mailbox (RFC 5280 §7.5).
/// </summary>
internal static class NameSyntax
{
    /// <summary>A DNS name as presented in a SAN or as an expected peer name; <paramref name="allowWildcard"/> admits one leftmost "*" label.</summary>
    public static bool IsValidDnsName(string name, bool allowWildcard)
    {
        if (name.Length == 0 || name.Length > 253)
        {
            return false;
        }

        if (allowWildcard && name.StartsWith("*.", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (!IsValidLabel(label))
            {
                return false;
            }
        }

        // An all-numeric last label would make the name an IP address in disguise.
        return !labels[^1].All(char.IsAsciiDigit);
    }

    private static bool IsValidLabel(string label)
    {
        if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An rfc822Name mailbox: local@domain, a non-empty local part of printable ASCII and a valid domain.</summary>
    public static bool IsValidMailbox(string mailbox)
    {
        var at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1)
        {
            return false;
        }

        var local = mailbox.AsSpan(0, at);
        foreach (var c in local)
        {
            if (c <= ' ' || c > '~' || c == '@')
            {
                return false;
            }
        }

        return IsValidDnsName(mailbox[(at + 1)..], allowWildcard: false);
    }

    /// <summary>Why a name-constraint subtree base is not valid for its kind (RFC 5280 §4.2.1.10), or null.</summary>
    public static string? SubtreeProblem(NameValue name)
    {
        switch (name.Kind)
        {
            case GeneralNameKind.DnsName:
                // The empty string constrains every name; otherwise a plain DNS name (no wildcard, no leading dot).
                return name.Text!.Length == 0 || IsValidDnsName(name.Text, allowWildcard: false) ? null : "it is not a DNS name (wildcards and leading periods are not allowed)";
            case GeneralNameKind.IPAddress:
                return IsValidIpSubtree(name.Bytes.Span) ? null : "an IP subtree must be an IPv4 or IPv6 address followed by a contiguous network mask";
            case GeneralNameKind.Rfc822Name:
            {
                var text = name.Text!;
                if (text.Contains('@', StringComparison.Ordinal))
                {
                    return IsValidMailbox(text) ? null : "it is not a mailbox";
                }

                var host = text.StartsWith('.') ? text[1..] : text;
                return IsValidDnsName(host, allowWildcard: false) ? null : "it is not a mailbox, host or domain";
            }

            case GeneralNameKind.Uri:
            {
                // §4.2.1.10: a URI constraint is a fully qualified host, or a domain with a leading period.
                var text = name.Text!;
                var host = text.StartsWith('.') ? text[1..] : text;
                return IsValidDnsName(host, allowWildcard: false) ? null : "a URI constraint must be a host or a domain with a leading period";
            }

            default:
                return null;
        }
    }

    private static bool IsValidIpSubtree(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is not (8 or 32))
        {
            return false;
        }

        var mask = bytes[(bytes.Length / 2)..];
        var seenZero = false;
        foreach (var b in mask)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (b >> bit & 1) == 1;
                if (one && seenZero)
                {
                    return false;
                }

                seenZero |= !one;
            }
        }

        return true;
    }

    /// <summary>The problem with a SAN entry's syntax, or null when it is well formed for its kind.</summary>
    public static string? SanProblem(NameValue name) => name.Kind switch
    {
        GeneralNameKind.DnsName when !IsValidDnsName(name.Text!, allowWildcard: true) => "it is not a valid DNS name",
        GeneralNameKind.IPAddress when name.Bytes.Length is not (4 or 16) => "an IP address must be 4 or 16 bytes",
        GeneralNameKind.Rfc822Name when !IsValidMailbox(name.Text!) => "it is not a valid mailbox",
        _ => null,
    };

    public static bool DnsEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="name"/> is <paramref name="subtree"/> or lies below it (RFC 5280 §4.2.1.10, dNSName).</summary>
    public static bool DnsInSubtree(string name, string subtree)
    {
        if (subtree.Length == 0)
        {
            return true;
        }

        name = name.TrimEnd('.');
        subtree = subtree.TrimEnd('.');
        if (DnsEquals(name, subtree))
        {
            return true;
        }

        return name.Length > subtree.Length
            && name[name.Length - subtree.Length - 1] == '.'
            && name.EndsWith(subtree, StringComparison.OrdinalIgnoreCase);
    }
}
