using System.Buffers.Text;
using System.Text.Json;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// A device JWT from the platform, with the lifetime read from its <c>iat</c>/<c>exp</c> claims when present.
/// <see cref="ToString"/> never prints the token.
/// </summary>
public sealed class DeviceAccessToken
{
    /// <summary>Wraps <paramref name="token"/> and reads its times (the signature is not checked: the platform issued it to us over TLS).</summary>
    public DeviceAccessToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        Token = token;
        (IssuedAt, ExpiresAt) = ReadTimes(token);
    }

    /// <summary>The JWT, to send as <c>Authorization: Bearer</c>.</summary>
    public string Token { get; }

    /// <summary>The <c>iat</c> claim, if the token has one.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>The <c>exp</c> claim, if the token has one.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>When a new token may be asked for: after half the lifetime, if both times are known.</summary>
    public DateTimeOffset? RefreshAfter => IssuedAt is { } iat && ExpiresAt is { } exp && exp > iat ? iat + ((exp - iat) / 2) : null;

    /// <summary>A description without the token itself.</summary>
    public override string ToString() => ExpiresAt is { } exp ? $"device access token (expires {exp:u})" : "device access token";

    private static (DateTimeOffset?, DateTimeOffset?) ReadTimes(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length > 16 * 1024)
        {
            return (null, null);
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 8 });
            DateTimeOffset? iat = null, exp = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds) && seconds is >= 0 and < 253402300800)
                {
                    if (name == "iat")
                    {
                        iat = DateTimeOffset.FromUnixTimeSeconds(seconds);
                    }
                    else if (name == "exp")
                    {
                        exp = DateTimeOffset.FromUnixTimeSeconds(seconds);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return (iat, exp);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (null, null);
        }
    }
}
