using System.Text;

namespace IoTCerts.Issuance;

/// <summary>
/// The <c>renewals.txt</c> file next to the index: one line per renewal, "serial TAB renewed serial". It lives beside
/// <c>index.txt</c> rather than in it so the index stays exactly what <c>openssl ca</c> reads and writes. Lines whose
/// serial the index does not list (a crash before the index commit) are ignored.
/// </summary>
internal static class RenewalIndex
{
    public static Dictionary<string, string> Parse(string text, string sourceName)
    {
        var renewals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (lineNumber, fields) in OpenSslIndex.TabSeparatedLines(text))
        {
            if (fields.Length != 2 || OpenSslIndex.NormalizeSerial(fields[0]) is not { } serial || OpenSslIndex.NormalizeSerial(fields[1]) is not { } renewed)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the renewal list '{sourceName}' is corrupt at line {lineNumber}: it is not two tab-separated hex serial numbers");
            }

            renewals[serial] = renewed;
        }

        return renewals;
    }

    public static void Attach(List<CertificateRecord> records, Dictionary<string, string> renewals)
    {
        if (renewals.Count == 0)
        {
            return;
        }

        for (var i = 0; i < records.Count; i++)
        {
            if (renewals.TryGetValue(records[i].SerialNumber, out var renewed))
            {
                records[i] = records[i] with { Renews = renewed };
            }
        }
    }

    public static string Format(IEnumerable<CertificateRecord> records)
    {
        var text = new StringBuilder();
        foreach (var r in records)
        {
            if (r.Renews is { } renewed)
            {
                text.Append(r.SerialNumber).Append('\t').Append(renewed).Append('\n');
            }
        }

        return text.ToString();
    }
}
