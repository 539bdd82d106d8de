namespace IoTCerts.Est;

/// <summary>The media types of RFC 7030 section 4.</summary>
public static class EstMediaTypes
{
    /// <summary>PKCS#7 certs-only (certificates in /cacerts and enrollment answers).</summary>
    public const string Pkcs7Mime = "application/pkcs7-mime";
    /// <summary>A PKCS#10 certification request (/simpleenroll, /simplereenroll).</summary>
    public const string Pkcs10 = "application/pkcs10";
    /// <summary>The CSR attributes of /csrattrs.</summary>
    public const string CsrAttrs = "application/csrattrs";
    /// <summary>A PKCS#8 private key (/serverkeygen).</summary>
    public const string Pkcs8 = "application/pkcs8";
    /// <summary>The /serverkeygen answer: key and certificate parts.</summary>
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
