using IoTCerts.Core;

namespace IoTCerts.Core.Tests;

public sealed class MaterialErrorCodeTests
{
    [Fact]
    public void EveryCodeHasItsOwnStableStringAndSentence()
    {
        var codes = Enum.GetValues<MaterialErrorCode>();
        var strings = codes.Select(c => c.ToCode()).ToList();

        Assert.DoesNotContain("unknown-error", strings);
        Assert.Equal(strings.Count, strings.Distinct().Count());
        Assert.All(codes, c => Assert.False(string.IsNullOrWhiteSpace(c.DefaultMessage())));
        Assert.Equal("passphrase does not match the key", MaterialErrorCode.WrongPassphrase.DefaultMessage());
    }
}
