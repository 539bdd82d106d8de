using Npgsql;

namespace IoTCerts.Issuance.PostgreSql;

/// <summary>
/// The versioned schema. Each step runs once, in its own transaction, under a transaction-scoped advisory lock, so two
/// nodes starting at once migrate it once (the second waits, then sees the new version and does nothing).
/// </summary>
internal static class CaSchema
{
    /// <summary>The schema version this code reads and writes.</summary>
    public const int CurrentVersion = 2;

    // Version 1: the CA, the index (serials unique by the primary key), the counters; version 2: the renewal index and
    // the audit rows. Old steps never change: a database made by an older release is moved forward by the later ones.
    private static readonly string[] Steps =
    [
        """
        CREATE TABLE {0}.ca (
            id int PRIMARY KEY CHECK (id = 1),
            certificate bytea NOT NULL,
            issuer_chain bytea NOT NULL,
            serial_mode text NOT NULL CHECK (serial_mode IN ('random', 'sequential')),
            crl_url text, ca_issuers_url text, ocsp_url text, key_uri text,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE {0}.certificates (
            seq bigserial NOT NULL UNIQUE,
            serial text PRIMARY KEY CHECK (serial ~ '^[0-9A-F]+$'),
            status char(1) NOT NULL CHECK (status IN ('V', 'R', 'E')),
            not_after timestamptz NOT NULL,
            revoked_at timestamptz,
            reason int,
            subject text NOT NULL,
            common_name text,
            renews text,
            der bytea,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            CHECK ((status = 'R') = (revoked_at IS NOT NULL)));
        CREATE INDEX certificates_common_name ON {0}.certificates (common_name);
        CREATE INDEX certificates_revoked ON {0}.certificates (seq) WHERE status = 'R';
        -- R-61: two valid first certificates of a device never share a commonName. A renewal (renews set) may share it
        -- with its lineage; the issuer checks that under a per-name advisory lock.
        CREATE UNIQUE INDEX certificates_valid_common_name ON {0}.certificates (common_name) WHERE status = 'V' AND renews IS NULL;
        CREATE TABLE {0}.counters (name text PRIMARY KEY, value bigint NOT NULL CHECK (value > 0));
        INSERT INTO {0}.counters (name, value) VALUES ('crl_number', 1);
        -- Sequential serials: a sequence hands a value out once, even when the transaction that took it rolls back.
        CREATE SEQUENCE {0}.serial_numbers AS bigint MINVALUE 1 START 1;
        """,
        """
        CREATE INDEX certificates_renews ON {0}.certificates (renews) WHERE renews IS NOT NULL;
        CREATE TABLE {0}.audit (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            actor text NOT NULL,
            database_user text NOT NULL DEFAULT session_user,
            action text NOT NULL CHECK (action IN ('init', 'issue', 'revoke', 'crl', 'migrate')),
            serial text,
            detail text);
        """,
    ];

    /// <summary>Brings the schema to <paramref name="targetVersion"/>; returns the versions this call applied.</summary>
    public static IReadOnlyList<int> Migrate(NpgsqlDataSource dataSource, string schema, int targetVersion = CurrentVersion)
    {
        using var connection = dataSource.OpenConnection();
        using var tx = connection.BeginTransaction();
        Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtext(@key))", ("key", "iotcerts-schema:" + schema));
        Execute(connection, tx, $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_version (
                version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT session_user);
            """);
        var current = ReadVersion(connection, tx, schema);
        if (current > CurrentVersion)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the CA database schema '{schema}' has version {current}; this release reads versions up to {CurrentVersion} (upgrade every node)");
        }

        var applied = new List<int>();
        for (var version = current + 1; version <= targetVersion; version++)
        {
            Execute(connection, tx, string.Format(System.Globalization.CultureInfo.InvariantCulture, Steps[version - 1], schema));
            Execute(connection, tx, $"INSERT INTO {schema}.schema_version (version) VALUES (@v)", ("v", version));
            applied.Add(version);
        }

        tx.Commit();
        return applied;
    }

    public static int ReadVersion(NpgsqlConnection connection, NpgsqlTransaction? tx, string schema)
    {
        using var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_version", connection, tx);
        return (int)command.ExecuteScalar()!;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
