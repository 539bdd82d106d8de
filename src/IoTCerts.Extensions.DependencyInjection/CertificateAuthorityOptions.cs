using IoTCerts.Issuance;

namespace IoTCerts.Extensions.DependencyInjection;

/// <summary>Where <see cref="IoTCertsServiceCollectionExtensions.AddIoTCertsCertificateAuthority"/> opens the CA.</summary>
public sealed class CertificateAuthorityOptions
{
    /// <summary>The CA directory (a <see cref="DirectoryCaDatabase"/>, as made by <c>iotcerts ca init</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// A file whose first line is the CA key's passphrase (or the PKCS#11 PIN); none for an unencrypted key. A file,
    /// not a string, so the secret is never part of configuration dumps.
    /// </summary>
    public string? PassphraseFile { get; set; }
}
