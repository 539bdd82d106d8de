using System.Formats.Asn1;
using System.Globalization;
using IoTCerts.Core;

namespace IoTCerts.Cli.Rendering;

/// <summary>
/// One-line, human-readable values for extensions, in the spirit of `openssl x509 -text`,
/// shared by the text and JSON renderings so both say the same thing.
/// </summary>
internal static class ExtensionDescriber
{
    private const int MaxRawBytesShown = 64;

    public static string Describe(CertificateExtension extension) => extension.Oid switch
    {
        "2.5.29.19" => BasicConstraintsText(DecodeBasicConstraints(extension.Value)),
        "2.5.29.15" => KeyUsageText(ExtensionValues.KeyUsage(extension.Value)),
        "2.5.29.37" => string.Join(", ", ExtensionValues.ExtendedKeyUsages(extension.Value).Select(OidName)),
        "2.5.29.14" => Hex(AsnDecoder.ReadOctetString(extension.Value.Span, AsnEncodingRules.DER, out _)),
        "2.5.29.35" => AuthorityKeyIdentifierText(ExtensionValues.AuthorityKeyIdentifier(extension.Value)),
        "2.5.29.17" or "2.5.29.18" => string.Join(", ", ExtensionValues.GeneralNames(extension.Value)),
        "2.5.29.31" or "2.5.29.46" => string.Join(", ", ExtensionValues.DistributionPoints(extension.Value).SelectMany(p => p.FullName)),
        "1.3.6.1.5.5.7.1.1" => string.Join(", ", ExtensionValues.AccessDescriptions(extension.Value).Select(a => $"{OidName(a.AccessMethod)} - {a.AccessLocation}")),
        "2.5.29.30" => NameConstraintsText(ExtensionValues.NameConstraints(extension.Value)),
        "2.5.29.32" => string.Join(", ", ExtensionValues.CertificatePolicies(extension.Value).Select(p => OidName(p.PolicyOid))),
        _ => Hex(extension.Value),
    };

    /// <summary>Describes without throwing: a value the model kept raw but could not decode is shown as hex.</summary>
    public static string SafeDescribe(CertificateExtension extension)
    {
        try
        {
            return Describe(extension);
        }
        catch (Exception ex) when (ex is MaterialException or System.Formats.Asn1.AsnContentException or ArgumentException or FormatException)
        {
            return Hex(extension.Value);
        }
    }

    public static string BasicConstraintsText(BasicConstraints constraints) =>
        constraints.IsCertificateAuthority
            ? constraints.PathLengthConstraint is { } pathLength ? $"CA:TRUE, pathlen:{pathLength.ToString(CultureInfo.InvariantCulture)}" : "CA:TRUE"
            : "CA:FALSE";

    public static string KeyUsageText(KeyUsage usage)
    {
        var names = new List<string>();
        foreach (var (flag, name) in KeyUsageNames)
        {
            if ((usage & flag) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count == 0 ? "(none)" : string.Join(", ", names);
    }

    public static IReadOnlyList<string> KeyUsageList(KeyUsage usage) =>
        [.. KeyUsageNames.Where(n => (usage & n.Flag) != 0).Select(n => n.Name)];

    public static string OidName(string oid) => ExtensionValues.FriendlyName(oid) is { } name ? name : oid;

    public static string Hex(ReadOnlyMemory<byte> bytes) =>
        bytes.Length <= MaxRawBytesShown
            ? Convert.ToHexString(bytes.Span)
            : Convert.ToHexString(bytes.Span[..MaxRawBytesShown]) + $"… ({bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes)";

    // RFC 5280 4.2.1.9: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.
    private static BasicConstraints DecodeBasicConstraints(ReadOnlyMemory<byte> value)
    {
        var sequence = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var isCa = sequence.HasData && sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && sequence.ReadBoolean();
        int? pathLength = sequence.HasData && sequence.TryReadInt32(out var n) ? n : null;
        return new BasicConstraints(isCa, pathLength);
    }

    private static string AuthorityKeyIdentifierText(AuthorityKeyIdentifier aki)
    {
        var parts = new List<string>();
        if (aki.KeyIdentifier is { } keyId)
        {
            parts.Add("keyid:" + Convert.ToHexString(keyId.Span));
        }

        parts.AddRange(aki.AuthorityCertIssuer.Select(n => "issuer:" + n));
        if (aki.AuthorityCertSerialNumber is { } serial)
        {
            parts.Add("serial:" + Convert.ToHexString(serial.Span));
        }

        return string.Join(", ", parts);
    }

    private static string NameConstraintsText(NameConstraints constraints)
    {
        var parts = constraints.PermittedSubtrees.Select(s => "permitted " + s.Base)
            .Concat(constraints.ExcludedSubtrees.Select(s => "excluded " + s.Base));
        return string.Join(", ", parts);
    }

    private static readonly (KeyUsage Flag, string Name)[] KeyUsageNames =
    [
        (KeyUsage.DigitalSignature, "digitalSignature"),
        (KeyUsage.NonRepudiation, "nonRepudiation"),
        (KeyUsage.KeyEncipherment, "keyEncipherment"),
        (KeyUsage.DataEncipherment, "dataEncipherment"),
        (KeyUsage.KeyAgreement, "keyAgreement"),
        (KeyUsage.KeyCertSign, "keyCertSign"),
        (KeyUsage.CrlSign, "cRLSign"),
        (KeyUsage.EncipherOnly, "encipherOnly"),
        (KeyUsage.DecipherOnly, "decipherOnly"),
    ];
}
