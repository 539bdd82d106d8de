namespace IoTCerts.Core;

/// <summary>One PEM block (RFC 7468; RFC 1421 headers as written by OpenSSL's legacy encrypted keys).</summary>
public sealed class PemBlock
{
    /// <summary>Creates a block.</summary>
    /// <param name="label">The label between <c>-----BEGIN </c> and <c>-----</c>, for example <c>CERTIFICATE</c>.</param>
    /// <param name="data">The decoded bytes.</param>
    /// <param name="headers">RFC 1421 headers such as <c>Proc-Type</c> and <c>DEK-Info</c>, in order; usually none.</param>
    public PemBlock(string label, ReadOnlyMemory<byte> data, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        Label = label;
        Data = data;
        Headers = headers ?? Array.Empty<KeyValuePair<string, string>>();
    }

    /// <summary>The label, for example <c>CERTIFICATE</c> or <c>RSA PRIVATE KEY</c>.</summary>
    public string Label { get; }

    /// <summary>The RFC 1421 headers, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The base64-decoded content.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The value of the first header called <paramref name="name"/> (case-insensitive), if any.</summary>
    public string? GetHeader(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"PEM block '{Label}' ({Data.Length} bytes)";
}
