using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary>Reads the CRLs of a file for <c>verify --crl</c> (PEM "X509 CRL" blocks or DER, through the bounded loader).</summary>
internal static class RevocationFiles
{
    public static IReadOnlyList<CertificateRevocationList> ReadCrls(string path)
    {
        var material = MaterialLoader.LoadFile(path);
        return material.Crls.Count > 0
            ? material.Crls
            : throw new MaterialException(MaterialErrorCode.NothingFound, "the file holds no CRL (PEM X509 CRL block or DER)") { SourceName = path };
    }
}
