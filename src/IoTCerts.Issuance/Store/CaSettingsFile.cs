using System.Text;

namespace IoTCerts.Issuance;

/// <summary>The <c>ca.conf</c> file of a directory CA database: serial mode, URLs and token key URI as <c>key = value</c> lines.</summary>
internal static class CaSettingsFile
{
    public static string Format(CaSettings settings)
    {
        var text = new StringBuilder("# IoTCerts CA settings\nformat = 1\n");
        text.Append("serial-mode = ").Append(settings.SerialNumbers == SerialNumberMode.Sequential ? "sequential" : "random").Append('\n');
        if (settings.CrlDistributionPoint is { } crl)
        {
            text.Append("crl-url = ").Append(crl.AbsoluteUri).Append('\n');
        }

        if (settings.CaIssuersUrl is { } aia)
        {
            text.Append("ca-issuers-url = ").Append(aia.AbsoluteUri).Append('\n');
        }

        if (settings.OcspUrl is { } ocsp)
        {
            text.Append("ocsp-url = ").Append(ocsp.AbsoluteUri).Append('\n');
        }

        if (settings.KeyUri is { } uri)
        {
            text.Append("key-uri = ").Append(IoTCerts.Core.Pkcs11Key.WithoutPin(uri)).Append('\n');
        }

        return text.ToString();
    }

    public static CaSettings Parse(string text)
    {
        var settings = new CaSettings();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw DirectoryCaDatabase.Corrupt($"'{DirectoryCaDatabase.SettingsFile}' has a line without '='");
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            settings = key switch
            {
                "format" => value == "1" ? settings : throw DirectoryCaDatabase.Corrupt($"'{DirectoryCaDatabase.SettingsFile}' has format {value}, this version reads format 1"),
                "serial-mode" => settings with { SerialNumbers = value == "sequential" ? SerialNumberMode.Sequential : SerialNumberMode.Random },
                "crl-url" => settings with { CrlDistributionPoint = new Uri(value) },
                "ca-issuers-url" => settings with { CaIssuersUrl = new Uri(value) },
                "ocsp-url" => settings with { OcspUrl = new Uri(value) },
                "key-uri" => settings with { KeyUri = value },
                _ => settings,
            };
        }

        return settings;
    }
}
