using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// Decodes the value (the OCTET STRING content) of a <see cref="CertificateExtension"/> into IoTCerts' types, for
/// tools that show extensions one by one (<c>iotcerts inspect</c>). A parsed <see cref="Certificate"/> already exposes
/// the decoded extensions it knows as properties; use these when you hold only an extension.
/// </summary>
public static class ExtensionValues
{
    /// <summary>The KeyUsage bits (RFC 5280 section 4.2.1.3).</summary>
    /// <exception cref="MaterialException">The value is not a DER BIT STRING.</exception>
    public static KeyUsage KeyUsage(ReadOnlyMemory<byte> value) => Decode(value, v => (global::IoTCerts.Core.KeyUsage)ExtensionDecoding.Bits(v));

    /// <summary>The purpose OIDs of an ExtendedKeyUsage value (RFC 5280 section 4.2.1.12).</summary>
    /// <exception cref="MaterialException">The value is not a DER SEQUENCE OF OBJECT IDENTIFIER.</exception>
    public static IReadOnlyList<string> ExtendedKeyUsages(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.ExtendedKeyUsages);

    /// <summary>The names of a SubjectAltName or IssuerAltName value (RFC 5280 section 4.2.1.6).</summary>
    /// <exception cref="MaterialException">The value is not DER GeneralNames.</exception>
    public static IReadOnlyList<GeneralName> GeneralNames(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.GeneralNames);

    /// <summary>An AuthorityKeyIdentifier value (RFC 5280 section 4.2.1.1).</summary>
    /// <exception cref="MaterialException">The value is not a DER AuthorityKeyIdentifier.</exception>
    public static AuthorityKeyIdentifier AuthorityKeyIdentifier(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.AuthorityKeyIdentifier);

    /// <summary>The distribution points of a CRLDistributionPoints or FreshestCRL value (RFC 5280 section 4.2.1.13).</summary>
    /// <exception cref="MaterialException">The value is not DER CRLDistributionPoints.</exception>
    public static IReadOnlyList<DistributionPoint> DistributionPoints(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.DistributionPoints);

    /// <summary>The access descriptions of an AuthorityInfoAccess value (RFC 5280 section 4.2.2.1).</summary>
    /// <exception cref="MaterialException">The value is not DER AuthorityInfoAccessSyntax.</exception>
    public static IReadOnlyList<AccessDescription> AccessDescriptions(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.AccessDescriptions);

    /// <summary>A NameConstraints value (RFC 5280 section 4.2.1.10).</summary>
    /// <exception cref="MaterialException">The value is not DER NameConstraints.</exception>
    public static NameConstraints NameConstraints(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.NameConstraints);

    /// <summary>The policies of a CertificatePolicies value (RFC 5280 section 4.2.1.4).</summary>
    /// <exception cref="MaterialException">The value is not DER CertificatePolicies.</exception>
    public static IReadOnlyList<CertificatePolicy> CertificatePolicies(ReadOnlyMemory<byte> value) => Decode(value, ExtensionDecoding.CertificatePolicies);

    /// <summary>A short readable name for an OID IoTCerts knows (an extension, algorithm, purpose or name attribute), or null.</summary>
    public static string? FriendlyName(string oid)
    {
        ArgumentNullException.ThrowIfNull(oid);
        return WellKnownOids.FriendlyName(oid);
    }

    private static T Decode<T>(ReadOnlyMemory<byte> value, Func<ReadOnlyMemory<byte>, T> decode)
    {
        try
        {
            return decode(value);
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the extension value cannot be decoded: {ex.Message}", ex);
        }
    }
}
