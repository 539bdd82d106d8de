using System.Numerics;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>The in-memory database (snapshot plus journal) and the transaction that changes it.</summary>
public sealed partial class DirectoryCaDatabase
{
    /// <summary>The index, counters and journal position; kept between transactions of one database object.</summary>
    private sealed class State
    {
        public State(List<CertificateRecord> records, BigInteger nextSerial, BigInteger nextCrlNumber)
        {
            Records = records;
            NextSerial = nextSerial;
            NextCrlNumber = nextCrlNumber;
            Positions = new Dictionary<string, int>(records.Count, StringComparer.Ordinal);
            for (var i = 0; i < records.Count; i++)
            {
                Positions.TryAdd(records[i].SerialNumber, i);
            }
        }

        public List<CertificateRecord> Records { get; }

        /// <summary>Where each serial's (first) record is in <see cref="Records"/>.</summary>
        public Dictionary<string, int> Positions { get; }

        public BigInteger NextSerial { get; set; }

        public BigInteger NextCrlNumber { get; set; }

        /// <summary>The journal's generation, or null when there is no journal file yet.</summary>
        public string? Generation { get; set; }

        /// <summary>The bytes of the journal file read so far (header plus complete lines).</summary>
        public long JournalLength { get; set; }

        public int JournalTransactions { get; set; }

        /// <summary>The certificates the journal covers (their files are copies until compaction flushes them).</summary>
        public List<IssuedEvent> JournalIssued { get; } = [];

        // Replaying is idempotent: a journal left behind by an interrupted compaction repeats what the snapshot holds.
        public void Apply(JournalEvent e)
        {
            switch (e)
            {
                case IssuedEvent issued when Positions.TryAdd(issued.Record.SerialNumber, Records.Count):
                    Records.Add(issued.Record);
                    JournalIssued.Add(issued);
                    break;
                case IssuedEvent issued:
                    JournalIssued.Add(issued);
                    break;
                case RevokedEvent revoked when Positions.TryGetValue(revoked.SerialNumber, out var i) && Records[i].Status != CertificateStatus.Revoked:
                    Records[i] = Records[i] with { Status = CertificateStatus.Revoked, RevokedAt = revoked.RevokedAt, Reason = revoked.Reason };
                    break;
                case CounterEvent { Counter: 'S' } counter when counter.Next > NextSerial:
                    NextSerial = counter.Next;
                    break;
                case CounterEvent { Counter: 'C' } counter when counter.Next > NextCrlNumber:
                    NextCrlNumber = counter.Next;
                    break;
            }
        }
    }

    /// <summary>Changes the cached state in place; <see cref="Update{T}"/> drops that state when the transaction fails.</summary>
    private sealed class Transaction(State state) : ICaDatabaseTransaction
    {
        public List<(CertificateRecord Record, byte[] Der)> Added { get; } = [];

        public List<CertificateRecord> Revoked { get; } = [];

        public bool SerialChanged { get; private set; }

        public bool CrlNumberChanged { get; private set; }

        public bool Changed => SerialChanged || CrlNumberChanged || Added.Count > 0 || Revoked.Count > 0;

        public IReadOnlyList<CertificateRecord> Records => state.Records;

        public bool IsSerialUsed(string serialNumber) => state.Positions.ContainsKey(serialNumber);

        public BigInteger TakeSequentialSerial()
        {
            // Skip values already in the index (an imported or mixed-mode database).
            while (state.Positions.ContainsKey(OpenSslIndex.SerialToHex(state.NextSerial)))
            {
                state.NextSerial++;
            }

            SerialChanged = true;
            return state.NextSerial++;
        }

        public BigInteger TakeCrlNumber()
        {
            CrlNumberChanged = true;
            return state.NextCrlNumber++;
        }

        public void AddIssued(CertificateRecord record, ReadOnlyMemory<byte> certificate)
        {
            ArgumentNullException.ThrowIfNull(record);
            if (!state.Positions.TryAdd(record.SerialNumber, state.Records.Count))
            {
                throw new InvalidOperationException($"serial {record.SerialNumber} is already in the CA database");
            }

            state.Records.Add(record);
            Added.Add((record, certificate.ToArray()));
        }

        public void MarkRevoked(string serialNumber, DateTimeOffset revokedAt, X509RevocationReason reason)
        {
            if (!state.Positions.TryGetValue(serialNumber, out var i))
            {
                throw new IssuanceException(IssuanceErrorCode.UnknownSerial, $"this CA did not issue a certificate with serial {serialNumber}");
            }

            if (state.Records[i].Status == CertificateStatus.Revoked)
            {
                throw new IssuanceException(IssuanceErrorCode.AlreadyRevoked, $"the certificate with serial {serialNumber} is already revoked");
            }

            // The index keeps seconds (RFC 5280 times): the record reads the same before and after a reload.
            state.Records[i] = state.Records[i] with { Status = CertificateStatus.Revoked, RevokedAt = CertificateEncoder.Truncate(revokedAt), Reason = reason };
            Revoked.Add(state.Records[i]);
        }
    }
}
