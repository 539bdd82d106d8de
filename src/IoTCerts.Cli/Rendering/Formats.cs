using System.Globalization;
using IoTCerts.Core;

namespace IoTCerts.Cli.Rendering;

/// <summary>Formatting shared by every command's text and JSON output, so the same fact always reads the same.</summary>
internal static class Formats
{
    /// <summary>
    /// A serial number as openssl prints it: upper-case hex, an even number of digits, without the DER sign byte
    /// (<c>C49DBB…</c>, not <c>00C49DBB…</c>), so it can be compared with <c>openssl x509 -serial</c> and index.txt.
    /// </summary>
    public static string Serial(string hex)
    {
        var digits = hex.TrimStart('0').ToUpperInvariant();
        return digits.Length == 0 ? "00" : digits.Length % 2 == 1 ? "0" + digits : digits;
    }

    /// <summary>A name in RFC 4514 form (<c>CN=…,O=…</c>), the one DN format of every command's output.</summary>
    public static string Name(System.Security.Cryptography.X509Certificates.X500DistinguishedName name) =>
        DistinguishedName.Parse(name.RawData).Rfc4514Name;

    /// <summary>ISO 8601 in UTC with a Z, second precision: what certificates can express.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Format(MaterialFormat format) => format switch
    {
        MaterialFormat.Pem => "pem",
        MaterialFormat.Der => "der",
        MaterialFormat.Pkcs7 => "pkcs7",
        MaterialFormat.Pkcs12 => "pkcs12",
        MaterialFormat.Base64 => "base64",
        _ => format.ToString().ToLowerInvariant(),
    };

    public static string KeyAlgorithm(PublicKeyKind kind) => kind switch
    {
        PublicKeyKind.Rsa => "RSA",
        PublicKeyKind.EllipticCurve => "EC",
        _ => kind.ToString(),
    };

    public static string KeyAlgorithm(PrivateKeyAlgorithm algorithm) => algorithm switch
    {
        PrivateKeyAlgorithm.Rsa => "RSA",
        PrivateKeyAlgorithm.EC => "EC",
        _ => algorithm.ToString(),
    };

    /// <summary>Where "now" falls in a validity period, for an operator's first glance.</summary>
    public static string ValidityState(DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now) =>
        now < notBefore ? "not yet valid" : now > notAfter ? "expired" : "valid now";
}
