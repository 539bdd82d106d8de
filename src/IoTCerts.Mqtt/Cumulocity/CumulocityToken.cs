using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace IoTCerts.Mqtt;

/// <summary>Why a Cumulocity JWT could not be obtained.</summary>
public enum CumulocityTokenError
{
    /// <summary>The <c>71,</c> answer or the JWT inside it is malformed (not three base64url parts, no <c>exp</c>).</summary>
    Malformed = 1,

    /// <summary>No answer arrived on <c>s/dat</c> within the allowed attempts.</summary>
    NoAnswer,
}

/// <summary>A Cumulocity JWT could not be obtained or read. Messages never contain the token.</summary>
public sealed class CumulocityTokenException : MqttException
{
    /// <summary>Creates the exception with an operator sentence.</summary>
    public CumulocityTokenException(CumulocityTokenError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public CumulocityTokenError Error { get; }

    /// <inheritdoc />
    public override string CodeString => Error == CumulocityTokenError.Malformed ? "token-malformed" : "token-no-answer";
}

/// <summary>
/// A Cumulocity device JWT received over MQTT: the token, its expiry from the payload's <c>exp</c>, and when to
/// refresh it — after half of its lifetime. The lifetime is <c>exp - iat</c> measured on the platform's clock
/// and the refresh time is counted from local receipt, so a skewed device clock does not matter.
/// </summary>
public sealed class CumulocityToken
{
    private const int MaximumTokenLength = 16 * 1024;

    private CumulocityToken(string value, DateTimeOffset expiresAt, DateTimeOffset? issuedAt, DateTimeOffset receivedAt)
    {
        Value = value;
        ExpiresAt = expiresAt;
        IssuedAt = issuedAt;
        ReceivedAt = receivedAt;
        Lifetime = expiresAt - (issuedAt ?? receivedAt);
    }

    /// <summary>The JWT (a secret: do not log it).</summary>
    public string Value { get; }

    /// <summary>The expiry from the JWT's <c>exp</c> claim.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The issue time from the JWT's <c>iat</c> claim, when present.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>When the client received the token (local clock).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The token's lifetime: <c>exp - iat</c> (or <c>exp</c> minus receipt when <c>iat</c> is absent).</summary>
    public TimeSpan Lifetime { get; }

    /// <summary>When to fetch the next token: half the lifetime after receipt .</summary>
    public DateTimeOffset RefreshAt => ReceivedAt + (Lifetime / 2);

    /// <summary>Reads a JWT's <c>exp</c> and <c>iat</c> claims (the signature is the platform's business, not checked here).</summary>
    /// <exception cref="CumulocityTokenException">The JWT is malformed or has no numeric <c>exp</c>.</exception>
    public static CumulocityToken Parse(string jwt, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        if (jwt.Length is 0 or > MaximumTokenLength)
        {
            throw Malformed("the JWT is empty or longer than 16 KiB");
        }

        string[] parts = jwt.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            throw Malformed("the JWT does not have three dot-separated parts");
        }

        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException e)
        {
            throw Malformed("the JWT payload is not base64url", e);
        }

        (long? exp, long? iat) = ReadTimes(payload);
        if (exp is null)
        {
            throw Malformed("the JWT payload has no numeric 'exp' claim");
        }

        try
        {
            DateTimeOffset expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp.Value);
            DateTimeOffset? issuedAt = iat is null ? null : DateTimeOffset.FromUnixTimeSeconds(iat.Value);
            if (issuedAt >= expiresAt)
            {
                throw Malformed("the JWT's 'iat' is not before its 'exp'");
            }

            return new CumulocityToken(jwt, expiresAt, issuedAt, receivedAt);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw Malformed("the JWT's 'exp' or 'iat' is out of range", e);
        }
    }

    /// <summary>
    /// Finds the SmartREST line <c>71,&lt;JWT&gt;</c> in an <c>s/dat</c> payload (which may hold several lines) and parses it.
    /// Returns <see langword="false"/> when the payload holds no <c>71</c> line.
    /// </summary>
    /// <exception cref="CumulocityTokenException">A <c>71</c> line is present but its JWT is malformed.</exception>
    public static bool TryParseResponse(ReadOnlySpan<byte> payload, DateTimeOffset receivedAt, out CumulocityToken? token)
    {
        token = null;
        if (payload.Length > MaximumTokenLength * 4)
        {
            return false;
        }

        foreach (string raw in Encoding.UTF8.GetString(payload).Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (!line.StartsWith("71,", StringComparison.Ordinal))
            {
                continue;
            }

            token = Parse(line[3..].Trim().Trim('"'), receivedAt);
            return true;
        }

        return false;
    }

    /// <summary>Describes the token without revealing it.</summary>
    public override string ToString() => $"Cumulocity JWT (expires {ExpiresAt:u}, lifetime {Lifetime.TotalSeconds:0} s)";

    // Utf8JsonReader, no reflection (AOT); only top-level numeric claims are read, everything else is skipped.
    private static (long? Exp, long? Iat) ReadTimes(byte[] payload)
    {
        long? exp = null;
        long? iat = null;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed("the JWT payload is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isExp = reader.ValueTextEquals("exp"u8);
                bool isIat = reader.ValueTextEquals("iat"u8);
                reader.Read();
                if ((isExp || isIat) && reader.TokenType == JsonTokenType.Number)
                {
                    long value = reader.TryGetInt64(out long whole) ? whole : (long)Math.Floor(reader.GetDouble());
                    if (isExp)
                    {
                        exp = value;
                    }
                    else
                    {
                        iat = value;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return (exp, iat);
        }
        catch (JsonException e)
        {
            throw Malformed("the JWT payload is not valid JSON", e);
        }
        catch (OverflowException e)
        {
            throw Malformed("the JWT's 'exp' or 'iat' is out of range", e);
        }
    }

    private static CumulocityTokenException Malformed(string detail, Exception? inner = null) =>
        new(CumulocityTokenError.Malformed, "the Cumulocity token answer is malformed: " + detail, inner);
}
