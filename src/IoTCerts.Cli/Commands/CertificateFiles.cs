using System.Security.Cryptography;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// Reads the certificates of a PEM (one or more CERTIFICATE blocks) or DER file for <c>verify</c>.
/// Bounded: files above 4 MiB or with more than 1,000 certificates are refused.
/// </summary>
internal static class CertificateFiles
{
    private const long MaxFileSize = 4 * 1024 * 1024;
    private const int MaxCertificates = 1000;

    public static List<Certificate> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new MaterialException(MaterialErrorCode.FileNotFound) { SourceName = path };
        }

        if (new FileInfo(path).Length > MaxFileSize)
        {
            throw new MaterialException(MaterialErrorCode.InputTooLarge, "the file is larger than 4 MiB") { SourceName = path };
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
        {
            throw new MaterialException(MaterialErrorCode.Empty) { SourceName = path };
        }

        try
        {
            return bytes[0] == 0x30 ? [Certificate.Parse(bytes)] : ReadPem(System.Text.Encoding.ASCII.GetString(bytes));
        }
        catch (MaterialException ex)
        {
            throw ex.WithSource(path);
        }
    }

    private static List<Certificate> ReadPem(string text)
    {
        var certificates = new List<Certificate>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                if (certificates.Count == MaxCertificates)
                {
                    throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the file holds more than {MaxCertificates} certificates");
                }

                var der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written))
                {
                    throw new MaterialException(MaterialErrorCode.Malformed, "a PEM certificate block is not valid base64");
                }

                certificates.Add(Certificate.Parse(der.AsMemory(0, written)));
            }

            rest = rest[fields.Location.End..];
        }

        return certificates.Count > 0
            ? certificates
            : throw new MaterialException(MaterialErrorCode.NothingFound, "the file holds no certificate (PEM CERTIFICATE block or DER)");
    }
}
