namespace IoTCerts.Issuance.PostgreSql;

/// <summary>Where a <see cref="PostgreSqlCaDatabase"/> keeps its records, where this node's CA key is, and how failures are retried.</summary>
public sealed class PostgreSqlCaDatabaseOptions
{
    /// <summary>
    /// The Npgsql connection string (<c>Host=db;Port=5432;Database=ca;Username=iotcerts</c>). Put no password in it: use
    /// <see cref="PasswordFile"/> or the <c>PGPASSWORD</c> environment variable, so the secret is never part of a command
    /// line or a configuration dump.
    /// </summary>
    public required string ConnectionString { get; init; }

    /// <summary>A file whose first line is the database password; null to use <c>PGPASSWORD</c> (or no password).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>The PostgreSQL schema holding this CA's tables (one CA per schema); <c>iotcerts</c> by default.</summary>
    public string Schema { get; init; } = "iotcerts";

    /// <summary>
    /// This node's CA key file (PKCS#8 PEM, possibly encrypted): the key never goes into the database. Null when the key
    /// is a PKCS#11 object (its URI is in the CA settings) — every node then reaches the same token or HSM.
    /// </summary>
    public string? KeyFile { get; init; }

    /// <summary>Who the audit rows name as the actor; null for <c>user@host:pid</c> of this process.</summary>
    public string? Actor { get; init; }

    /// <summary>How many times one transaction is tried when it fails transiently (connection lost, server restarting, serialization failure); 5 by default.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first retry delay; each further retry doubles it (up to 2 seconds), with jitter. 100 ms by default.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The timeout of each SQL command; 30 seconds by default.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
