using System.Text;

namespace IoTCerts.Est;

/// <summary>
/// Decodes and encodes EST bodies: base64 of DER (RFC 7030 section 4) with whitespace allowed anywhere
/// (RFC 8951 section 3), or a PEM body as some servers send.
/// </summary>
public static class EstBody
{
    /// <summary>Returns DER blocks: one for a base64 body, one per PEM block (with its label) for a PEM body.</summary>
    /// <exception cref="FormatException">The body is neither base64 nor well-formed PEM.</exception>
    public static IReadOnlyList<(string? Label, byte[] Der)> Decode(ReadOnlySpan<byte> body)
    {
        var text = Encoding.ASCII.GetString(body);
        if (text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            return DecodePem(text);
        }

        return [(null, DecodeBase64(text))];
    }

    /// <summary>Decodes a base64 body, skipping the whitespace RFC 8951 section 3 allows anywhere.</summary>
    /// <exception cref="FormatException">The text is empty or not base64.</exception>
    public static byte[] DecodeBase64(string text)
    {
        // Some servers end the body with NUL bytes (a C string's terminator sent along): trailing ones are padding.
        text = text.TrimEnd('\0', ' ', '\t', '\r', '\n');
        var compact = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            compact.Append(c);
        }

        if (compact.Length == 0)
        {
            throw new FormatException("the body is empty");
        }

        var bytes = new byte[compact.Length];
        if (!Convert.TryFromBase64String(compact.ToString(), bytes, out var written))
        {
            throw new FormatException("the body is not base64");
        }

        return bytes.AsSpan(0, written).ToArray();
    }

    private static List<(string? Label, byte[] Der)> DecodePem(string text)
    {
        var blocks = new List<(string?, byte[])>();
        var position = 0;
        while (true)
        {
            var begin = text.IndexOf("-----BEGIN ", position, StringComparison.Ordinal);
            if (begin < 0)
            {
                break;
            }

            var labelStart = begin + "-----BEGIN ".Length;
            var labelEnd = text.IndexOf("-----", labelStart, StringComparison.Ordinal);
            if (labelEnd < 0)
            {
                throw new FormatException("a PEM header is not terminated");
            }

            var label = text[labelStart..labelEnd];
            var footer = $"-----END {label}-----";
            var end = text.IndexOf(footer, labelEnd, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new FormatException($"the PEM block '{label}' has no END line");
            }

            blocks.Add((label, DecodeBase64(text[(labelEnd + 5)..end])));
            position = end + footer.Length;
        }

        if (blocks.Count == 0)
        {
            throw new FormatException("the PEM body has no block");
        }

        return blocks;
    }

    /// <summary>64-column base64 with CRLF, the form every EST server accepts (RFC 7030 section 4.2.1).</summary>
    public static string EncodeBase64(ReadOnlySpan<byte> der)
    {
        var base64 = Convert.ToBase64String(der);
        var builder = new StringBuilder(base64.Length + (base64.Length / 64 * 2) + 2);
        for (var i = 0; i < base64.Length; i += 64)
        {
            builder.Append(base64, i, Math.Min(64, base64.Length - i)).Append("\r\n");
        }

        return builder.ToString();
    }
}
