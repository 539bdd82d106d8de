using System.Globalization;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>
/// The text files of an <c>openssl ca</c> directory: the index (<c>index.txt</c>/<c>database.txt</c>: status,
/// expiry, revocation, serial, file name, subject, separated by tabs) and the hex counters <c>serial</c> and <c>crlnumber</c>.
/// </summary>
internal static class OpenSslIndex
{
    public const long MaxIndexBytes = 256L * 1024 * 1024;

    /// <summary>The non-empty lines of an OpenSSL-style text file (LF or CRLF), numbered from 1, split at tabs.</summary>
    internal static IEnumerable<(int LineNumber, string[] Fields)> TabSeparatedLines(string text)
    {
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length > 0)
            {
                yield return (lineNumber, line.Split('\t'));
            }
        }
    }

    public static List<CertificateRecord> Parse(string text, string sourceName)
    {
        var records = new List<CertificateRecord>();
        foreach (var (lineNumber, fields) in TabSeparatedLines(text))
        {
            if (fields.Length < 6)
            {
                throw Corrupt(sourceName, lineNumber, "it does not have 6 tab-separated fields");
            }

            var status = fields[0] switch
            {
                "V" => CertificateStatus.Valid,
                "R" => CertificateStatus.Revoked,
                "E" => CertificateStatus.Expired,
                _ => throw Corrupt(sourceName, lineNumber, $"'{fields[0]}' is not a status (V, R or E)"),
            };
            var notAfter = ParseTime(fields[1]) ?? throw Corrupt(sourceName, lineNumber, "the expiry date is not YYMMDDHHMMSSZ");
            DateTimeOffset? revokedAt = null;
            X509RevocationReason? reason = null;
            if (fields[2].Length > 0)
            {
                var parts = fields[2].Split(',');
                revokedAt = ParseTime(parts[0]) ?? throw Corrupt(sourceName, lineNumber, "the revocation date is not YYMMDDHHMMSSZ");
                reason = parts.Length > 1 ? ParseReason(parts[1]) : X509RevocationReason.Unspecified;
            }

            var serial = NormalizeSerial(fields[3]) ?? throw Corrupt(sourceName, lineNumber, $"'{fields[3]}' is not a hex serial number");
            records.Add(new CertificateRecord(serial, status, notAfter, revokedAt, reason, string.Join('\t', fields.Skip(5))));
        }

        return records;
    }

    public static string Format(IEnumerable<CertificateRecord> records)
    {
        var text = new StringBuilder();
        foreach (var r in records)
        {
            text.Append(r.Status switch { CertificateStatus.Revoked => 'R', CertificateStatus.Expired => 'E', _ => 'V' }).Append('\t');
            text.Append(FormatTime(r.NotAfter)).Append('\t');
            if (r.RevokedAt is { } at)
            {
                text.Append(FormatTime(at));
                if (r.Reason is { } reason and not X509RevocationReason.Unspecified)
                {
                    text.Append(',').Append(reason.ToOpenSslName());
                }
            }

            text.Append('\t').Append(r.SerialNumber).Append("\tunknown\t").Append(r.Subject).Append('\n');
        }

        return text.ToString();
    }

    // OpenSSL writes UTCTime (YYMMDDHHMMSSZ) up to 2049 and GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050 (RFC 5280 4.1.2.5).
    public static string FormatTime(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return utc.Year < 2050
            ? utc.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z"
            : utc.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
    }

    public static DateTimeOffset? ParseTime(string text)
    {
        if (text.Length == 13 && DateTime.TryParseExact(text, "yyMMddHHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
        {
            // RFC 5280: two-digit years 50..99 are 19xx; .NET's two-digit window differs, so fix it explicitly.
            var yy = int.Parse(text.AsSpan(0, 2), CultureInfo.InvariantCulture);
            var year = yy >= 50 ? 1900 + yy : 2000 + yy;
            return new DateTimeOffset(new DateTime(year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc));
        }

        if (text.Length == 15 && DateTime.TryParseExact(text, "yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var general))
        {
            return new DateTimeOffset(general, TimeSpan.Zero);
        }

        return null;
    }

    /// <summary>Upper-case hex, leading zero bytes removed but an even number of digits, as OpenSSL prints serials.</summary>
    public static string? NormalizeSerial(string text)
    {
        var hex = text.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        hex = hex.Replace(":", string.Empty, StringComparison.Ordinal);
        if (hex.Length is 0 or > 80 || !hex.All(Uri.IsHexDigit))
        {
            return null;
        }

        hex = hex.TrimStart('0').ToUpperInvariant();
        if (hex.Length == 0)
        {
            hex = "00";
        }

        return hex.Length % 2 == 1 ? "0" + hex : hex;
    }

    public static string SerialToHex(BigInteger serial) =>
        NormalizeSerial(Convert.ToHexString(serial.ToByteArray(isUnsigned: true, isBigEndian: true)))!;

    public static BigInteger ParseCounter(string text, string sourceName)
    {
        var hex = NormalizeSerial(text.Trim());
        if (hex is null)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the counter file '{sourceName}' does not hold a hex number");
        }

        return new BigInteger(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
    }

    private static X509RevocationReason ParseReason(string name)
    {
        try
        {
            return RevocationReasonNames.Parse(name);
        }
        catch (IssuanceException)
        {
            return X509RevocationReason.Unspecified;
        }
    }

    private static IssuanceException Corrupt(string sourceName, int line, string detail) =>
        new(IssuanceErrorCode.StoreCorrupt, $"the CA index '{sourceName}' is corrupt at line {line}: {detail}");
}
