using System.Globalization;
using System.Numerics;

namespace IoTCerts.Issuance.PostgreSql;

/// <summary>Serials as the index writes them: upper-case hex, even length, no leading zero byte (OpenSSL style).</summary>
internal static class SerialHex
{
    public static string From(BigInteger serial)
    {
        var hex = Convert.ToHexString(serial.ToByteArray(isUnsigned: false, isBigEndian: true));
        return hex.Length > 2 && hex.StartsWith("00", StringComparison.Ordinal) ? hex[2..] : hex;
    }

    /// <summary>Parses the hex counter files of an openssl CA directory (<c>serial</c>, <c>crlnumber</c>).</summary>
    public static long ParseCounter(string text, string sourceName)
    {
        var value = text.Trim();
        if (value.Length == 0 || !BigInteger.TryParse("0" + value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the counter file '{sourceName}' does not hold a hex number below 2^63");
        }

        return (long)n;
    }
}
