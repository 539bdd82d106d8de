using System.Net;

namespace IoTCerts.Core;

/// <summary>The kinds of peer name a certificate can be checked for.</summary>
public enum PeerNameKind
{
    /// <summary>A DNS host name, matched against dNSName SAN entries (RFC 6125: wildcards in the leftmost label only; never the CN).</summary>
    Dns,

    /// <summary>An IPv4 or IPv6 address, matched against iPAddress SAN entries.</summary>
    IpAddress,

    /// <summary>An e-mail address, matched against rfc822Name SAN entries.</summary>
    Email,
}

/// <summary>The name the end-entity certificate is expected to hold, for example the broker's host name.</summary>
public sealed class PeerName
{
    private PeerName(PeerNameKind kind, string value, IPAddress? address)
    {
        Kind = kind;
        Value = value;
        Address = address;
    }

    /// <summary>The kind of name.</summary>
    public PeerNameKind Kind { get; }

    /// <summary>The name as given (IP addresses in their canonical text form).</summary>
    public string Value { get; }

    internal IPAddress? Address { get; }

    /// <summary>A DNS host name.</summary>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    public static PeerName Dns(string hostName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        return new PeerName(PeerNameKind.Dns, hostName.TrimEnd('.'), null);
    }

    /// <summary>An IP address.</summary>
    public static PeerName Ip(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new PeerName(PeerNameKind.IpAddress, address.ToString(), address);
    }

    /// <summary>An e-mail address.</summary>
    /// <exception cref="ArgumentException">The address is empty.</exception>
    public static PeerName Email(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        return new PeerName(PeerNameKind.Email, address, null);
    }

    /// <summary>Recognises an IP address literal, an e-mail address (contains '@') or else a DNS name.</summary>
    public static PeerName Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var unbracketed = value.StartsWith('[') && value.EndsWith(']') ? value[1..^1] : value;
        if ((unbracketed.Contains(':', StringComparison.Ordinal) || IsDottedQuad(unbracketed)) && IPAddress.TryParse(unbracketed, out var address))
        {
            return Ip(address);
        }

        return value.Contains('@', StringComparison.Ordinal) ? Email(value) : Dns(value);
    }

    private static bool IsDottedQuad(string value) => value.Split('.') is { Length: 4 } parts && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit));

    /// <inheritdoc/>
    public override string ToString() => Value;
}
