using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// Reads the certificates of a file for <c>verify</c> with <see cref="MaterialLoader"/>: PEM (one or more blocks),
/// DER, PKCS#7 or an unencrypted PKCS#12; bounded by the loader's limits.
/// </summary>
internal static class CertificateFiles
{
    public static IReadOnlyList<Certificate> Read(string path)
    {
        var material = MaterialLoader.LoadFile(path);
        return material.Certificates.Count > 0
            ? material.Certificates
            : throw new MaterialException(MaterialErrorCode.NothingFound, "the file holds no certificate") { SourceName = path };
    }
}
