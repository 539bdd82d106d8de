using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace IoTCerts.Issuance.Tests.Store;

/// <summary>The journal record codec: round-trips, and every damaged record is refused with our error code.</summary>
public sealed class CaJournalCodecTests
{
    private static readonly Gen<string> Serials = ArbMap.Default.GeneratorFor<byte[]>().Where(b => b.Length is > 0 and <= 20).Select(b => OpenSslIndex.NormalizeSerial(Convert.ToHexString(b))!);

    private static readonly Gen<DateTimeOffset> Times = Gen.Choose(0, 200 * 365).Select(d => new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(d).AddSeconds(d % 86400));

    private static readonly Gen<JournalEvent> Events = Gen.OneOf(
        from serial in Serials
        from notAfter in Times
        from renews in Gen.OneOf(Gen.Constant<string?>(null), Serials.Select(s => (string?)s))
        from subject in ArbMap.Default.GeneratorFor<string>().Select(s => s ?? string.Empty).Where(s => !s.Any(char.IsSurrogate))
        from der in ArbMap.Default.GeneratorFor<byte[]>()
        select (JournalEvent)new IssuedEvent(new CertificateRecord(serial, CertificateStatus.Valid, notAfter, null, null, subject) { Renews = renews }, der),
        from serial in Serials
        from at in Times
        from reason in Gen.Elements(X509RevocationReason.Unspecified, X509RevocationReason.KeyCompromise, X509RevocationReason.Superseded, X509RevocationReason.RemoveFromCrl, X509RevocationReason.AACompromise)
        select (JournalEvent)new RevokedEvent(serial, at, reason),
        from counter in Gen.Elements('S', 'C')
        from value in ArbMap.Default.GeneratorFor<byte[]>().Where(b => b.Length <= 20)
        select (JournalEvent)new CounterEvent(counter, new BigInteger(value, isUnsigned: true, isBigEndian: true)));

    private static readonly Gen<List<JournalEvent>> Transactions = Events.NonEmptyListOf().Select(l => l.ToList());

    [Property]
    public Property RecordsRoundTrip()
    {
        return Prop.ForAll(Transactions.ToArbitrary(), events =>
        {
            var line = CaJournal.Encode(events);
            var decoded = CaJournal.Decode(line.AsSpan(0, line.Length - 1), "j", 2);
            return line.EndsWith('\n') && line.IndexOf('\n') == line.Length - 1 && decoded.Count == events.Count
                && decoded.Zip(events).All(p => SameEvent(p.First, p.Second)) && CaJournal.Encode(decoded) == line;
        });
    }

    [Property]
    public Property AnyChangedByteIsRefusedWithStoreCorrupt()
    {
        var damaged =
            from events in Transactions
            from position in Gen.Choose(0, int.MaxValue)
            from value in Gen.Choose(0, 255)
            select (events, position, (byte)value);
        return Prop.ForAll(damaged.ToArbitrary(), t =>
        {
            var bytes = Encoding.ASCII.GetBytes(CaJournal.Encode(t.events));
            var at = t.position % (bytes.Length - 1);
            if (bytes[at] == t.Item3 || t.Item3 == (byte)'\n')
            {
                return true; // not a change of the line's own bytes
            }

            bytes[at] = t.Item3;
            return IsRefused(Encoding.ASCII.GetString(bytes, 0, bytes.Length - 1));
        });
    }

    [Property]
    public Property AnyTruncationIsRefusedWithStoreCorrupt()
    {
        var truncated =
            from events in Transactions
            from keep in Gen.Choose(0, int.MaxValue)
            select (events, keep);
        return Prop.ForAll(truncated.ToArbitrary(), t =>
        {
            var line = CaJournal.Encode(t.events);
            return IsRefused(line[..(t.keep % (line.Length - 1))]);
        });
    }

    [Fact]
    public void ATornLastLineIsLeftOutAndAnEarlierBadLineIsAnError()
    {
        var first = CaJournal.Encode([new CounterEvent('S', 5)]);
        var second = CaJournal.Encode([new CounterEvent('C', 7)]);
        var good = Encoding.ASCII.GetBytes(first + second);

        // An append that stopped before its newline, and one whose bytes did not all reach the disk.
        var incomplete = Encoding.ASCII.GetBytes(first + second + second[..10]);
        Assert.Equal(2, CaJournal.ReadLines(incomplete, "j", 2, out var valid).Count);
        Assert.Equal(good.Length, valid);
        var zeroed = Encoding.ASCII.GetBytes(first + second[..12] + new string('\0', second.Length - 13) + "\n");
        Assert.Single(CaJournal.ReadLines(zeroed, "j", 2, out valid));
        Assert.Equal(first.Length, valid);

        var damaged = Encoding.ASCII.GetBytes(first.Replace("S 05", "S 06", StringComparison.Ordinal) + second);
        var ex = Assert.Throws<IssuanceException>(() => CaJournal.ReadLines(damaged, "j", 2, out _));
        Assert.Equal(IssuanceErrorCode.StoreCorrupt, ex.Code);
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    private static bool IsRefused(string line)
    {
        try
        {
            CaJournal.Decode(line, "j", 2);
            return false;
        }
        catch (IssuanceException ex)
        {
            return ex.Code == IssuanceErrorCode.StoreCorrupt;
        }
    }

    private static bool SameEvent(JournalEvent a, JournalEvent b) => (a, b) switch
    {
        (IssuedEvent x, IssuedEvent y) => x.Record == y.Record && x.Certificate.AsSpan().SequenceEqual(y.Certificate),
        _ => a == b,
    };
}
