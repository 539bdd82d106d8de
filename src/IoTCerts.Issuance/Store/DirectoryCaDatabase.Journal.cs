using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>Loading, committing and compacting: the snapshot files plus the journal of later transactions.</summary>
public sealed partial class DirectoryCaDatabase
{
    /// <summary>Compact when the journal holds this many transactions (tests lower it).</summary>
    internal int CompactAfterTransactions { get; init; } = 1024;

    /// <summary>From this many certificate copies on, compaction flushes the file system once instead of each copy.</summary>
    internal const int SyncFileSystemFrom = 8;

    /// <summary>Compact when the journal is this large, whatever the count (a journal line holds certificates).</summary>
    internal long CompactAfterBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// Compacts when a <see cref="CertificateAuthority"/> is disposed, so a short-lived process (one CLI command) leaves
    /// OpenSSL-current files. Never throws: the journal stays authoritative when the lock is busy or the disk fails.
    /// </summary>
    internal void CompactOnClose()
    {
        try
        {
            if (!Exists || !File.Exists(PathOf(JournalFile)))
            {
                return;
            }

            lock (gate)
            {
                using var held = FileLock.Acquire(PathOf(LockFile), TimeSpan.FromSeconds(1));
                var state = Refresh();
                if (state.Generation is not null && state.JournalTransactions > 0)
                {
                    CompactLocked(state);
                }
            }
        }
        catch (Exception ex) when (ex is IssuanceException or IOException or UnauthorizedAccessException)
        {
            cached = null;
        }
    }

    // The reader opens the journal before reading the snapshot: a compaction that runs in between writes the new
    // snapshot before it replaces the journal, and replaying the old journal over a newer snapshot changes nothing.
    private State LoadWithoutLock()
    {
        using var journal = OpenJournal(FileAccess.Read);
        var state = LoadSnapshot();
        if (journal is not null)
        {
            ReadJournal(journal, state, repair: false);
        }

        return state;
    }

    // Under the lock: reuse the state of the previous transaction when the journal is still the same file (same
    // generation, not shorter) and read only what other processes appended since; otherwise load everything.
    private State Refresh()
    {
        if (cached is { Generation: { } generation } known)
        {
            using var journal = OpenJournal(FileAccess.ReadWrite);
            if (journal is not null && journal.Length >= known.JournalLength && ReadGeneration(journal) == generation)
            {
                ReadJournal(journal, known, repair: true);
                return known;
            }
        }

        cached = null;
        var state = LoadSnapshot();
        using (var journal = OpenJournal(FileAccess.ReadWrite))
        {
            if (journal is not null)
            {
                ReadJournal(journal, state, repair: true);
            }
        }

        RecoverLegacyBatches(state);
        cached = state;
        return state;
    }

    private State LoadSnapshot()
    {
        var path = PathOf(IndexFile);
        var records = File.Exists(path) ? OpenSslIndex.Parse(ReadSmallText(path), path) : [];
        var renewals = PathOf(RenewalsFile);
        if (File.Exists(renewals))
        {
            RenewalIndex.Attach(records, RenewalIndex.Parse(ReadSmallText(renewals), renewals));
        }

        return new State(
            records,
            OpenSslIndex.ParseCounter(ReadSmallText(PathOf(SerialFile)), SerialFile),
            OpenSslIndex.ParseCounter(ReadSmallText(PathOf(CrlNumberFile)), CrlNumberFile));
    }

    private FileStream? OpenJournal(FileAccess access)
    {
        try
        {
            return new FileStream(PathOf(JournalFile), new FileStreamOptions { Mode = FileMode.Open, Access = access, Share = FileShare.ReadWrite | FileShare.Delete });
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private string ReadGeneration(FileStream journal)
    {
        var header = new byte[CaJournal.HeaderLength];
        journal.Position = 0;
        journal.ReadExactly(header);
        return CaJournal.ParseHeader(header, PathOf(JournalFile));
    }

    // Applies the journal from where the state stopped. A torn last line is skipped, and cut off when repairing (under
    // the lock), so the next append starts on a line boundary.
    private void ReadJournal(FileStream journal, State state, bool repair)
    {
        var length = journal.Length;
        if (state.Generation is null)
        {
            if (length < CaJournal.HeaderLength)
            {
                throw Corrupt($"'{JournalFile}' is shorter than its header");
            }

            state.Generation = ReadGeneration(journal);
            state.JournalLength = CaJournal.HeaderLength;
        }

        if (length - state.JournalLength > OpenSslIndex.MaxIndexBytes)
        {
            throw Corrupt($"'{JournalFile}' is larger than {OpenSslIndex.MaxIndexBytes / (1024 * 1024)} MB");
        }

        // A lock holder may cut a torn tail while a reader without the lock reads: take what is there.
        var data = new byte[Math.Max(0, length - state.JournalLength)];
        journal.Position = state.JournalLength;
        var read = journal.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        var transactions = CaJournal.ReadLines(data.AsSpan(0, read), PathOf(JournalFile), state.JournalTransactions + 2, out var valid);
        foreach (var events in transactions)
        {
            foreach (var e in events)
            {
                state.Apply(e);
            }
        }

        state.JournalLength += valid;
        state.JournalTransactions += transactions.Count;
        if (repair && valid < read)
        {
            journal.SetLength(state.JournalLength);
            journal.Flush(FlushToDisk);
        }
    }

    // Directories written before the journal committed certificates through one flushed ".pending" file per
    // transaction, written before the index: its certificates whose serials the index lists are published, the others
    // dropped (their serials were never handed out). Stray temp files of interrupted writes go too.
    private void RecoverLegacyBatches(State state)
    {
        var newcerts = PathOf(CertificatesDirectory);
        if (!System.IO.Directory.Exists(newcerts))
        {
            return;
        }

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

                if (state.Positions.ContainsKey(serial))
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

    private static byte[] PemBytes(ReadOnlySpan<byte> der) => Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", der) + "\n");

    private void Publish(string serial, ReadOnlySpan<byte> der, bool flushToDisk) =>
        IssuanceFiles.Write(CertificatePath(serial), PemBytes(der), IoTCerts.Core.AtomicFile.PublicMode, overwrite: true, flushToDisk);

    // The commit point is one journal line, flushed once; nothing else is written per transaction. The copies in
    // newcerts/ are written at compaction, from the DER the journal holds: creating one file per certificate cost as
    // much as everything else in issuing it (measured on ext4: 20-290 us a file, against ~250 us for the rest).
    private void Commit(Transaction transaction, State state)
    {
        if (!transaction.Changed)
        {
            return;
        }

        var events = new List<JournalEvent>(transaction.Added.Count + transaction.Revoked.Count + 2);
        foreach (var (record, der) in transaction.Added)
        {
            events.Add(new IssuedEvent(record, der));
        }

        foreach (var revoked in transaction.Revoked)
        {
            events.Add(new RevokedEvent(revoked.SerialNumber, revoked.RevokedAt!.Value, revoked.Reason ?? X509RevocationReason.Unspecified));
        }

        if (transaction.SerialChanged)
        {
            events.Add(new CounterEvent('S', state.NextSerial));
        }

        if (transaction.CrlNumberChanged)
        {
            events.Add(new CounterEvent('C', state.NextCrlNumber));
        }

        var line = Encoding.ASCII.GetBytes(CaJournal.Encode(events));
        if (state.Generation is null)
        {
            IssuanceFiles.Write(PathOf(JournalFile), Encoding.ASCII.GetBytes(CaJournal.NewHeader(out var generation)), IoTCerts.Core.AtomicFile.SecretMode, overwrite: false, FlushToDisk);
            state.Generation = generation;
            state.JournalLength = CaJournal.HeaderLength;
        }

        using (var journal = new FileStream(PathOf(JournalFile), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete }))
        {
            journal.Position = state.JournalLength;
            journal.Write(line);
            journal.Flush(FlushToDisk);
        }

        state.JournalLength += line.Length;
        state.JournalTransactions++;
        foreach (var e in events)
        {
            if (e is IssuedEvent issued)
            {
                state.JournalIssued.Add(issued);
            }
        }
    }

    // Certificate copies first, snapshot next, journal last. The copies are all written, then flushed together.
    // The journal that holds their DER goes only after that, so a crash at any point leaves either the journal or the
    // copy; a copy that an interrupted compaction, an older version or a power loss left short or different is
    // replaced whole. Replaying an old journal over a new snapshot changes nothing (events are idempotent, counters only
    // move up); counters go before the index, as OpenSSL readers expect.
    private void CompactLocked(State state)
    {
        var copies = new List<string>(state.JournalIssued.Count);
        foreach (var e in state.JournalIssued)
        {
            var path = CertificatePath(e.Record.SerialNumber);
            var pem = PemBytes(e.Certificate);
            if (!HoldsExactly(path, pem))
            {
                WriteCopy(path, pem);
            }

            copies.Add(path);
        }

        // Many copies: one file-system flush (Linux syncfs) instead of one journal commit per copy; a few, or no syncfs:
        // each copy on its own.
        if (FlushToDisk && copies.Count > 0 && !(copies.Count >= SyncFileSystemFrom && FileSystemSync.TrySync(copies[0])))
        {
            foreach (var path in copies)
            {
                using var copy = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                copy.Flush(flushToDisk: true);
            }
        }

        IssuanceFiles.Write(PathOf(SerialFile), Encoding.ASCII.GetBytes(OpenSslIndex.SerialToHex(state.NextSerial) + "\n"), IoTCerts.Core.AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        IssuanceFiles.Write(PathOf(CrlNumberFile), Encoding.ASCII.GetBytes(OpenSslIndex.SerialToHex(state.NextCrlNumber) + "\n"), IoTCerts.Core.AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        var renewals = RenewalIndex.Format(state.Records);
        if (renewals.Length > 0 || File.Exists(PathOf(RenewalsFile)))
        {
            IssuanceFiles.Write(PathOf(RenewalsFile), Encoding.ASCII.GetBytes(renewals), IoTCerts.Core.AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        }

        IssuanceFiles.Write(PathOf(IndexFile), Encoding.UTF8.GetBytes(OpenSslIndex.Format(state.Records)), IoTCerts.Core.AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        IssuanceFiles.Write(PathOf(JournalFile), Encoding.ASCII.GetBytes(CaJournal.NewHeader(out var generation)), IoTCerts.Core.AtomicFile.SecretMode, overwrite: true, FlushToDisk);
        state.Generation = generation;
        state.JournalLength = CaJournal.HeaderLength;
        state.JournalTransactions = 0;
        state.JournalIssued.Clear();
    }

    // A missing copy is created in place (one metadata operation instead of temp file, chmod and rename; a reader may
    // see it empty for an instant); anything else under its name is replaced whole.
    private static void WriteCopy(string path, byte[] pem)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = IoTCerts.Core.AtomicFile.PublicMode;
            }

            using var stream = new FileStream(path, options);
            stream.Write(pem);
            if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != IoTCerts.Core.AtomicFile.PublicMode)
            {
                File.SetUnixFileMode(stream.SafeFileHandle, IoTCerts.Core.AtomicFile.PublicMode); // the umask took bits away
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            IssuanceFiles.Write(path, pem, IoTCerts.Core.AtomicFile.PublicMode, overwrite: true, flushToDisk: false);
        }
    }

    private static bool HoldsExactly(string path, byte[] content)
    {
        var file = new FileInfo(path);
        return file.Exists && file.Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content);
    }
}
