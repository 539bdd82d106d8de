using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// Reads PEM blocks from text. Tolerates text between blocks (the "Bag Attributes" lines of
/// <c>openssl pkcs12 -nodes</c>, R-01), CRLF, and surrounding whitespace. Bounded by <see cref="MaterialLimits"/>.
/// </summary>
public static class PemReader
{
    private const string BeginMarker = "-----BEGIN ";
    private const string EndMarker = "-----END ";
    private const string Dashes = "-----";

    /// <summary>Whether the text holds at least one PEM BEGIN line.</summary>
    public static bool ContainsPem(ReadOnlySpan<char> text) => text.IndexOf(BeginMarker.AsSpan(), StringComparison.Ordinal) >= 0;

    /// <summary>Reads every PEM block in <paramref name="text"/>, in order.</summary>
    /// <exception cref="MaterialException">A block is corrupt or unterminated, or a limit is exceeded.</exception>
    public static IReadOnlyList<PemBlock> Read(ReadOnlySpan<char> text, MaterialLimits? limits = null)
    {
        limits ??= MaterialLimits.Default;
        var blocks = new List<PemBlock>();
        string? label = null;
        List<KeyValuePair<string, string>>? headers = null;
        var base64 = new StringBuilder();
        bool headersOpen = false;
        foreach (var rawLine in text.EnumerateLines())
        {
            if (rawLine.Length > limits.MaxPemLineLength)
            {
                throw new MaterialException(MaterialErrorCode.InputTooLarge, $"a PEM line is longer than the limit of {limits.MaxPemLineLength} characters");
            }

            var line = rawLine.Trim();
            if (label is null)
            {
                if (line.StartsWith(BeginMarker, StringComparison.Ordinal) && line.EndsWith(Dashes, StringComparison.Ordinal) && line.Length >= BeginMarker.Length + Dashes.Length)
                {
                    if (blocks.Count >= Math.Min(limits.MaxObjects, limits.MaxPemBlocks))
                    {
                        throw new MaterialException(MaterialErrorCode.TooManyObjects, $"the input holds more than {Math.Min(limits.MaxObjects, limits.MaxPemBlocks)} PEM blocks");
                    }

                    label = line[BeginMarker.Length..^Dashes.Length].ToString();
                    headers = null;
                    headersOpen = true;
                    base64.Clear();
                }

                continue;
            }

            if (line.StartsWith(EndMarker, StringComparison.Ordinal))
            {
                if (!line.EndsWith(Dashes, StringComparison.Ordinal) || line.Length < EndMarker.Length + Dashes.Length || !line[EndMarker.Length..^Dashes.Length].SequenceEqual(label))
                {
                    throw new MaterialException(MaterialErrorCode.Malformed, $"the PEM block '{label}' ends with a different END line");
                }

                blocks.Add(new PemBlock(label, Decode(base64, label), headers));
                label = null;
                continue;
            }

            if (line.StartsWith(BeginMarker, StringComparison.Ordinal))
            {
                throw new MaterialException(MaterialErrorCode.Truncated, $"the PEM block '{label}' has no END line before the next BEGIN line");
            }

            if (headersOpen && base64.Length == 0 && line.IndexOf(':') > 0)
            {
                int colon = line.IndexOf(':');
                (headers ??= new()).Add(new(line[..colon].Trim().ToString(), line[(colon + 1)..].Trim().ToString()));
                continue;
            }

            if (headersOpen && headers is not null && base64.Length == 0 && rawLine.Length > 0 && char.IsWhiteSpace(rawLine[0]) && !line.IsEmpty)
            {
                // RFC 1421 §4.6: a header continues on lines that start with white space.
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + line.ToString());
                continue;
            }

            if (line.IsEmpty)
            {
                headersOpen = false;
                continue;
            }

            headersOpen = false;
            base64.Append(line);
        }

        if (label is not null)
        {
            throw new MaterialException(MaterialErrorCode.Truncated, $"the PEM block '{label}' has no END line: the data is truncated");
        }

        return blocks;
    }

    private static byte[] Decode(StringBuilder base64, string label)
    {
        var text = base64.ToString();
        var buffer = new byte[(text.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            throw new MaterialException(MaterialErrorCode.Malformed, $"the PEM block '{label}' is not valid base64");
        }

        return buffer.AsSpan(0, written).ToArray();
    }
}
