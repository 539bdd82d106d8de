using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql;

/// <summary>
/// A CA database on PostgreSQL, shared by several nodes (EST/OCSP servers, CLI runs) that each hold the same CA key as
/// a file or a PKCS#11 object. Every <see cref="Update{T}"/> is one short transaction: serials are unique by the
/// primary key and never handed out twice, a valid commonName is unique by a partial unique index (the renewal lineage
/// is checked under a per-name advisory lock), CRL numbers are taken under an advisory lock so they strictly increase
/// with several publishers, and each change writes an audit row. Transient failures (a lost connection, a restarting
/// server, a serialization failure) are retried a bounded number of times; everything else is an
/// <see cref="IssuanceException"/> with a code. The schema is created and migrated on first use.
/// </summary>
public sealed partial class PostgreSqlCaDatabase : ICaDatabase, IDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly PostgreSqlCaDatabaseOptions options;
    private readonly string actor;
    private int schemaReady;

    /// <summary>Creates the database object (nothing is read or written until the first call).</summary>
    /// <exception cref="IssuanceException"><see cref="PostgreSqlCaDatabaseOptions.Schema"/> is not a plain identifier, or the connection string is malformed.</exception>
    public PostgreSqlCaDatabase(PostgreSqlCaDatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!SchemaName().IsMatch(options.Schema))
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"'{options.Schema}' is not a schema name this package accepts (lower-case letters, digits and '_', at most 63)");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, "MaxAttempts must be between 1 and 100");
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"the database connection string is malformed: {e.Message}");
        }

        if (options.PasswordFile is { } file)
        {
            connection.Password = ReadPasswordFile(file);
        }
        else if (string.IsNullOrEmpty(connection.Password) && Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password)
        {
            connection.Password = password;
        }

        connection.CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        connection.ApplicationName ??= "iotcerts";
        this.options = options;
        Name = $"postgresql://{connection.Host}:{connection.Port}/{connection.Database} (schema {options.Schema})";
        actor = options.Actor ?? $"{Environment.UserName}@{Environment.MachineName}:{Environment.ProcessId}";

        // The slim builder leaves out the reflection-based type mappings: trim/AOT-safe, so the native CLI keeps --database.
        var builder = new NpgsqlSlimDataSourceBuilder(connection.ConnectionString);
        builder.EnableArrays();
        dataSource = builder.Build();
    }

    /// <summary>The schema version this release reads and writes.</summary>
    public static int SchemaVersion => CaSchema.CurrentVersion;

    /// <inheritdoc/>
    /// <remarks>The server, database and schema; never the password.</remarks>
    public string Name { get; }

    /// <summary>The PostgreSQL schema holding this CA.</summary>
    public string Schema => options.Schema;

    /// <inheritdoc/>
    public bool Exists => Run(connection =>
    {
        using var command = new NpgsqlCommand($"SELECT to_regclass('{Schema}.ca') IS NOT NULL AND EXISTS (SELECT 1 FROM {Schema}.ca)", connection);
        try
        {
            return (bool)command.ExecuteScalar()!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    });

    /// <summary>
    /// Creates or migrates the schema (idempotent; safe when several nodes call it at once) and returns the versions
    /// this call applied (empty when the schema was current). Every other member calls it on first use.
    /// </summary>
    public IReadOnlyList<int> EnsureSchema()
    {
        var applied = Retry(() => CaSchema.Migrate(dataSource, Schema), committing: false);
        Volatile.Write(ref schemaReady, 1);
        return applied;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The key (when <see cref="CaMaterial.KeyPem"/> is set) goes to <see cref="PostgreSqlCaDatabaseOptions.KeyFile"/>,
    /// never into the database; the certificate, issuers and settings go into the database.
    /// </remarks>
    public void Initialize(CaMaterial material, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(material);
        if (material.KeyPem is { } pem)
        {
            var keyFile = options.KeyFile ?? throw new IssuanceException(IssuanceErrorCode.InvalidOption, "a PostgreSQL CA database keeps no private key: set KeyFile to the file that holds this node's CA key");
            if (!IoTCerts.Core.AtomicFile.TryWriteText(keyFile, pem.TrimEnd() + "\n", IoTCerts.Core.AtomicFile.SecretMode, overwrite))
            {
                throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"the key file '{keyFile}' already exists (use --force to replace it)");
            }
        }

        WriteCa(material, overwrite, action: "init", tx => { });
    }

    /// <inheritdoc/>
    public CaMaterial ReadMaterial()
    {
        EnsureSchemaOnce();
        var material = Run(connection =>
        {
            using var command = new NpgsqlCommand($"SELECT certificate, issuer_chain, serial_mode, crl_url, ca_issuers_url, ocsp_url, key_uri FROM {Schema}.ca", connection);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the CA database {Name} holds no CA (run 'iotcerts ca init --database' or 'iotcerts ca migrate' first)");
            }

            return new CaMaterial
            {
                Certificate = reader.GetFieldValue<byte[]>(0),
                IssuerChain = SplitChain(reader.GetFieldValue<byte[]>(1)),
                Settings = new CaSettings
                {
                    SerialNumbers = reader.GetString(2) == "sequential" ? SerialNumberMode.Sequential : SerialNumberMode.Random,
                    CrlDistributionPoint = reader.IsDBNull(3) ? null : new Uri(reader.GetString(3)),
                    CaIssuersUrl = reader.IsDBNull(4) ? null : new Uri(reader.GetString(4)),
                    OcspUrl = reader.IsDBNull(5) ? null : new Uri(reader.GetString(5)),
                    KeyUri = reader.IsDBNull(6) ? null : reader.GetString(6),
                },
            };
        });
        if (material.Settings.KeyUri is null && options.KeyFile is { } keyFile)
        {
            try
            {
                material = material with { KeyPem = File.ReadAllText(keyFile) };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"this node's CA key file '{keyFile}' cannot be read: {e.Message}", e);
            }
        }

        return material;
    }

    /// <inheritdoc/>
    public IReadOnlyList<CertificateRecord> ReadRecords()
    {
        EnsureSchemaOnce();
        return Run(connection => Transaction.Query(connection, null, $"SELECT {Transaction.Columns} FROM {Schema}.certificates ORDER BY seq"));
    }

    /// <summary>The stored DER of the certificate with <paramref name="serialNumber"/> (upper-case hex), or null.</summary>
    public byte[]? ReadCertificate(string serialNumber)
    {
        ArgumentNullException.ThrowIfNull(serialNumber);
        EnsureSchemaOnce();
        return Run(connection =>
        {
            using var command = new NpgsqlCommand($"SELECT der FROM {Schema}.certificates WHERE serial = @s", connection);
            command.Parameters.AddWithValue("s", serialNumber);
            return command.ExecuteScalar() is byte[] der ? der : null;
        });
    }

    /// <summary>The next sequential serial and the next CRL number (what <c>serial</c> and <c>crlnumber</c> hold in an openssl directory).</summary>
    public (long NextSerial, long NextCrlNumber) ReadCounters()
    {
        EnsureSchemaOnce();
        return Run(connection =>
        {
            using var command = new NpgsqlCommand($"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END, (SELECT value FROM {Schema}.counters WHERE name = 'crl_number') FROM {Schema}.serial_numbers", connection);
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.GetInt64(1));
        });
    }

    /// <inheritdoc/>
    public T Update<T>(Func<ICaDatabaseTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureSchemaOnce();
        return InTransaction(tx => work(tx));
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => dataSource.Dispose();

    internal T InTransaction<T>(Func<Transaction, T> work)
    {
        var committing = false;
        return Retry(
            () =>
            {
                committing = false;
                using var connection = dataSource.OpenConnection();
                using var npgsqlTransaction = connection.BeginTransaction();
                var tx = new Transaction(connection, npgsqlTransaction, Schema, actor);
                var result = work(tx);
                committing = true;
                npgsqlTransaction.Commit();
                return result;
            },
            () => committing);
    }

    private void WriteCa(CaMaterial material, bool overwrite, string action, Action<Transaction> more)
    {
        EnsureSchemaOnce();
        InTransaction(tx =>
        {
            tx.Execute($"SELECT pg_advisory_xact_lock(hashtext('iotcerts-init:{Schema}'))");
            if (tx.Scalar<long>($"SELECT count(*) FROM {Schema}.ca") > 0)
            {
                if (!overwrite)
                {
                    throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"the CA database {Name} already holds a CA (use --force to replace it)");
                }

                tx.Execute($"DELETE FROM {Schema}.ca; DELETE FROM {Schema}.certificates; UPDATE {Schema}.counters SET value = 1; SELECT setval('{Schema}.serial_numbers', 1, false)");
            }

            var s = material.Settings;
            tx.Execute(
                $"INSERT INTO {Schema}.ca (id, certificate, issuer_chain, serial_mode, crl_url, ca_issuers_url, ocsp_url, key_uri) VALUES (1, @c, @i, @m, @crl, @aia, @ocsp, @key)",
                ("c", material.Certificate),
                ("i", JoinChain(material.IssuerChain)),
                ("m", s.SerialNumbers == SerialNumberMode.Sequential ? "sequential" : "random"),
                ("crl", (object?)s.CrlDistributionPoint?.AbsoluteUri ?? DBNull.Value),
                ("aia", (object?)s.CaIssuersUrl?.AbsoluteUri ?? DBNull.Value),
                ("ocsp", (object?)s.OcspUrl?.AbsoluteUri ?? DBNull.Value),
                ("key", (object?)(s.KeyUri is { } uri ? IoTCerts.Core.Pkcs11Key.WithoutPin(uri) : null) ?? DBNull.Value));
            tx.Audit(action, null, "subject " + new System.Security.Cryptography.X509Certificates.X500DistinguishedName(SubjectOf(material.Certificate)).Name);
            more(tx);
            return 0;
        });
    }

    private static byte[] SubjectOf(byte[] certificate)
    {
        using var c = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate);
        return c.SubjectName.RawData;
    }

    private void EnsureSchemaOnce()
    {
        if (Volatile.Read(ref schemaReady) == 0)
        {
            EnsureSchema();
        }
    }

    private T Run<T>(Func<NpgsqlConnection, T> query) => Retry(
        () =>
        {
            using var connection = dataSource.OpenConnection();
            return query(connection);
        },
        committing: false);

    private T Retry<T>(Func<T> attempt, bool committing) => Retry(attempt, () => committing);

    // Bounded retries with exponential backoff and jitter, for failures that a later attempt can fix. A connection lost
    // while committing is not retried: the transaction may have committed, and issuing again would issue twice.
    private T Retry<T>(Func<T> attempt, Func<bool> committing)
    {
        for (var n = 1; ; n++)
        {
            try
            {
                return attempt();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "certificates_valid_common_name")
            {
                throw new IssuanceException(IssuanceErrorCode.PolicyViolation, "the commonName is already used by a valid certificate of this CA (another node issued it at the same time): revoke it first or choose another name (signing policy: commonName unique)", e);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "certificates_pkey" && n < options.MaxAttempts)
            {
                // A random serial that another node took at the same instant: a fresh attempt draws new serials.
            }
            catch (Exception e) when (IsTransient(e) && !committing() && n < options.MaxAttempts)
            {
                Thread.Sleep(Backoff(n));
            }
            catch (Exception e) when (IsTransient(e))
            {
                var outcome = committing()
                    ? "the connection broke while committing, so the last change may or may not have been recorded (check with 'iotcerts ca list' before retrying)"
                    : $"gave up after {n} attempt(s)";
                throw new IssuanceException(IssuanceErrorCode.StoreUnavailable, $"the CA database {Name} is unavailable: {Describe(e)}; {outcome}", e);
            }
            catch (PostgresException e) when (e.SqlState.StartsWith("28", StringComparison.Ordinal) || e.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreUnavailable, $"the CA database {Name} refused the connection: {e.MessageText} (SQLSTATE {e.SqlState})", e);
            }
            catch (PostgresException e)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the CA database {Name} refused a change: {e.MessageText} (SQLSTATE {e.SqlState})", e);
            }
            catch (NpgsqlException e)
            {
                throw new IssuanceException(IssuanceErrorCode.StoreUnavailable, $"the CA database {Name} is unavailable: {Describe(e)}", e);
            }
        }
    }

    internal static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => p.IsTransient || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.CrashShutdown,
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        TimeoutException => true,
        _ => false,
    };

    private TimeSpan Backoff(int attempt)
    {
        var delay = options.RetryDelay * Math.Pow(2, attempt - 1);
        if (delay > TimeSpan.FromSeconds(2))
        {
            delay = TimeSpan.FromSeconds(2);
        }

        return delay * (0.5 + (RandomNumberGenerator.GetInt32(1000) / 1000.0));
    }

    private static string Describe(Exception e) => e switch
    {
        PostgresException p => $"{p.MessageText} (SQLSTATE {p.SqlState})",
        _ when e.InnerException is { } inner => $"{e.Message} ({inner.Message})",
        _ => e.Message,
    };

    private static string ReadPasswordFile(string file)
    {
        try
        {
            using var reader = new StreamReader(file);
            return reader.ReadLine() ?? string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"the database password file '{file}' cannot be read: {e.Message}", e);
        }
    }

    // The issuers as concatenated DER (each certificate is self-delimiting); no array type needed.
    private static byte[] JoinChain(IReadOnlyList<byte[]> chain)
    {
        using var buffer = new MemoryStream();
        foreach (var c in chain)
        {
            buffer.Write(c);
        }

        return buffer.ToArray();
    }

    private static List<byte[]> SplitChain(byte[] joined)
    {
        var chain = new List<byte[]>();
        var rest = joined.AsMemory();
        while (!rest.IsEmpty)
        {
            var reader = new System.Formats.Asn1.AsnReader(rest, System.Formats.Asn1.AsnEncodingRules.DER);
            var one = reader.ReadEncodedValue();
            chain.Add(one.ToArray());
            rest = rest[one.Length..];
        }

        return chain;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
