namespace IoTCerts.Core;

/// <summary>
/// Reads a stream to its end with a byte bound, so a hostile or broken peer cannot make a client buffer an unbounded
/// answer. The one bounded body reader of IoTCerts: the EST client, the Cumulocity REST client and the online CRL
/// fetcher all read HTTP bodies with it. It does no I/O of its own: the caller's stream does.
/// </summary>
public static class BoundedStreamReader
{
    private const int ChunkSize = 16 * 1024;

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, or stops as soon as it has produced more than <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="stream">The stream (not disposed here).</param>
    /// <param name="maxBytes">The most bytes accepted; at least 0.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>Every byte, or <see langword="null"/> when the stream holds more than <paramref name="maxBytes"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    public static async Task<byte[]?> ReadToEndAsync(Stream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[ChunkSize];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
