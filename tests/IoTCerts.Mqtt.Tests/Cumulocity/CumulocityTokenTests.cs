using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using IoTCerts.Mqtt;
using IoTCerts.Mqtt.Tests.Fixtures;

namespace IoTCerts.Mqtt.Tests.Cumulocity;

public sealed class CumulocityTokenTests
{
    private static readonly DateTimeOffset Received = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Jwt(string payloadJson) =>
        "eyJhbGciOiJSUzI1NiJ9." + Convert.ToBase64String(Encoding.UTF8.GetBytes(payloadJson)).TrimEnd('=').Replace('+', '-').Replace('/', '_') + ".sig";

    [Fact]
    public void Expiry_comes_from_exp_and_refresh_is_due_after_half_the_lifetime()
    {
        string jwt = FakeCumulocityPeer.MakeJwt(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), 3600);

        Assert.True(CumulocityToken.TryParseResponse(Encoding.UTF8.GetBytes("71," + jwt), Received, out CumulocityToken? token));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_003_600), token!.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), token.IssuedAt);
        Assert.Equal(TimeSpan.FromHours(1), token.Lifetime);
        Assert.Equal(Received.AddMinutes(30), token.RefreshAt);
        Assert.Equal(jwt, token.Value);
    }

    [Fact]
    public void Without_iat_the_lifetime_counts_from_receipt_and_other_claims_are_skipped()
    {
        long exp = Received.AddMinutes(10).ToUnixTimeSeconds();
        CumulocityToken token = CumulocityToken.Parse(Jwt($"{{\"nested\":{{\"exp\":1,\"a\":[1,2,{{}}]}},\"exp\":{exp}.0,\"iat\":\"text\"}}"), Received);
        Assert.Equal(TimeSpan.FromMinutes(10), token.Lifetime);
        Assert.Null(token.IssuedAt);
    }

    [Fact]
    public void The_71_line_is_found_among_other_smartrest_lines_and_other_payloads_are_ignored()
    {
        string jwt = FakeCumulocityPeer.MakeJwt(Received, 300);
        Assert.True(CumulocityToken.TryParseResponse(Encoding.UTF8.GetBytes($"510,x\r\n71,\"{jwt}\"\r\n"), Received, out CumulocityToken? token));
        Assert.Equal(jwt, token!.Value);
        Assert.False(CumulocityToken.TryParseResponse(Encoding.UTF8.GetBytes("510,restart"), Received, out _));
    }

    [Theory]
    [InlineData("onlyonepart", "three dot-separated parts")]
    [InlineData("a.!!!.c", "not base64url")]
    [InlineData("a.bm90IGpzb24.c", "not valid JSON")]
    [InlineData("a.WzFd.c", "not a JSON object")]
    [InlineData("a.eyJpYXQiOjF9.c", "no numeric 'exp'")]
    [InlineData("a.eyJleHAiOjEsImlhdCI6Mn0.c", "'iat' is not before its 'exp'")]
    [InlineData("a.eyJleHAiOjFlMzAwfQ.c", "out of range")]
    public void Malformed_tokens_fail_with_our_exception_and_a_reason(string jwt, string reason)
    {
        var e = Assert.Throws<CumulocityTokenException>(() => CumulocityToken.Parse(jwt, Received));
        Assert.Equal(CumulocityTokenError.Malformed, e.Error);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_recursed()
    {
        string deep = new string('[', 100) + new string(']', 100);
        var e = Assert.Throws<CumulocityTokenException>(() => CumulocityToken.Parse(Jwt($"{{\"x\":{deep},\"exp\":9}}"), Received));
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 1000)]
    public Property Arbitrary_answers_never_fail_with_another_exception_type()
    {
        Gen<string> pieces = Gen.Elements("71,", "a", ".", "eyJleHAiOjE", "fQ", "\n", "\"", "=", "-", "_", "{}", "ey", "e30");
        Gen<string> answers = pieces.ArrayOf().Select(p => string.Concat(p));
        return Prop.ForAll(answers.ToArbitrary(), text =>
        {
            try
            {
                CumulocityToken.TryParseResponse(Encoding.UTF8.GetBytes(text), Received, out _);
            }
            catch (CumulocityTokenException)
            {
            }
        });
    }
}
