using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>
/// Subject alternative names written as OpenSSL does: <c>DNS:host.example</c>, <c>IP:192.0.2.1</c>,
/// <c>email:d:type:id</c> (IBM Watson IoT device identity, R-31), <c>URI:urn:…</c>.
/// </summary>
public static class SubjectAlternativeNames
{
    private const int MaxNames = 256;

    /// <summary>Builds the subjectAltName extension (non-critical) from entries like <c>DNS:host</c>.</summary>
    /// <exception cref="IssuanceException">An entry has no known prefix or an invalid value.</exception>
    public static X509Extension Build(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var builder = new SubjectAlternativeNameBuilder();
        var count = 0;
        foreach (var entry in entries)
        {
            if (++count > MaxNames)
            {
                throw Invalid($"more than {MaxNames} subject alternative names");
            }

            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == entry.Length - 1)
            {
                throw Invalid($"'{entry}' is not of the form DNS:name, IP:address, email:address or URI:uri");
            }

            var value = entry[(colon + 1)..].Trim();
            switch (entry[..colon].Trim().ToUpperInvariant())
            {
                case "DNS":
                    if (value.Any(c => char.IsWhiteSpace(c) || c > 0x7e))
                    {
                        throw Invalid($"'{value}' is not a DNS name");
                    }

                    builder.AddDnsName(value);
                    break;
                case "IP":
                    if (!IPAddress.TryParse(value, out var address))
                    {
                        throw Invalid($"'{value}' is not an IP address");
                    }

                    builder.AddIpAddress(address);
                    break;
                case "EMAIL":
                    builder.AddEmailAddress(value);
                    break;
                case "URI":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
                    {
                        throw Invalid($"'{value}' is not an absolute URI");
                    }

                    builder.AddUri(uri);
                    break;
                default:
                    throw Invalid($"'{entry}' has an unknown type: use DNS:, IP:, email: or URI:");
            }
        }

        if (count == 0)
        {
            throw Invalid("no subject alternative name was given");
        }

        return builder.Build(critical: false);
    }

    private static IssuanceException Invalid(string detail) => new(IssuanceErrorCode.InvalidSubjectAlternativeName, $"invalid subject alternative name: {detail}");
}
