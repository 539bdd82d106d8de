using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>
/// The default CA database: a directory laid out like an <c>openssl ca</c> directory, so OpenSSL can read it too —
/// <c>caCert.pem</c>, <c>caKey.pem</c> (encrypted PKCS#8, 0600), <c>chain.pem</c> (issuers above the CA),
/// <c>index.txt</c>, <c>serial</c>, <c>crlnumber</c>, <c>newcerts/SERIAL.pem</c>, plus <c>ca.conf</c> (settings),
/// <c>ca.lock</c> and <c>index.journal</c>. Every change happens under an exclusive lock and is committed by appending
/// one checksummed line to the journal (one flush per transaction, nothing else written); <see cref="Compact"/> folds
/// the journal into the OpenSSL files (index, counters and the <c>newcerts/</c> copies of the certificates) from time to
/// time. A crash at any instant is safe: a certificate file appears only at compaction and only for a record the
/// journal holds with its DER (the journal is kept until every copy is flushed, and a short copy is rewritten), a torn
/// journal append is ignored, and counters in the journal move with the certificates that use them, so a serial is
/// never reused.
/// </summary>
public sealed partial class DirectoryCaDatabase : ICaDatabase
{
    internal const string CertificateFile = "caCert.pem";
    internal const string KeyFile = "caKey.pem";
    internal const string ChainFile = "chain.pem";
    internal const string IndexFile = "index.txt";
    internal const string RenewalsFile = "renewals.txt";
    internal const string SerialFile = "serial";
    internal const string CrlNumberFile = "crlnumber";
    internal const string SettingsFile = "ca.conf";
    internal const string LockFile = "ca.lock";
    internal const string CertificatesDirectory = "newcerts";
    internal const string JournalFile = "index.journal";
    private const string PendingSuffix = ".pending";
    private readonly object gate = new();
    private State? cached;

    /// <summary>Creates the database object for <paramref name="directory"/> (nothing is read or written yet).</summary>
    public DirectoryCaDatabase(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The CA directory.</summary>
    public string Directory { get; }

    /// <summary>How long <see cref="Update{T}"/> waits for another process's lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether each transaction flushes its batch file and index to disk before returning (default true). Without it,
    /// a killed process still never leaves a half-written index (renames stay atomic), but a power loss may lose the
    /// last transactions — the guarantee <c>openssl ca</c> gives, which never flushes.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <inheritdoc/>
    public string Name => Directory;

    /// <inheritdoc/>
    public bool Exists => File.Exists(PathOf(SettingsFile)) && File.Exists(PathOf(CertificateFile));

    /// <summary>
    /// The path of the stored copy of the certificate with this serial (upper-case hex). The copy is written at the
    /// next compaction (every 1024 transactions, when a <see cref="CertificateAuthority"/> is disposed, or by
    /// <see cref="Compact"/>); until then the journal holds the certificate.
    /// </summary>
    public string CertificatePath(string serialNumber) => Path.Combine(Directory, CertificatesDirectory, serialNumber + ".pem");

    /// <inheritdoc/>
    public void Initialize(CaMaterial material, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(material);
        cached = null;
        if (!overwrite && System.IO.Directory.Exists(Directory) && System.IO.Directory.EnumerateFileSystemEntries(Directory).Any())
        {
            throw new IssuanceException(IssuanceErrorCode.AlreadyExists, $"the directory '{Directory}' already exists and is not empty (use --force to replace it)");
        }

        // Build the whole CA next to its final place and rename it in one step: no half-made CA directory is ever visible.
        var parent = Path.GetDirectoryName(Directory) ?? ".";
        System.IO.Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(Directory)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.creating");
        CreatePrivateDirectory(staging);
        try
        {
            CreatePrivateDirectory(Path.Combine(staging, CertificatesDirectory));
            var cert = PemEncoding.WriteString("CERTIFICATE", material.Certificate) + "\n";
            IssuanceFiles.WriteText(Path.Combine(staging, CertificateFile), cert, IoTCerts.Core.AtomicFile.PublicMode, false);
            var chain = new StringBuilder();
            foreach (var issuer in material.IssuerChain)
            {
                chain.Append(PemEncoding.WriteString("CERTIFICATE", issuer)).Append('\n');
            }

            IssuanceFiles.WriteText(Path.Combine(staging, ChainFile), chain.ToString(), IoTCerts.Core.AtomicFile.PublicMode, false);
            if (material.KeyPem is not null)
            {
                IssuanceFiles.WriteText(Path.Combine(staging, KeyFile), material.KeyPem.TrimEnd() + "\n", IoTCerts.Core.AtomicFile.SecretMode, false);
            }

            IssuanceFiles.WriteText(Path.Combine(staging, SettingsFile), CaSettingsFile.Format(material.Settings), IoTCerts.Core.AtomicFile.SecretMode, false);
            IssuanceFiles.WriteText(Path.Combine(staging, IndexFile), string.Empty, IoTCerts.Core.AtomicFile.SecretMode, false);
            IssuanceFiles.WriteText(Path.Combine(staging, IndexFile + ".attr"), "unique_subject = no\n", IoTCerts.Core.AtomicFile.SecretMode, false);
            IssuanceFiles.WriteText(Path.Combine(staging, SerialFile), "01\n", IoTCerts.Core.AtomicFile.SecretMode, false);
            IssuanceFiles.WriteText(Path.Combine(staging, CrlNumberFile), "01\n", IoTCerts.Core.AtomicFile.SecretMode, false);

            if (System.IO.Directory.Exists(Directory))
            {
                var replaced = staging.Replace(".creating", ".replaced", StringComparison.Ordinal);
                System.IO.Directory.Move(Directory, replaced);
                System.IO.Directory.Move(staging, Directory);
                System.IO.Directory.Delete(replaced, recursive: true);
            }
            else
            {
                System.IO.Directory.Move(staging, Directory);
            }
        }
        finally
        {
            if (System.IO.Directory.Exists(staging))
            {
                System.IO.Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <inheritdoc/>
    public CaMaterial ReadMaterial()
    {
        EnsureExists();
        var certificate = ReadPemCertificates(PathOf(CertificateFile));
        if (certificate.Count != 1)
        {
            throw Corrupt($"'{CertificateFile}' must hold exactly one certificate");
        }

        var chainPath = PathOf(ChainFile);
        var chain = File.Exists(chainPath) ? ReadPemCertificates(chainPath) : [];
        var keyPath = PathOf(KeyFile);
        return new CaMaterial
        {
            Certificate = certificate[0],
            IssuerChain = chain,
            KeyPem = File.Exists(keyPath) ? File.ReadAllText(keyPath) : null,
            Settings = CaSettingsFile.Parse(File.ReadAllText(PathOf(SettingsFile))),
        };
    }

    /// <inheritdoc/>
    public IReadOnlyList<CertificateRecord> ReadRecords()
    {
        EnsureExists();
        return LoadWithoutLock().Records;
    }

    /// <inheritdoc/>
    public T Update<T>(Func<ICaDatabaseTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureExists();
        lock (gate)
        {
            using var held = FileLock.Acquire(PathOf(LockFile), LockTimeout);
            var state = Refresh();
            T result;
            try
            {
                var transaction = new Transaction(state);
                result = work(transaction);
                Commit(transaction, state);
            }
            catch
            {
                // The transaction changed the cached state in place: forget it, the files are the truth.
                cached = null;
                throw;
            }

            if (state.JournalTransactions >= CompactAfterTransactions || state.JournalLength >= CompactAfterBytes)
            {
                CompactLocked(state);
            }

            return result;
        }
    }

    /// <summary>
    /// Folds the journal (<c>index.journal</c>, where every transaction is appended) into <c>index.txt</c>,
    /// <c>serial</c>, <c>crlnumber</c>, <c>renewals.txt</c> and the <c>newcerts/</c> copies of the certificates, so
    /// <c>openssl ca</c> sees every change. This happens by
    /// itself every 1024 transactions and when a <see cref="CertificateAuthority"/> on this database is disposed; call it
    /// before handing the directory to OpenSSL while a long-running process keeps the CA open.
    /// </summary>
    /// <exception cref="IssuanceException">The directory is not a CA, or another process holds the lock too long.</exception>
    public void Compact()
    {
        EnsureExists();
        lock (gate)
        {
            using var held = FileLock.Acquire(PathOf(LockFile), LockTimeout);
            var state = Refresh();
            if (state.Generation is not null && state.JournalTransactions > 0)
            {
                CompactLocked(state);
            }
        }
    }

    /// <summary>
    /// Imports a directory made by the documented <c>openssl ca</c> recipe (<c>caCert.pem</c>, <c>caKey.pem</c>,
    /// <c>index.txt</c> or <c>database.txt</c>, <c>serial</c>, <c>crlnumber</c>) into a new IoTCerts CA directory, keeping
    /// the index and counters so serials continue where OpenSSL stopped. The key is re-written as encrypted PKCS#8.
    /// </summary>
    /// <param name="openSslDirectory">The OpenSSL CA directory.</param>
    /// <param name="key">The CA key (read by the caller, which knows its format and passphrase).</param>
    /// <param name="keyPassphrase">The passphrase for the new key file; null writes it unencrypted (0600).</param>
    /// <param name="overwrite">Whether an existing target directory may be replaced.</param>
    public void ImportOpenSsl(string openSslDirectory, SigningKey key, string? keyPassphrase, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(key);
        var source = Path.GetFullPath(openSslDirectory);
        var certificate = ReadPemCertificates(Path.Combine(source, CertificateFile));
        if (certificate.Count == 0)
        {
            throw Corrupt($"'{source}' has no {CertificateFile}");
        }

        using (var caCert = X509CertificateLoader.LoadCertificate(certificate[0]))
        {
            if (!key.Matches(caCert.PublicKey))
            {
                throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, "the CA key does not belong to the CA certificate (certificate and key do not match)");
            }
        }

        var indexPath = new[] { "index.txt", "database.txt" }.Select(n => Path.Combine(source, n)).FirstOrDefault(File.Exists)
            ?? throw Corrupt($"'{source}' has neither index.txt nor database.txt");
        var records = OpenSslIndex.Parse(ReadSmallText(indexPath), indexPath);
        var serialPath = Path.Combine(source, SerialFile);
        var crlPath = Path.Combine(source, CrlNumberFile);
        var serial = File.Exists(serialPath) ? OpenSslIndex.ParseCounter(ReadSmallText(serialPath), SerialFile) : BigInteger.One;
        var crlNumber = File.Exists(crlPath) ? OpenSslIndex.ParseCounter(ReadSmallText(crlPath), CrlNumberFile) : BigInteger.One;

        Initialize(new CaMaterial
        {
            Certificate = certificate[0],
            KeyPem = key.ExportPkcs8Pem(keyPassphrase),
            Settings = new CaSettings { SerialNumbers = SerialNumberMode.Sequential },
        }, overwrite);
        IssuanceFiles.WriteText(PathOf(IndexFile), OpenSslIndex.Format(records), IoTCerts.Core.AtomicFile.SecretMode, true);
        IssuanceFiles.WriteText(PathOf(SerialFile), OpenSslIndex.SerialToHex(serial) + "\n", IoTCerts.Core.AtomicFile.SecretMode, true);
        IssuanceFiles.WriteText(PathOf(CrlNumberFile), OpenSslIndex.SerialToHex(crlNumber) + "\n", IoTCerts.Core.AtomicFile.SecretMode, true);
        foreach (var record in records)
        {
            var issued = Path.Combine(source, "newcerts", record.SerialNumber + ".pem");
            if (File.Exists(issued))
            {
                File.Copy(issued, CertificatePath(record.SerialNumber));
            }
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string PathOf(string name) => Path.Combine(Directory, name);

    private void EnsureExists()
    {
        if (!Exists)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"'{Directory}' is not an IoTCerts CA directory (no {SettingsFile} and {CertificateFile}); create one with 'iotcerts ca init'");
        }
    }

    internal static string ReadSmallText(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > OpenSslIndex.MaxIndexBytes)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"'{path}' is larger than {OpenSslIndex.MaxIndexBytes / (1024 * 1024)} MB");
        }

        return File.ReadAllText(path);
    }

    internal static List<byte[]> ReadPemCertificates(string path)
    {
        if (!File.Exists(path))
        {
            throw Corrupt($"'{path}' is missing");
        }

        var text = ReadSmallText(path);
        var result = new List<byte[]>();
        var span = text.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            if (span[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                result.Add(Convert.FromBase64String(span[fields.Base64Data].ToString()));
            }

            span = span[fields.Location.End.Value..];
        }

        return result;
    }

    internal static IssuanceException Corrupt(string detail) => new(IssuanceErrorCode.StoreCorrupt, $"the CA directory is incomplete or corrupt: {detail}");
}
