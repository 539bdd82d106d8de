namespace IoTCerts.Core.Tests.Loading;

[Collection(OpenSslCollection.Name)]
public sealed class PassphraseTests
{
    private readonly OpenSslFixtures openssl;

    public PassphraseTests(OpenSslFixtures openssl) => this.openssl = openssl;

    public static TheoryData<string> EncryptedFiles => new()
    {
        "genrsa-aes256.pem",
        "rsa.legacy-aes128.pem",
        "rsa.legacy-aes192.pem",
        "rsa.legacy-des3.pem",
        "ec.legacy-des3.pem",
        "ec.legacy-aes256.pem",
        "rsa.p8-aes256.pem",
        "rsa.p8-aes256.der",
        "ec.p8-aes128-sha1.pem",
        "ec.p8-3des.pem",
        "rsa.p12",
        "rsa-legacy.p12",
        "ec-nomac.p12",
        "ec-cheap.p12",
    };

    [Theory]
    [MemberData(nameof(EncryptedFiles))]
    public void WrongPassphraseIsWrongPassphrase(string file)
    {
        // Several wrong passphrases, so a lucky CBC padding on a legacy format cannot hide a crash path.
        foreach (var wrong in new[] { "wrong", "pw ", "PW", "a much longer wrong passphrase" })
        {
            var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(openssl.Path(file), new LoadOptions { Password = wrong }));

            Assert.Equal(MaterialErrorCode.WrongPassphrase, error.Code);
            Assert.Equal("passphrase does not match the key", error.Message);
            Assert.DoesNotContain(wrong, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EncryptedFiles))]
    public void MissingPassphraseIsPassphraseRequired(string file)
    {
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(openssl.Path(file)));

        Assert.Equal(MaterialErrorCode.PassphraseRequired, error.Code);
    }

    [Fact]
    public void EmptyPasswordPkcs12OpensWithNoPassphraseOrTheEmptyOne()
    {
        Assert.Single(MaterialLoader.LoadFile(openssl.Path("ec-empty-password.p12")).PrivateKeys);
        Assert.Single(MaterialLoader.LoadFile(openssl.Path("ec-empty-password.p12"), new LoadOptions { Password = string.Empty }).PrivateKeys);
        Assert.Equal(
            MaterialErrorCode.WrongPassphrase,
            Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(openssl.Path("ec-empty-password.p12"), new LoadOptions { Password = "x" })).Code);
    }

    [Fact]
    public void EvpBytesToKeyMatchesOpenSsl()
    {
        // openssl enc -aes-256-cbc -P -md md5 -pass pass:pw -S 0102030405060708 prints the key EVP_BytesToKey derives.
        var (exit, output) = openssl.OpenSsl("enc", "-aes-256-cbc", "-P", "-md", "md5", "-pass", "pass:pw", "-S", "0102030405060708");
        Assert.Equal(0, exit);
        var expected = output.Split('\n').Single(l => l.StartsWith("key", StringComparison.Ordinal)).Split('=')[1].Trim();

        var key = PrivateKeyDecoder.EvpBytesToKey("pw"u8, [1, 2, 3, 4, 5, 6, 7, 8], 32);

        Assert.Equal(expected, Convert.ToHexString(key));
    }
}
