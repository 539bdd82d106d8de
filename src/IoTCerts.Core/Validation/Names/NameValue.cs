namespace IoTCerts.Core;

/// <summary>
/// A name as the constraint and matching rules compare it: a model <see cref="GeneralName"/> or a name taken from
/// the subject DN (the DN itself, or an emailAddress attribute, RFC 5280 §4.2.1.10).
/// </summary>
internal readonly record struct NameValue(GeneralNameKind Kind, string? Text, ReadOnlyMemory<byte> Bytes, DistinguishedName? Directory)
{
    public static NameValue From(GeneralName name) => new(name.Kind, name.Value, name.RawValue, name.DirectoryName);

    public override string ToString() => Kind switch
    {
        GeneralNameKind.DnsName => "DNS:" + Text,
        GeneralNameKind.Rfc822Name => "email:" + Text,
        GeneralNameKind.Uri => "URI:" + Text,
        GeneralNameKind.IPAddress => "IP:" + FormatIp(Bytes.Span),
        GeneralNameKind.DirectoryName => "DirName:" + Directory?.Rfc4514Name,
        _ => Kind.ToString(),
    };

    private static string FormatIp(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 or 16 => new System.Net.IPAddress(bytes).ToString(),
        8 => new System.Net.IPAddress(bytes[..4]) + "/" + new System.Net.IPAddress(bytes[4..]),
        32 => new System.Net.IPAddress(bytes[..16]) + "/" + new System.Net.IPAddress(bytes[16..]),
        _ => Convert.ToHexString(bytes),
    };
}
