namespace IoTCerts.Core;

/// <summary>
/// A counter that threads increment without sharing a cache line: one slot per thread-id stripe, each on its own
/// 128-byte span (a cache line and the adjacent line the prefetcher pairs with it), summed when read. A single
/// Interlocked counter next to the validator's read-mostly fields made every increment invalidate those fields'
/// line in the other core's cache on the warm path.
/// </summary>
internal sealed class StripedCounter
{
    private const int Stripes = 16;
    private const int SlotStride = 16; // longs: 128 bytes

    private readonly long[] _slots = new long[(Stripes + 1) * SlotStride];

    public void Increment() => Interlocked.Increment(ref _slots[((Environment.CurrentManagedThreadId & (Stripes - 1)) + 1) * SlotStride]);

    public long Sum()
    {
        var total = 0L;
        for (var i = 1; i <= Stripes; i++)
        {
            total += Interlocked.Read(ref _slots[i * SlotStride]);
        }

        return total;
    }
}
