using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>
/// The default CA database: a directory laid out like an <c>openssl ca</c> directory, so OpenSSL can read it too —
/// <c>caCert.pem</c>, <c>caKey.pem</c> (encrypted PKCS#8, 0600), <c>chain.pem</c> (issuers above the CA),
/// <c>index.txt</c>, <c>serial</c>, <c>crlnumber</c>, <c>newcerts/SERIAL.pem</c>, plus <c>ca.conf</c> (settings) and
/// <c>ca.lock</c>. Every change happens under an exclusive lock; files are replaced by write-to-temp, fsync and rename,
/// in an order that makes a crash at any instant safe: a certificate file becomes visible only after the index lists it,
/// and the serial counter moves before the index, so a serial is never reused.
/// </summary>
public sealed class DirectoryCaDatabase : ICaDatabase
{
    internal const string CertificateFile = "caCert.pem";
    internal const string KeyFile = "caKey.pem";
    internal const string ChainFile = "chain.pem";
    internal const string IndexFile = "index.txt";
    internal const string SerialFile = "serial";
    internal const string CrlNumberFile = "crlnumber";
    internal const string SettingsFile = "ca.conf";
    internal const string LockFile = "ca.lock";
    internal const string CertificatesDirectory = "newcerts";
    private const string PendingSuffix = ".pending";

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

    /// <summary>The path of the stored copy of the certificate with this serial (upper-case hex).</summary>
    public string CertificatePath(string serialNumber) => Path.Combine(Directory, CertificatesDirectory, serialNumber + ".pem");

    /// <inheritdoc/>
    public void Initialize(CaMaterial material, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(material);
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
            AtomicFile.WriteText(Path.Combine(staging, CertificateFile), cert, AtomicFile.PublicMode, false);
            var chain = new StringBuilder();
            foreach (var issuer in material.IssuerChain)
            {
                chain.Append(PemEncoding.WriteString("CERTIFICATE", issuer)).Append('\n');
            }

            AtomicFile.WriteText(Path.Combine(staging, ChainFile), chain.ToString(), AtomicFile.PublicMode, false);
            if (material.KeyPem is not null)
            {
                AtomicFile.WriteText(Path.Combine(staging, KeyFile), material.KeyPem.TrimEnd() + "\n", AtomicFile.SecretMode, false);
            }

            AtomicFile.WriteText(Path.Combine(staging, SettingsFile), FormatSettings(material.Settings), AtomicFile.SecretMode, false);
            AtomicFile.WriteText(Path.Combine(staging, IndexFile), string.Empty, AtomicFile.SecretMode, false);
            AtomicFile.WriteText(Path.Combine(staging, IndexFile + ".attr"), "unique_subject = no\n", AtomicFile.SecretMode, false);
            AtomicFile.WriteText(Path.Combine(staging, SerialFile), "01\n", AtomicFile.SecretMode, false);
            AtomicFile.WriteText(Path.Combine(staging, CrlNumberFile), "01\n", AtomicFile.SecretMode, false);

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
            Settings = ParseSettings(File.ReadAllText(PathOf(SettingsFile))),
        };
    }

    /// <inheritdoc/>
    public IReadOnlyList<CertificateRecord> ReadRecords()
    {
        EnsureExists();
        return ReadIndex();
    }

    /// <inheritdoc/>
    public T Update<T>(Func<ICaDatabaseTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        EnsureExists();
        using var held = FileLock.Acquire(PathOf(LockFile), LockTimeout);
        var records = ReadIndex();
        Recover(records);
        var transaction = new Transaction(
            records,
            OpenSslIndex.ParseCounter(ReadSmallText(PathOf(SerialFile)), SerialFile),
            OpenSslIndex.ParseCounter(ReadSmallText(PathOf(CrlNumberFile)), CrlNumberFile));
        var result = work(transaction);
        Commit(transaction);
        return result;
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
        AtomicFile.WriteText(PathOf(IndexFile), OpenSslIndex.Format(records), AtomicFile.SecretMode, true);
        AtomicFile.WriteText(PathOf(SerialFile), OpenSslIndex.SerialToHex(serial) + "\n", AtomicFile.SecretMode, true);
        AtomicFile.WriteText(PathOf(CrlNumberFile), OpenSslIndex.SerialToHex(crlNumber) + "\n", AtomicFile.SecretMode, true);
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

    private List<CertificateRecord> ReadIndex()
    {
        var path = PathOf(IndexFile);
        return File.Exists(path) ? OpenSslIndex.Parse(ReadSmallText(path), path) : [];
    }

    // Certificates are committed in batches: one flushed ".pending" file holds every certificate of a transaction,
    // written before the index. A crash can leave such a file behind: its certificates whose serials the index lists
    // (the commit happened) are published, the others dropped (their serials were never handed out). Stray temp files go.
    private void Recover(List<CertificateRecord> records)
    {
        var newcerts = PathOf(CertificatesDirectory);
        if (!System.IO.Directory.Exists(newcerts))
        {
            return;
        }

        var known = records.Select(r => r.SerialNumber).ToHashSet(StringComparer.Ordinal);
        foreach (var pending in System.IO.Directory.EnumerateFiles(newcerts, "*" + PendingSuffix))
        {
            foreach (var der in ReadPemCertificates(pending))
            {
                string serial;
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(der);
                    serial = OpenSslIndex.NormalizeSerial(certificate.SerialNumber)!;
                }
                catch (CryptographicException)
                {
                    continue;
                }

                if (known.Contains(serial))
                {
                    Publish(serial, der, flushToDisk: true);
                }
            }

            File.Delete(pending);
        }

        foreach (var directory in new[] { Directory, newcerts })
        {
            foreach (var temp in System.IO.Directory.EnumerateFiles(directory, ".*.tmp"))
            {
                File.Delete(temp);
            }
        }
    }

    private void Publish(string serial, ReadOnlyMemory<byte> der, bool flushToDisk) =>
        AtomicFile.Write(CertificatePath(serial), Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", der.Span) + "\n"), AtomicFile.PublicMode, overwrite: true, flushToDisk);

    private void Commit(Transaction transaction)
    {
        if (!transaction.Changed)
        {
            return;
        }

        // 1. All new certificates in one flushed file, under a name that is not "published".
        string? batch = null;
        if (transaction.Added.Count > 0)
        {
            batch = Path.Combine(PathOf(CertificatesDirectory), $"batch-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}{PendingSuffix}");
            var text = new StringBuilder();
            foreach (var (_, der) in transaction.Added)
            {
                text.Append(PemEncoding.WriteString("CERTIFICATE", der.Span)).Append('\n');
            }

            AtomicFile.Write(batch, Encoding.ASCII.GetBytes(text.ToString()), AtomicFile.PublicMode, overwrite: false, FlushToDisk);
        }

        // 2. Counters before the index: a crash in between skips a value, never repeats one.
        if (transaction.SerialChanged)
        {
            AtomicFile.Write(PathOf(SerialFile), Encoding.ASCII.GetBytes(OpenSslIndex.SerialToHex(transaction.NextSerial) + "\n"), AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        }

        if (transaction.CrlNumberChanged)
        {
            AtomicFile.Write(PathOf(CrlNumberFile), Encoding.ASCII.GetBytes(OpenSslIndex.SerialToHex(transaction.NextCrlNumber) + "\n"), AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        }

        // 3. The index: the commit point.
        if (transaction.IndexChanged)
        {
            AtomicFile.Write(PathOf(IndexFile), Encoding.UTF8.GetBytes(OpenSslIndex.Format(transaction.Records)), AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        }

        // 4. Publish one file per certificate; the flushed batch file covers them until it is deleted, so these
        //    need no flush of their own (recovery rewrites them from the batch after a power loss).
        foreach (var (serial, der) in transaction.Added)
        {
            Publish(serial, der, flushToDisk: false);
        }

        if (batch is not null)
        {
            File.Delete(batch);
        }
    }

    private static string ReadSmallText(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > OpenSslIndex.MaxIndexBytes)
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"'{path}' is larger than {OpenSslIndex.MaxIndexBytes / (1024 * 1024)} MB");
        }

        return File.ReadAllText(path);
    }

    private static List<byte[]> ReadPemCertificates(string path)
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

    private static string FormatSettings(CaSettings settings)
    {
        var text = new StringBuilder("# IoTCerts CA settings\nformat = 1\n");
        text.Append("serial-mode = ").Append(settings.SerialNumbers == SerialNumberMode.Sequential ? "sequential" : "random").Append('\n');
        if (settings.CrlDistributionPoint is { } crl)
        {
            text.Append("crl-url = ").Append(crl.AbsoluteUri).Append('\n');
        }

        if (settings.CaIssuersUrl is { } aia)
        {
            text.Append("ca-issuers-url = ").Append(aia.AbsoluteUri).Append('\n');
        }

        if (settings.OcspUrl is { } ocsp)
        {
            text.Append("ocsp-url = ").Append(ocsp.AbsoluteUri).Append('\n');
        }

        if (settings.KeyUri is { } uri)
        {
            text.Append("key-uri = ").Append(IoTCerts.Core.Pkcs11Key.WithoutPin(uri)).Append('\n');
        }

        return text.ToString();
    }

    private static CaSettings ParseSettings(string text)
    {
        var settings = new CaSettings();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw Corrupt($"'{SettingsFile}' has a line without '='");
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            settings = key switch
            {
                "format" => value == "1" ? settings : throw Corrupt($"'{SettingsFile}' has format {value}, this version reads format 1"),
                "serial-mode" => settings with { SerialNumbers = value == "sequential" ? SerialNumberMode.Sequential : SerialNumberMode.Random },
                "crl-url" => settings with { CrlDistributionPoint = new Uri(value) },
                "ca-issuers-url" => settings with { CaIssuersUrl = new Uri(value) },
                "ocsp-url" => settings with { OcspUrl = new Uri(value) },
                "key-uri" => settings with { KeyUri = value },
                _ => settings,
            };
        }

        return settings;
    }

    private static IssuanceException Corrupt(string detail) => new(IssuanceErrorCode.StoreCorrupt, $"the CA directory is incomplete or corrupt: {detail}");

    private sealed class Transaction(List<CertificateRecord> records, BigInteger nextSerial, BigInteger nextCrlNumber) : ICaDatabaseTransaction
    {
        private readonly HashSet<string> serials = records.Select(r => r.SerialNumber).ToHashSet(StringComparer.Ordinal);

        public List<CertificateRecord> Records { get; } = records;

        public List<(string Serial, ReadOnlyMemory<byte> Der)> Added { get; } = [];

        public BigInteger NextSerial { get; private set; } = nextSerial;

        public BigInteger NextCrlNumber { get; private set; } = nextCrlNumber;

        public bool SerialChanged { get; private set; }

        public bool CrlNumberChanged { get; private set; }

        public bool IndexChanged { get; private set; }

        public bool Changed => SerialChanged || CrlNumberChanged || IndexChanged;

        IReadOnlyList<CertificateRecord> ICaDatabaseTransaction.Records => Records;

        public bool IsSerialUsed(string serialNumber) => serials.Contains(serialNumber);

        public BigInteger TakeSequentialSerial()
        {
            // Skip values already in the index (an imported or mixed-mode database).
            while (serials.Contains(OpenSslIndex.SerialToHex(NextSerial)))
            {
                NextSerial++;
            }

            SerialChanged = true;
            return NextSerial++;
        }

        public BigInteger TakeCrlNumber()
        {
            CrlNumberChanged = true;
            return NextCrlNumber++;
        }

        public void AddIssued(CertificateRecord record, ReadOnlyMemory<byte> certificate)
        {
            ArgumentNullException.ThrowIfNull(record);
            if (!serials.Add(record.SerialNumber))
            {
                throw new InvalidOperationException($"serial {record.SerialNumber} is already in the CA database");
            }

            Records.Add(record);
            Added.Add((record.SerialNumber, certificate));
            IndexChanged = true;
        }

        public void MarkRevoked(string serialNumber, DateTimeOffset revokedAt, X509RevocationReason reason)
        {
            var i = Records.FindIndex(r => r.SerialNumber == serialNumber);
            if (i < 0)
            {
                throw new IssuanceException(IssuanceErrorCode.UnknownSerial, $"this CA did not issue a certificate with serial {serialNumber}");
            }

            if (Records[i].Status == CertificateStatus.Revoked)
            {
                throw new IssuanceException(IssuanceErrorCode.AlreadyRevoked, $"the certificate with serial {serialNumber} is already revoked");
            }

            Records[i] = Records[i] with { Status = CertificateStatus.Revoked, RevokedAt = revokedAt, Reason = reason };
            IndexChanged = true;
        }
    }
}
