using System.Text;

namespace IoTCerts.Core.Tests.Loading;

[Collection(OpenSslCollection.Name)]
public sealed class MaterialWriterTests : IDisposable
{
    private const string NewPassword = "s3cret-out";
    private readonly OpenSslFixtures openssl;
    private readonly string directory;

    public MaterialWriterTests(OpenSslFixtures openssl)
    {
        this.openssl = openssl;
        directory = Path.Combine(openssl.Directory, "out-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Pkcs12FromWriterIsReadByOpenSslWithModernAlgorithmsAndAlias()
    {
        var material = MaterialLoader.LoadFile(openssl.Path("rsa-legacy.p12"), new LoadOptions { Password = OpenSslFixtures.Password });
        var path = Path.Combine(directory, "device.p12");

        MaterialWriter.WriteFile(path, material, MaterialOutputFormat.Pkcs12, new MaterialWriteOptions { Password = NewPassword, Iterations = 10_000 });

        var (exit, output) = openssl.OpenSsl("pkcs12", "-info", "-nokeys", "-in", path, "-passin", "pass:" + NewPassword);
        Assert.True(exit == 0, output);
        Assert.Contains("friendlyName: devicekeyentry", output, StringComparison.Ordinal);
        Assert.Contains("AES-256-CBC", output, StringComparison.Ordinal);
        Assert.Contains("MAC: sha256", output, StringComparison.Ordinal);
        Assert.Equal(3, CountOccurrences(output, "BEGIN CERTIFICATE"));
        var (keyExit, keyOutput) = openssl.OpenSsl("pkcs12", "-in", path, "-nocerts", "-nodes", "-passin", "pass:" + NewPassword);
        Assert.True(keyExit == 0, keyOutput);
        Assert.Contains("BEGIN PRIVATE KEY", keyOutput, StringComparison.Ordinal);

        var reloaded = MaterialLoader.LoadFile(path, new LoadOptions { Password = NewPassword });
        Assert.Equal(3, reloaded.Certificates.Count);
        Assert.True(KeyMatch.Matches(reloaded.PrivateKeys[0], reloaded.Certificates[0]));
        Assert.Equal("devicekeyentry", reloaded.PrivateKeys[0].Origin.FriendlyName);
    }

    [Fact]
    public void Pkcs12FromWriterIsAPrivateKeyEntryForJavaKeytool()
    {
        var material = MaterialLoader.LoadFile(openssl.Path("ec-cheap.p12"), new LoadOptions { Password = OpenSslFixtures.Password });
        var path = Path.Combine(directory, "device.p12");
        MaterialWriter.WriteFile(path, MaterialWriter.ToPkcs12(material.PrivateKeys[0], material.Certificates, new MaterialWriteOptions { Password = NewPassword, FriendlyName = "my-device", Iterations = 2048 }), holdsPrivateKey: true);

        var (exit, output) = openssl.Run("keytool", "-list", "-keystore", path, "-storetype", "PKCS12", "-storepass", NewPassword);

        Assert.True(exit == 0, output);
        Assert.Contains("my-device", output, StringComparison.Ordinal);
        Assert.Contains("PrivateKeyEntry", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TruststoreFromWriterListsTrustedCertEntriesInJavaKeytool()
    {
        var chain = MaterialLoader.LoadFile(openssl.Path("chain.pem"));
        var path = Path.Combine(directory, "trust.p12");

        MaterialWriter.WriteFile(path, chain, MaterialOutputFormat.Pkcs12, new MaterialWriteOptions { Password = NewPassword, Iterations = 2048 });

        var (exit, output) = openssl.Run("keytool", "-list", "-keystore", path, "-storetype", "PKCS12", "-storepass", NewPassword);
        Assert.True(exit == 0, output);
        Assert.Equal(2, CountOccurrences(output, "trustedCertEntry"));
        Assert.Contains("test-root", output, StringComparison.Ordinal);
        Assert.Contains("test-intermediate", output, StringComparison.Ordinal);
        Assert.DoesNotContain("PrivateKeyEntry", output, StringComparison.Ordinal);
        Assert.Equal(2, MaterialLoader.LoadFile(path, new LoadOptions { Password = NewPassword }).Certificates.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(NewPassword)]
    public void PrivateKeyPemFromWriterIsReadByOpenSslPkey(string? password)
    {
        var key = MaterialLoader.LoadFile(openssl.Path("rsa.pkcs1.der")).PrivateKeys[0];
        var path = Path.Combine(directory, "device.key");

        MaterialWriter.WriteFile(path, Encoding.ASCII.GetBytes(MaterialWriter.PrivateKeyToPem(key, password, iterations: 10_000)), holdsPrivateKey: true);

        var (exit, output) = openssl.OpenSsl("rsa", "-in", path, "-passin", "pass:" + (password ?? "unused"), "-noout", "-modulus");
        Assert.True(exit == 0, output);
        Assert.Equal(File.ReadAllText(openssl.Path("rsa.modulus")).Trim(), output.Trim());
        Assert.Equal(password is null ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadLines(path).First());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void DerCertificateFromWriterIsReadByOpenSslX509()
    {
        var material = MaterialLoader.LoadFile(openssl.Path("rsa-pem-named.der"));
        var path = Path.Combine(directory, "device.der");

        MaterialWriter.WriteFile(path, material, MaterialOutputFormat.Der);

        var (exit, output) = openssl.OpenSsl("x509", "-inform", "DER", "-in", path, "-noout", "-subject");
        Assert.True(exit == 0, output);
        Assert.Contains("device-rsa", output, StringComparison.Ordinal);
        Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(openssl.Bytes("rsa.crt.der")));
    }

    [Fact]
    public void PemOfEverythingRoundTripsAndCsrCrlAreReadByOpenSsl()
    {
        var csr = MaterialLoader.LoadFile(openssl.Path("rsa.csr.der")).CertificationRequests[0];
        var crl = MaterialLoader.LoadFile(openssl.Path("int.crl.der")).Crls[0];
        var csrPath = Path.Combine(directory, "device.csr");
        var crlPath = Path.Combine(directory, "int.crl");
        MaterialWriter.WriteFile(csrPath, Encoding.ASCII.GetBytes(MaterialWriter.CertificationRequestToPem(csr)), holdsPrivateKey: false);
        MaterialWriter.WriteFile(crlPath, Encoding.ASCII.GetBytes(MaterialWriter.CrlToPem(crl)), holdsPrivateKey: false);

        Assert.Equal(0, openssl.OpenSsl("req", "-in", csrPath, "-noout", "-verify").ExitCode);
        Assert.Equal(0, openssl.OpenSsl("crl", "-in", crlPath, "-noout").ExitCode);

        var bundle = MaterialLoader.LoadFile(openssl.Path("rsa.p12"), new LoadOptions { Password = OpenSslFixtures.Password });
        var pem = MaterialWriter.Encode(bundle, MaterialOutputFormat.Pem, new MaterialWriteOptions { Password = NewPassword, Iterations = 1000 });
        var again = MaterialLoader.Load(pem, new LoadOptions { Password = NewPassword });
        Assert.Equal(bundle.Certificates.Select(c => Convert.ToHexString(c.RawData.Span)), again.Certificates.Select(c => Convert.ToHexString(c.RawData.Span)));
        Assert.Equal(bundle.PrivateKeys[0].SubjectPublicKeyInfo.ToArray(), again.PrivateKeys[0].SubjectPublicKeyInfo.ToArray());
    }

    [Fact]
    public void MisfitsAreRefused()
    {
        var chain = MaterialLoader.LoadFile(openssl.Path("chain.pem"));
        Assert.Throws<ArgumentException>(() => MaterialWriter.Encode(chain, MaterialOutputFormat.Der));

        var rsaKey = MaterialLoader.LoadFile(openssl.Path("rsa.p8.pem")).PrivateKeys[0];
        var error = Assert.Throws<MaterialException>(() => MaterialWriter.ToPkcs12(rsaKey, chain.Certificates));
        Assert.Equal(MaterialErrorCode.KeyCertificateMismatch, error.Code);
    }

    [Fact]
    public void FailedWriteLeavesTheOldFileIntactAndNoTemporaryFile()
    {
        var path = Path.Combine(directory, "device.key");
        File.WriteAllText(path, "the old good key");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, holdsPrivateKey: true, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("disk full (simulated)");
        }));

        Assert.Equal("the old good key", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(directory));
    }

    [Fact]
    public void KeyFileIsOwnerOnlyEvenWhenItReplacesAWorldReadableFile()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(directory, "device.key");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        UnixFileMode? modeSeenWhileWriting = null;

        AtomicFile.Write(path, holdsPrivateKey: true, stream =>
        {
            // Before the first byte: the temporary file already exists with 0600.
            modeSeenWhileWriting = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(((FileStream)stream).Name);
            stream.Write("new"u8);
        });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, modeSeenWhileWriting);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("new", File.ReadAllText(path));
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
