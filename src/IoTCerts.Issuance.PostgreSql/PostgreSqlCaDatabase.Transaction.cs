using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql;

public sealed partial class PostgreSqlCaDatabase
{
    /// <summary>One PostgreSQL transaction (read committed); every read sees this transaction's own changes.</summary>
    internal sealed class Transaction(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, string actor) : ICaDatabaseTransaction
    {
        public const string Columns = "serial, status, not_after, revoked_at, reason, subject, renews";

        /// <summary>Every record; the CA itself asks for it only through the lookups below.</summary>
        public IReadOnlyList<CertificateRecord> Records => Query(connection, transaction, $"SELECT {Columns} FROM {schema}.certificates ORDER BY seq");

        public bool IsSerialUsed(string serialNumber) =>
            Scalar<bool>($"SELECT EXISTS (SELECT 1 FROM {schema}.certificates WHERE serial = @s)", ("s", serialNumber));

        public BigInteger TakeSequentialSerial()
        {
            // The sequence never hands a value out twice (not even after a rollback); values already in the index (a
            // migrated database) are skipped.
            while (true)
            {
                var next = Scalar<long>($"SELECT nextval('{schema}.serial_numbers')");
                if (!IsSerialUsed(SerialHex.From(next)))
                {
                    return next;
                }
            }
        }

        public BigInteger TakeCrlNumber()
        {
            // Several publishers: the advisory lock holds until this transaction ends, so CRLs are built one at a time,
            // each sees every revocation committed before it, and their numbers increase in the order they are published.
            Execute($"SELECT pg_advisory_xact_lock(hashtext('iotcerts-crl:{schema}'))");
            var number = Scalar<long>($"UPDATE {schema}.counters SET value = value + 1 WHERE name = 'crl_number' RETURNING value - 1");
            Audit("crl", null, "crlNumber " + number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return number;
        }

        public void AddIssued(CertificateRecord record, ReadOnlyMemory<byte> certificate)
        {
            ArgumentNullException.ThrowIfNull(record);
            using var batch = new NpgsqlBatch(connection, transaction);
            var insert = new NpgsqlBatchCommand($"INSERT INTO {schema}.certificates (serial, status, not_after, revoked_at, reason, subject, common_name, renews, der) VALUES (@s, @st, @na, @ra, @r, @sub, @cn, @ren, @der)");
            insert.Parameters.AddWithValue("s", record.SerialNumber);
            insert.Parameters.AddWithValue("st", StatusCode(record.Status));
            insert.Parameters.AddWithValue("na", record.NotAfter.UtcDateTime);
            insert.Parameters.AddWithValue("ra", record.RevokedAt is { } at ? at.UtcDateTime : DBNull.Value);
            insert.Parameters.AddWithValue("r", record.Reason is { } reason ? (int)reason : DBNull.Value);
            insert.Parameters.AddWithValue("sub", record.Subject);
            insert.Parameters.AddWithValue("cn", (object?)record.CommonName ?? DBNull.Value);
            insert.Parameters.AddWithValue("ren", (object?)record.Renews ?? DBNull.Value);
            insert.Parameters.AddWithValue("der", certificate.IsEmpty ? DBNull.Value : certificate.ToArray());
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(AuditCommand("issue", record.SerialNumber, record.Subject));
            batch.ExecuteNonQuery();
        }

        public void MarkRevoked(string serialNumber, DateTimeOffset revokedAt, X509RevocationReason reason)
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(revokedAt.ToUnixTimeSeconds());
            var changed = Scalar<long>(
                $"WITH u AS (UPDATE {schema}.certificates SET status = 'R', revoked_at = @at, reason = @r WHERE serial = @s AND status <> 'R' RETURNING 1) SELECT count(*) FROM u",
                ("at", at.UtcDateTime), ("r", (int)reason), ("s", serialNumber));
            if (changed == 0)
            {
                throw IsSerialUsed(serialNumber)
                    ? new IssuanceException(IssuanceErrorCode.AlreadyRevoked, $"the certificate with serial {serialNumber} is already revoked")
                    : new IssuanceException(IssuanceErrorCode.UnknownSerial, $"this CA did not issue a certificate with serial {serialNumber}");
            }

            Audit("revoke", serialNumber, "reason " + reason);
        }

        public CertificateRecord? FindRecord(string serialNumber) =>
            Query(connection, transaction, $"SELECT {Columns} FROM {schema}.certificates WHERE serial = @s", ("s", serialNumber)) is [var record] ? record : null;

        public IReadOnlyList<CertificateRecord> RecordsNamed(IReadOnlyCollection<string> commonNames)
        {
            ArgumentNullException.ThrowIfNull(commonNames);
            var names = commonNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

            // Issuers of the same name wait for each other until commit (locks taken in one order: no deadlock), so the
            // lineage rule the unique index cannot express is checked against committed data.
            Execute($"SELECT pg_advisory_xact_lock(hashtext('iotcerts-cn:{schema}:' || n)) FROM (SELECT n FROM unnest(@names) AS n ORDER BY n) AS ordered", ("names", names));

            // Like 'openssl ca -updatedb': a certificate past its notAfter is marked expired, which frees its name in
            // the partial unique index.
            Execute($"UPDATE {schema}.certificates SET status = 'E' WHERE common_name = ANY(@names) AND status = 'V' AND not_after <= now()", ("names", names));
            return Query(connection, transaction, $"SELECT {Columns} FROM {schema}.certificates WHERE common_name = ANY(@names) ORDER BY seq", ("names", names));
        }

        public IReadOnlyList<CertificateRecord> RevokedRecords() =>
            Query(connection, transaction, $"SELECT {Columns} FROM {schema}.certificates WHERE status = 'R' ORDER BY seq");

        public void Audit(string action, string? serial, string? detail)
        {
            using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(AuditCommand(action, serial, detail));
            batch.ExecuteNonQuery();
        }

        public void Execute(string sql, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, parameters);
            command.ExecuteNonQuery();
        }

        public T Scalar<T>(string sql, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, parameters);
            return (T)command.ExecuteScalar()!;
        }

        public NpgsqlConnection Connection => connection;

        public NpgsqlTransaction NpgsqlTransaction => transaction;

        internal static List<CertificateRecord> Query(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
        {
            using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            var records = new List<CertificateRecord>();
            while (reader.Read())
            {
                var status = reader.GetChar(1) switch
                {
                    'V' => CertificateStatus.Valid,
                    'R' => CertificateStatus.Revoked,
                    _ => CertificateStatus.Expired,
                };
                records.Add(new CertificateRecord(
                    reader.GetString(0),
                    status,
                    new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero),
                    reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero),
                    reader.IsDBNull(4) ? null : (X509RevocationReason)reader.GetInt32(4),
                    reader.GetString(5))
                {
                    Renews = reader.IsDBNull(6) ? null : reader.GetString(6),
                });
            }

            return records;
        }

        internal static char StatusCode(CertificateStatus status) => status switch
        {
            CertificateStatus.Valid => 'V',
            CertificateStatus.Revoked => 'R',
            _ => 'E',
        };

        private NpgsqlBatchCommand AuditCommand(string action, string? serial, string? detail)
        {
            var command = new NpgsqlBatchCommand($"INSERT INTO {schema}.audit (actor, action, serial, detail) VALUES (@a, @act, @s, @d)");
            command.Parameters.AddWithValue("a", actor);
            command.Parameters.AddWithValue("act", action);
            command.Parameters.AddWithValue("s", (object?)serial ?? DBNull.Value);
            command.Parameters.AddWithValue("d", (object?)detail ?? DBNull.Value);
            return command;
        }

        private NpgsqlCommand Command(string sql, (string Name, object Value)[] parameters)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return command;
        }
    }
}
