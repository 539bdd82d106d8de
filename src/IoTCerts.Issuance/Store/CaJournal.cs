using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Issuance;

/// <summary>One change a committed transaction made to the CA database.</summary>
internal abstract record JournalEvent;

/// <summary>A certificate was issued: its index record (with the renewal relation) and its DER encoding.</summary>
internal sealed record IssuedEvent(CertificateRecord Record, byte[] Certificate) : JournalEvent;

/// <summary>A certificate was revoked.</summary>
internal sealed record RevokedEvent(string SerialNumber, DateTimeOffset RevokedAt, X509RevocationReason Reason) : JournalEvent;

/// <summary>A counter moved: <c>S</c> the next sequential serial, <c>C</c> the next CRL number.</summary>
internal sealed record CounterEvent(char Counter, BigInteger Next) : JournalEvent;

/// <summary>
/// The append-only journal of the directory CA database (<c>index.journal</c>). Issuing one certificate used to
/// rewrite the whole <c>index.txt</c> (O(n) bytes and a rename-over per transaction); now a transaction appends one
/// line and flushes once, and the journal is folded into <c>index.txt</c>, <c>serial</c>, <c>crlnumber</c> and
/// <c>renewals.txt</c> from time to time (compaction). One line is one committed transaction, so a transaction is
/// atomic exactly when a line is: the line carries a checksum of its body, and a last line that is incomplete or does
/// not match its checksum is the trace of a crash during the append — ignored, and cut off by the next writer. A bad
/// line before the last one is real corruption and is reported.
/// <para>
/// Header (written atomically with the file): <c>iotcerts-journal 1 GENERATION</c> (16 hex digits, new at each
/// compaction). Line: <c>J1 CHECKSUM BODY</c>, CHECKSUM = the first 8 bytes of SHA-256 over BODY in lower-case hex,
/// BODY = events separated by spaces: <c>I serial notAfter renews|- subject certificate</c> (subject as base64 UTF-8,
/// certificate as base64 DER), <c>R serial revokedAt reason</c>, <c>S next-serial</c>, <c>C next-crlnumber</c>
/// (counters in hex, times as <c>yyyyMMddHHmmss</c> UTC).
/// </para>
/// </summary>
internal static class CaJournal
{
    public const string HeaderPrefix = "iotcerts-journal 1 ";
    public const int HeaderLength = 19 + 16 + 1;
    private const string LinePrefix = "J1 ";
    private const int ChecksumLength = 16;
    private const int MaxCertificateBase64 = 64 * 1024 * 4 / 3;

    public static string NewHeader(out string generation)
    {
        generation = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return HeaderPrefix + generation + "\n";
    }

    /// <summary>The generation of a header line, or a StoreCorrupt error.</summary>
    public static string ParseHeader(ReadOnlySpan<byte> header, string sourceName)
    {
        var text = Encoding.ASCII.GetString(header);
        if (text.Length != HeaderLength || !text.StartsWith(HeaderPrefix, StringComparison.Ordinal) || text[^1] != '\n' || !IsLowerHex(text.AsSpan(HeaderPrefix.Length, 16)))
        {
            throw new IssuanceException(IssuanceErrorCode.StoreCorrupt, $"the CA journal '{sourceName}' does not start with an '{HeaderPrefix.TrimEnd()}' header line");
        }

        return text.Substring(HeaderPrefix.Length, 16);
    }

    /// <summary>Encodes one transaction as a journal line (with its trailing newline).</summary>
    public static string Encode(IReadOnlyList<JournalEvent> events)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("a journal line holds at least one event", nameof(events));
        }

        var body = new StringBuilder();
        foreach (var e in events)
        {
            if (body.Length > 0)
            {
                body.Append(' ');
            }

            switch (e)
            {
                case IssuedEvent issued:
                    body.Append("I ").Append(issued.Record.SerialNumber).Append(' ').Append(FormatTime(issued.Record.NotAfter))
                        .Append(' ').Append(issued.Record.Renews ?? "-")
                        .Append(' ').Append(issued.Record.Subject.Length == 0 ? "-" : Convert.ToBase64String(Encoding.UTF8.GetBytes(issued.Record.Subject)))
                        .Append(' ').Append(Convert.ToBase64String(issued.Certificate));
                    break;
                case RevokedEvent revoked:
                    body.Append("R ").Append(revoked.SerialNumber).Append(' ').Append(FormatTime(revoked.RevokedAt))
                        .Append(' ').Append(((int)revoked.Reason).ToString(CultureInfo.InvariantCulture));
                    break;
                case CounterEvent counter:
                    body.Append(counter.Counter).Append(' ').Append(OpenSslIndex.SerialToHex(counter.Next));
                    break;
                default:
                    throw new ArgumentException($"unknown journal event {e.GetType().Name}", nameof(events));
            }
        }

        var text = body.ToString();
        return LinePrefix + Checksum(text) + " " + text + "\n";
    }

    /// <summary>Decodes one journal line (without its newline); any defect is a StoreCorrupt error naming the line.</summary>
    public static List<JournalEvent> Decode(ReadOnlySpan<char> line, string sourceName, int lineNumber)
    {
        if (line.Length < LinePrefix.Length + ChecksumLength + 2 || !line.StartsWith(LinePrefix, StringComparison.Ordinal) || line[LinePrefix.Length + ChecksumLength] != ' ')
        {
            throw Corrupt(sourceName, lineNumber, "it is not a 'J1 CHECKSUM BODY' record");
        }

        var checksum = line.Slice(LinePrefix.Length, ChecksumLength);
        var body = line[(LinePrefix.Length + ChecksumLength + 1)..].ToString();
        if (!checksum.SequenceEqual(Checksum(body)))
        {
            throw Corrupt(sourceName, lineNumber, "its checksum does not match (a torn or altered record)");
        }

        var tokens = body.Split(' ');
        var events = new List<JournalEvent>();
        var i = 0;
        while (i < tokens.Length)
        {
            switch (tokens[i])
            {
                case "I" when i + 5 < tokens.Length:
                    var serial = Serial(tokens[i + 1], sourceName, lineNumber);
                    var notAfter = Time(tokens[i + 2], sourceName, lineNumber);
                    var renews = tokens[i + 3] == "-" ? null : Serial(tokens[i + 3], sourceName, lineNumber);
                    var subject = tokens[i + 4] == "-" ? string.Empty : Encoding.UTF8.GetString(Base64(tokens[i + 4], sourceName, lineNumber));
                    if (tokens[i + 5].Length > MaxCertificateBase64)
                    {
                        throw Corrupt(sourceName, lineNumber, "a certificate is larger than 64 KB");
                    }

                    var der = Base64(tokens[i + 5], sourceName, lineNumber);
                    events.Add(new IssuedEvent(new CertificateRecord(serial, CertificateStatus.Valid, notAfter, null, null, subject) { Renews = renews }, der));
                    i += 6;
                    break;
                case "R" when i + 3 < tokens.Length:
                    var revoked = Serial(tokens[i + 1], sourceName, lineNumber);
                    var at = Time(tokens[i + 2], sourceName, lineNumber);
                    if (!int.TryParse(tokens[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var reason) || reason > 10)
                    {
                        throw Corrupt(sourceName, lineNumber, $"'{tokens[i + 3]}' is not a revocation reason code");
                    }

                    events.Add(new RevokedEvent(revoked, at, (X509RevocationReason)reason));
                    i += 4;
                    break;
                case "S" or "C" when i + 1 < tokens.Length:
                    var hex = Serial(tokens[i + 1], sourceName, lineNumber);
                    events.Add(new CounterEvent(tokens[i][0], new BigInteger(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true)));
                    i += 2;
                    break;
                default:
                    throw Corrupt(sourceName, lineNumber, $"'{Shorten(tokens[i])}' does not start a complete event (I, R, S or C)");
            }
        }

        return events;
    }

    /// <summary>
    /// Reads the journal lines in <paramref name="data"/> (which starts at a line boundary). Returns the transactions
    /// and how many bytes they span; a defective last line (a torn append) is left out of both, a defective earlier
    /// line throws.
    /// </summary>
    public static List<List<JournalEvent>> ReadLines(ReadOnlySpan<byte> data, string sourceName, int firstLineNumber, out int validLength)
    {
        var transactions = new List<List<JournalEvent>>();
        validLength = 0;
        var lineNumber = firstLineNumber;
        while (validLength < data.Length)
        {
            var rest = data[validLength..];
            var end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                break; // an append that did not reach its newline
            }

            try
            {
                // Non-ASCII bytes become '?' and fail the checksum: the body is ASCII by construction.
                transactions.Add(Decode(Encoding.ASCII.GetString(rest[..end]), sourceName, lineNumber));
            }
            catch (IssuanceException) when (end + 1 == rest.Length)
            {
                break; // the last line is the torn one
            }

            validLength += end + 1;
            lineNumber++;
        }

        return transactions;
    }

    private static string Checksum(string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(body)).AsSpan(0, ChecksumLength / 2));

    private static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text, string sourceName, int lineNumber) =>
        text.Length == 14 && DateTime.TryParseExact(text, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc)
            ? new DateTimeOffset(utc, TimeSpan.Zero)
            : throw Corrupt(sourceName, lineNumber, $"'{Shorten(text)}' is not a yyyyMMddHHmmss time");

    private static string Serial(string text, string sourceName, int lineNumber) =>
        text.Length > 0 && text.All(char.IsAsciiHexDigitUpper) && OpenSslIndex.NormalizeSerial(text) is { } serial && serial == text
            ? serial
            : throw Corrupt(sourceName, lineNumber, $"'{Shorten(text)}' is not a serial number in upper-case hex");

    private static byte[] Base64(string text, string sourceName, int lineNumber)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written)
            ? buffer[..written]
            : throw Corrupt(sourceName, lineNumber, "a base64 field does not decode");
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "…";

    private static IssuanceException Corrupt(string sourceName, int line, string detail) =>
        new(IssuanceErrorCode.StoreCorrupt, $"the CA journal '{sourceName}' is corrupt at line {line}: {detail}");
}
