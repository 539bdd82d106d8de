namespace IoTCerts.Core;

/// <summary>The few RFC 7512 details IoTCerts needs: keep the PIN out of anything stored or printed.</summary>
internal readonly record struct Pkcs11Uri(string Path, IReadOnlyList<KeyValuePair<string, string>> Query)
{
    public bool HasPin => Query.Any(q => q.Key is "pin-value");

    public string WithoutPin => Compose(Path, Query.Where(q => q.Key is not ("pin-value" or "pin-source")));

    public static Pkcs11Uri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase) || uri.Length > 4096)
        {
            throw new MaterialException(MaterialErrorCode.InvalidPkcs11Uri, "a token key must be named by a PKCS#11 URI starting with 'pkcs11:' and at most 4096 characters long (RFC 7512)");
        }

        var question = uri.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? uri : uri[..question];
        var query = new List<KeyValuePair<string, string>>();
        if (question >= 0)
        {
            foreach (var part in uri[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                query.Add(eq < 0 ? new(part, string.Empty) : new(part[..eq], part[(eq + 1)..]));
            }
        }

        return new Pkcs11Uri(path, query);
    }

    public string WithPin(string pin) =>
        Compose(Path, Query.Where(q => q.Key is not ("pin-value" or "pin-source")).Append(new("pin-value", Uri.EscapeDataString(pin))));

    public string WithPinSource(string path) =>
        Compose(Path, Query.Where(q => q.Key is not ("pin-value" or "pin-source")).Append(new("pin-source", "file:" + path)));

    private static string Compose(string path, IEnumerable<KeyValuePair<string, string>> query)
    {
        var q = string.Join('&', query.Select(p => $"{p.Key}={p.Value}"));
        return q.Length == 0 ? path : $"{path}?{q}";
    }
}
