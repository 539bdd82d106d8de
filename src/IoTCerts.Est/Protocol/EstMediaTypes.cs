namespace IoTCerts.Est;

/// <summary>The media types of RFC 7030 section 4.</summary>
internal static class EstMediaTypes
{
    public const string Pkcs7Mime = "application/pkcs7-mime";
    public const string Pkcs10 = "application/pkcs10";
    public const string CsrAttrs = "application/csrattrs";
    public const string Pkcs8 = "application/pkcs8";
    public const string MultipartMixed = "multipart/mixed";

    /// <summary>RFC 8951 / est-notes: compare type/subtype only, parameters (smime-type, charset) may be absent or differ.</summary>
    public static bool Matches(string? contentType, string expected)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var bare = (semicolon >= 0 ? contentType[..semicolon] : contentType).Trim();
        return string.Equals(bare, expected, StringComparison.OrdinalIgnoreCase);
    }
}
