using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql;

public sealed partial class PostgreSqlCaDatabase
{
    /// <summary>
    /// Moves a CA directory (made by <c>iotcerts ca init</c>, possibly also used by <c>openssl ca</c>) into this empty
    /// database in one transaction: the CA certificate, issuers and settings, every index record with its certificate
    /// from <c>newcerts/</c>, every revocation and renewal link, and the <c>serial</c> and <c>crlnumber</c> counters, so
    /// sequential serials and CRL numbers continue where the directory stopped. The key stays in the directory (or
    /// token). The directory is compacted first and otherwise left as it was.
    /// </summary>
    /// <returns>How many records were moved.</returns>
    /// <exception cref="IssuanceException">This database already holds a CA and <paramref name="overwrite"/> is false, or the directory is not a CA.</exception>
    public int MigrateFrom(DirectoryCaDatabase source, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.Exists)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"'{source.Directory}' is not a CA directory (no caCert.pem and ca.conf)");
        }

        source.Compact();
        var material = source.ReadMaterial() with { KeyPem = null };
        var records = source.ReadRecords();
        var nextSerial = SerialHex.ParseCounter(ReadCounterFile(source, "serial"), "serial");
        var nextCrl = SerialHex.ParseCounter(ReadCounterFile(source, "crlnumber"), "crlnumber");
        WriteCa(material, overwrite, action: "migrate", tx =>
        {
            var now = DateTime.UtcNow;
            using (var import = tx.Connection.BeginBinaryImport($"COPY {Schema}.certificates (serial, status, not_after, revoked_at, reason, subject, common_name, renews, der) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var r in records)
                {
                    // Like 'openssl ca -updatedb': an entry past its notAfter is expired (and frees its name).
                    var status = r.Status == CertificateStatus.Valid && r.NotAfter.UtcDateTime <= now ? CertificateStatus.Expired : r.Status;
                    import.StartRow();
                    import.Write(r.SerialNumber);
                    import.Write(Transaction.StatusCode(status).ToString());
                    import.Write(r.NotAfter.UtcDateTime, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                    WriteNullable(import, r.RevokedAt?.UtcDateTime ?? (status == CertificateStatus.Revoked ? now : null));
                    if (status == CertificateStatus.Revoked)
                    {
                        import.Write((int)(r.Reason ?? X509RevocationReason.Unspecified));
                    }
                    else
                    {
                        import.WriteNull();
                    }

                    import.Write(r.Subject);
                    WriteText(import, r.CommonName);
                    WriteText(import, r.Renews);
                    var der = ReadCertificateFile(source, r.SerialNumber);
                    if (der is null)
                    {
                        import.WriteNull();
                    }
                    else
                    {
                        import.Write(der, NpgsqlTypes.NpgsqlDbType.Bytea);
                    }
                }

                import.Complete();
            }

            tx.Execute($"SELECT setval('{Schema}.serial_numbers', @n, false)", ("n", nextSerial));
            tx.Execute($"UPDATE {Schema}.counters SET value = @n WHERE name = 'crl_number'", ("n", nextCrl));
            tx.Audit("migrate", null, $"from {source.Directory}: {records.Count} records, next serial {SerialHex.From(nextSerial)}, next crlNumber {nextCrl}");
        });
        return records.Count;
    }

    private static void WriteNullable(NpgsqlBinaryImporter import, DateTime? value)
    {
        if (value is { } v)
        {
            import.Write(v, NpgsqlTypes.NpgsqlDbType.TimestampTz);
        }
        else
        {
            import.WriteNull();
        }
    }

    private static void WriteText(NpgsqlBinaryImporter import, string? value)
    {
        if (value is null)
        {
            import.WriteNull();
        }
        else
        {
            import.Write(value);
        }
    }

    private static string ReadCounterFile(DirectoryCaDatabase source, string name)
    {
        var path = Path.Combine(source.Directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : "01";
    }

    private static byte[]? ReadCertificateFile(DirectoryCaDatabase source, string serial)
    {
        var path = source.CertificatePath(serial);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            // openssl ca writes the certificate's text before the PEM block unless -notext: find the block.
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            return certificate.RawData;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the certificate file '{path}' cannot be read: {e.Message}", e);
        }
    }
}
