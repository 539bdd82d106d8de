using System.Text;

namespace IoTCerts.Est;

/// <summary>
/// A minimal multipart/mixed (RFC 2046 section 5.1) reader and writer for /serverkeygen (RFC 7030 section 4.4.2):
/// the body is ASCII (base64 parts), so it is handled as text. Parts are bounded by <see cref="MaxParts"/>.
/// </summary>
public static class MultipartMixed
{
    /// <summary>The most parts <see cref="Read"/> accepts (a /serverkeygen answer has two).</summary>
    public const int MaxParts = 8;

    /// <summary>The boundary parameter of a multipart Content-Type, or null when it has none.</summary>
    public static string? GetBoundary(string contentType)
    {
        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            if (string.Equals(parameter[..equals].Trim(), "boundary", StringComparison.OrdinalIgnoreCase))
            {
                return parameter[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    /// <summary>The parts of <paramref name="body"/> (Content-Type and body text each), in order.</summary>
    /// <exception cref="FormatException">The body is not multipart with that boundary, is not terminated, or has more than <see cref="MaxParts"/> parts.</exception>
    public static List<(string? ContentType, string Body)> Read(string body, string boundary)
    {
        var delimiter = "--" + boundary;
        var parts = new List<(string?, string)>();
        var position = body.IndexOf(delimiter, StringComparison.Ordinal);
        if (position < 0)
        {
            throw new FormatException("the multipart body has no boundary line");
        }

        while (true)
        {
            position += delimiter.Length;
            if (string.CompareOrdinal(body, position, "--", 0, 2) == 0)
            {
                return parts;
            }

            var next = body.IndexOf("\n" + delimiter, position, StringComparison.Ordinal);
            if (next < 0)
            {
                throw new FormatException("the multipart body is not terminated");
            }

            if (parts.Count == MaxParts)
            {
                throw new FormatException($"the multipart body has more than {MaxParts} parts");
            }

            parts.Add(ParsePart(body[position..next]));
            position = next + 1;
        }
    }

    private static (string? ContentType, string Body) ParsePart(string part)
    {
        var normalized = part.Replace("\r\n", "\n", StringComparison.Ordinal);
        var headerEnd = normalized.IndexOf("\n\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            throw new FormatException("a multipart part has no header/body separator");
        }

        string? contentType = null;
        foreach (var line in normalized[..headerEnd].Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && string.Equals(line[..colon].Trim(), "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = line[(colon + 1)..].Trim();
            }

            // Content-Transfer-Encoding is ignored on purpose: the body is base64 whatever it claims (RFC 8951 section 3).
        }

        return (contentType, normalized[(headerEnd + 2)..]);
    }

    /// <summary>Writes the parts as one multipart/mixed body with base64 transfer encoding (RFC 7030 section 4.4.2).</summary>
    public static string Write(string boundary, IEnumerable<(string ContentType, string Body)> parts)
    {
        var builder = new StringBuilder();
        foreach (var (contentType, body) in parts)
        {
            builder.Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Type: ").Append(contentType).Append("\r\n")
                .Append("Content-Transfer-Encoding: base64\r\n\r\n")
                .Append(body);
            if (!body.EndsWith('\n'))
            {
                builder.Append("\r\n");
            }
        }

        builder.Append("--").Append(boundary).Append("--\r\n");
        return builder.ToString();
    }
}
