using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// Reads the certificates or CRLs of a file with <see cref="MaterialLoader"/>: PEM (one or more blocks), DER, PKCS#7
/// or an unencrypted PKCS#12; bounded by the loader's limits. A file without the wanted kind is a "nothing-found" error.
/// </summary>
internal static class CertificateFiles
{
    /// <summary>The certificates of the file (for <c>verify</c>, <c>chain</c>, <c>identity</c>, ...).</summary>
    public static IReadOnlyList<Certificate> Read(string path) =>
        Require(path, MaterialLoader.LoadFile(path).Certificates, "the file holds no certificate");

    /// <summary>The CRLs of the file (for <c>verify --crl</c>: PEM "X509 CRL" blocks or DER).</summary>
    public static IReadOnlyList<CertificateRevocationList> ReadCrls(string path) =>
        Require(path, MaterialLoader.LoadFile(path).Crls, "the file holds no CRL (PEM X509 CRL block or DER)");

    private static IReadOnlyList<T> Require<T>(string path, IReadOnlyList<T> found, string nothing) =>
        found.Count > 0 ? found : throw new MaterialException(MaterialErrorCode.NothingFound, nothing) { SourceName = path };
}
