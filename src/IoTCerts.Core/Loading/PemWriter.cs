using System.Text;

namespace IoTCerts.Core;

/// <summary>Writes PEM blocks: RFC 7468 strict encoding, 64-character lines, LF line ends.</summary>
public static class PemWriter
{
    /// <summary>Encodes one block without headers.</summary>
    public static string Write(string label, ReadOnlySpan<byte> data)
    {
        var builder = new StringBuilder();
        Append(builder, label, data, null);
        return builder.ToString();
    }

    /// <summary>Encodes one block, with its headers if it has any.</summary>
    public static string Write(PemBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var builder = new StringBuilder();
        Append(builder, block.Label, block.Data.Span, block.Headers);
        return builder.ToString();
    }

    /// <summary>Encodes several blocks, one after another.</summary>
    public static string Write(IEnumerable<PemBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var builder = new StringBuilder();
        foreach (var block in blocks)
        {
            Append(builder, block.Label, block.Data.Span, block.Headers);
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string label, ReadOnlySpan<byte> data, IReadOnlyList<KeyValuePair<string, string>>? headers)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.AsSpan().ContainsAny('\r', '\n') || label.Contains(Dashes, StringComparison.Ordinal) || label != label.Trim())
        {
            throw new ArgumentException("a PEM label is one line without '-----' and without surrounding white space", nameof(label));
        }

        builder.Append("-----BEGIN ").Append(label).Append("-----\n");
        if (headers is { Count: > 0 })
        {
            foreach (var header in headers)
            {
                builder.Append(header.Key).Append(": ").Append(header.Value).Append('\n');
            }

            builder.Append('\n');
        }

        var base64 = Convert.ToBase64String(data);
        for (int i = 0; i < base64.Length; i += 64)
        {
            builder.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        }

        builder.Append("-----END ").Append(label).Append("-----\n");
    }

    private const string Dashes = "-----";
}
