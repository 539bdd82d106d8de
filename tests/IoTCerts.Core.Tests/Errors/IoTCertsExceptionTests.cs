namespace IoTCerts.Core.Tests.Errors;

/// <summary>The shared shape of the packages' exception families: the code and its stable kebab-case text.</summary>
public sealed class IoTCertsExceptionTests
{
    public enum SampleCode
    {
        Transport = 1,
        ResponseTooLarge,
    }

    [Theory]
    [InlineData(SampleCode.Transport, "transport")]
    [InlineData(SampleCode.ResponseTooLarge, "response-too-large")]
    [InlineData((SampleCode)99, "unknown")]
    public void CodeString_is_the_code_in_kebab_case(SampleCode code, string expected)
    {
        var error = new SampleException(code);

        Assert.Equal(code, error.Code);
        Assert.Equal(expected, error.CodeString);
        Assert.Equal("it failed", error.Message);
    }

    private sealed class SampleException(SampleCode code) : IoTCertsException<SampleCode>(code, "it failed", null);
}
