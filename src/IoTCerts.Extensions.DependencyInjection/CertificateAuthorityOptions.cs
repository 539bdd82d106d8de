using IoTCerts.Issuance;
using IoTCerts.Issuance.PostgreSql;

namespace IoTCerts.Extensions.DependencyInjection;

/// <summary>Where <see cref="IoTCertsServiceCollectionExtensions.AddIoTCertsCertificateAuthority"/> opens the CA.</summary>
public sealed class CertificateAuthorityOptions
{
    /// <summary>The CA directory (a <see cref="DirectoryCaDatabase"/>, as made by <c>iotcerts ca init</c>); not needed with <see cref="PostgreSql"/>.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// The CA records on PostgreSQL (a <see cref="PostgreSqlCaDatabase"/> shared by several nodes) instead of a
    /// directory; its <see cref="PostgreSqlCaDatabaseOptions.KeyFile"/> names this node's CA key (or null for a
    /// PKCS#11 key). Set it with <see cref="UsePostgreSql"/>.
    /// </summary>
    public PostgreSqlCaDatabaseOptions? PostgreSql { get; set; }

    /// <summary>Keeps the CA records on PostgreSQL (see <see cref="PostgreSql"/>); returns these options.</summary>
    public CertificateAuthorityOptions UsePostgreSql(PostgreSqlCaDatabaseOptions database)
    {
        ArgumentNullException.ThrowIfNull(database);
        PostgreSql = database;
        return this;
    }

    /// <summary>
    /// A file whose first line is the CA key's passphrase (or the PKCS#11 PIN); none for an unencrypted key. A file,
    /// not a string, so the secret is never part of configuration dumps.
    /// </summary>
    public string? PassphraseFile { get; set; }
}
