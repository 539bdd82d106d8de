using System.Security.Cryptography;

namespace IoTCerts.Core.Tests.Loading;

[Collection(OpenSslCollection.Name)]
public sealed class OpenSslLoadingTests
{
    private readonly OpenSslFixtures openssl;

    public OpenSslLoadingTests(OpenSslFixtures openssl) => this.openssl = openssl;

    public static TheoryData<string, MaterialFormat, int, int, int, int, string?> Files => new()
    {
        // file, container, certificates, keys, CSRs, CRLs, protection (substring) of the first key
        { "rsa.crt.pem", MaterialFormat.Pem, 1, 0, 0, 0, null },
        { "rsa.crt.der", MaterialFormat.Der, 1, 0, 0, 0, null },
        { "rsa-der-named.pem", MaterialFormat.Der, 1, 0, 0, 0, null },
        { "rsa-pem-named.der", MaterialFormat.Pem, 1, 0, 0, 0, null },
        { "chain.pem", MaterialFormat.Pem, 2, 0, 0, 0, null },
        { "root.trusted.pem", MaterialFormat.Pem, 1, 0, 0, 0, null },
        { "rsa.csr.pem", MaterialFormat.Pem, 0, 0, 1, 0, null },
        { "rsa.csr.der", MaterialFormat.Der, 0, 0, 1, 0, null },
        { "int.crl.pem", MaterialFormat.Pem, 0, 0, 0, 1, null },
        { "int.crl.der", MaterialFormat.Der, 0, 0, 0, 1, null },
        { "bundle.p7b.pem", MaterialFormat.Pem, 3, 0, 0, 0, null },
        { "bundle.p7b", MaterialFormat.Pkcs7, 3, 0, 0, 0, null },
        { "rsa.p8.pem", MaterialFormat.Pem, 0, 1, 0, 0, null },
        { "rsa.p8.der", MaterialFormat.Der, 0, 1, 0, 0, null },
        { "rsa.pkcs1.pem", MaterialFormat.Pem, 0, 1, 0, 0, null },
        { "rsa.pkcs1.der", MaterialFormat.Der, 0, 1, 0, 0, null },
        { "ec.p8.pem", MaterialFormat.Pem, 0, 1, 0, 0, null },
        { "ec.sec1.pem", MaterialFormat.Pem, 0, 1, 0, 0, null },
        { "ec.sec1.der", MaterialFormat.Der, 0, 1, 0, 0, null },
        { "ec.params-and-key.pem", MaterialFormat.Pem, 0, 1, 0, 0, null },
        { "genrsa-aes256.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM AES-256-CBC" },
        { "rsa.legacy-aes128.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM AES-128-CBC" },
        { "rsa.legacy-aes192.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM AES-192-CBC" },
        { "rsa.legacy-des3.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM DES-EDE3-CBC" },
        { "ec.legacy-des3.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM DES-EDE3-CBC" },
        { "ec.legacy-aes256.pem", MaterialFormat.Pem, 0, 1, 0, 0, "legacy OpenSSL PEM AES-256-CBC" },
        { "rsa.p8-aes256.pem", MaterialFormat.Pem, 0, 1, 0, 0, "PKCS#8 PBES2 AES-256-CBC (PBKDF2 HMAC-SHA-256)" },
        { "rsa.p8-aes256.der", MaterialFormat.Der, 0, 1, 0, 0, "PKCS#8 PBES2 AES-256-CBC" },
        { "ec.p8-aes128-sha1.pem", MaterialFormat.Pem, 0, 1, 0, 0, "PKCS#8 PBES2 AES-128-CBC (PBKDF2 HMAC-SHA-1)" },
        { "ec.p8-3des.pem", MaterialFormat.Pem, 0, 1, 0, 0, "PKCS#8 PBES1 SHA-1 3DES" },
        { "rsa.p12", MaterialFormat.Pkcs12, 3, 1, 0, 0, "PKCS#12 PBES2 AES-256-CBC" },
        { "rsa-legacy.p12", MaterialFormat.Pkcs12, 3, 1, 0, 0, "PKCS#12 PBES1 SHA-1 3DES" },
        { "ec-empty-password.p12", MaterialFormat.Pkcs12, 3, 1, 0, 0, "PKCS#12 PBES2" },
        { "ec-nomac.p12", MaterialFormat.Pkcs12, 3, 1, 0, 0, "PKCS#12 PBES2" },
        { "rsa.p12-nodes.pem", MaterialFormat.Pem, 3, 1, 0, 0, null },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void EachOpenSslFileLoadsWithItsContent(string file, MaterialFormat format, int certificates, int keys, int requests, int crls, string? protection)
    {
        var password = file.StartsWith("ec-empty", StringComparison.Ordinal) ? null : OpenSslFixtures.Password;
        var material = MaterialLoader.LoadFile(openssl.Path(file), new LoadOptions { Password = password });

        Assert.Equal(format, material.Format);
        Assert.Equal(certificates, material.Certificates.Count);
        Assert.Equal(keys, material.PrivateKeys.Count);
        Assert.Equal(requests, material.CertificationRequests.Count);
        Assert.Equal(crls, material.Crls.Count);
        Assert.Equal(certificates, material.CertificateOrigins.Count);
        if (keys > 0)
        {
            var origin = material.PrivateKeys[0].Origin;
            if (protection is null)
            {
                Assert.Null(origin.Protection);
            }
            else
            {
                Assert.StartsWith(protection, origin.Protection);
            }
        }
    }

    [Theory]
    [InlineData("rsa.p8.pem")]
    [InlineData("rsa.p8.der")]
    [InlineData("rsa.pkcs1.pem")]
    [InlineData("rsa.pkcs1.der")]
    [InlineData("rsa.legacy-aes128.pem")]
    [InlineData("rsa.legacy-aes192.pem")]
    [InlineData("rsa.legacy-des3.pem")]
    [InlineData("rsa.p8-aes256.pem")]
    [InlineData("rsa.p8-aes256.der")]
    [InlineData("rsa.p12")]
    [InlineData("rsa-legacy.p12")]
    [InlineData("rsa.p12-nodes.pem")]
    public void EveryRsaKeyEncodingYieldsTheModulusOpenSslReportsAndMatchesTheDeviceCertificate(string file)
    {
        var key = Assert.Single(MaterialLoader.LoadFile(openssl.Path(file), new LoadOptions { Password = OpenSslFixtures.Password }).PrivateKeys);
        var certificate = MaterialLoader.LoadFile(openssl.Path("rsa.crt.der")).Certificates[0];

        Assert.Equal(PrivateKeyAlgorithm.Rsa, key.Algorithm);
        Assert.Equal(2048, key.KeySize);
        using var rsa = key.CreateRsa();
        var expected = File.ReadAllText(openssl.Path("rsa.modulus")).Trim()["Modulus=".Length..];
        Assert.Equal(expected, Convert.ToHexString(rsa.ExportParameters(false).Modulus!));
        Assert.True(KeyMatch.Matches(key, certificate));
        KeyMatch.EnsureMatches(key, certificate);
    }

    [Theory]
    [InlineData("ec.p8.pem")]
    [InlineData("ec.sec1.pem")]
    [InlineData("ec.sec1.der")]
    [InlineData("ec.legacy-des3.pem")]
    [InlineData("ec.legacy-aes256.pem")]
    [InlineData("ec.p8-aes128-sha1.pem")]
    [InlineData("ec.p8-3des.pem")]
    [InlineData("ec-nomac.p12")]
    [InlineData("ec-cheap.p12")]
    public void EveryEcKeyEncodingYieldsThePointOpenSslReportsAndMatchesTheDeviceCertificate(string file)
    {
        var key = Assert.Single(MaterialLoader.LoadFile(openssl.Path(file), new LoadOptions { Password = OpenSslFixtures.Password }).PrivateKeys);
        var certificate = MaterialLoader.LoadFile(openssl.Path("ec.crt.pem")).Certificates[0];

        Assert.Equal(PrivateKeyAlgorithm.EC, key.Algorithm);
        Assert.Equal("P-256", key.CurveName);
        Assert.Equal(256, key.KeySize);
        using var ecdsa = key.CreateECDsa();
        var point = ecdsa.ExportParameters(false).Q;
        var expected = File.ReadAllText(openssl.Path("ec.pub.hex")).Trim()[..130];
        Assert.Equal(expected, "04" + Convert.ToHexString([.. point.X!, .. point.Y!]).ToLowerInvariant());
        Assert.True(KeyMatch.Matches(key, certificate));
    }

    [Fact]
    public void GenrsaAes256KeyHasTheModulusOpenSslReports()
    {
        var key = Assert.Single(MaterialLoader.LoadFile(openssl.Path("genrsa-aes256.pem"), new LoadOptions { Password = OpenSslFixtures.Password }).PrivateKeys);
        using var rsa = key.CreateRsa();
        var expected = File.ReadAllText(openssl.Path("genrsa-aes256.modulus")).Trim()["Modulus=".Length..];
        Assert.Equal(expected, Convert.ToHexString(rsa.ExportParameters(false).Modulus!));
    }

    [Fact]
    public void Pkcs12KeepsTheAliasLocalKeyIdAndChainOrder()
    {
        var material = MaterialLoader.LoadFile(openssl.Path("rsa.p12"), new LoadOptions { Password = OpenSslFixtures.Password });
        var key = material.PrivateKeys[0];

        Assert.Equal("devicekeyentry", key.Origin.FriendlyName);
        Assert.NotNull(key.Origin.LocalKeyId);
        var leafIndex = material.CertificateOrigins.ToList().FindIndex(o => o.FriendlyName == "devicekeyentry");
        Assert.True(leafIndex >= 0);
        Assert.True(material.CertificateOrigins[leafIndex].LocalKeyId!.Value.Span.SequenceEqual(key.Origin.LocalKeyId!.Value.Span));
        Assert.True(KeyMatch.Matches(key, material.Certificates[leafIndex]));
        Assert.Equal(2, material.Certificates.Count(c => !KeyMatch.Matches(key, c)));
        Assert.Same(material.Certificates[leafIndex], material.CertificateFor(key));
        Assert.Null(MaterialLoader.LoadFile(openssl.Path("chain.pem")).CertificateFor(key));
    }

    [Fact]
    public void PemWithBagAttributesTextBetweenBlocksLoadsEveryBlock()
    {
        var text = File.ReadAllText(openssl.Path("rsa.p12-nodes.pem"));
        Assert.Contains("Bag Attributes", text, StringComparison.Ordinal);

        var crlf = System.Text.Encoding.ASCII.GetBytes("\r\n  \t" + text.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\n");
        var material = MaterialLoader.Load(crlf, new LoadOptions { Password = OpenSslFixtures.Password });

        Assert.Equal(3, material.Certificates.Count);
        Assert.Single(material.PrivateKeys);
    }

    [Fact]
    public void ArmorlessBase64Pkcs7AsEstServersSendItLoads()
    {
        var base64 = Convert.ToBase64String(openssl.Bytes("bundle.p7b"), Base64FormattingOptions.InsertLineBreaks);
        var material = MaterialLoader.Load(System.Text.Encoding.ASCII.GetBytes(base64 + "\n"));

        Assert.Equal(MaterialFormat.Base64, material.Format);
        Assert.Equal(3, material.Certificates.Count);
        Assert.All(material.CertificateOrigins, o => Assert.Equal(MaterialFormat.Pkcs7, o.Format));
    }

    [Fact]
    public void EcParametersAreSkippedAndReported()
    {
        var material = MaterialLoader.LoadFile(openssl.Path("ec.params-and-key.pem"));

        Assert.Single(material.PrivateKeys);
        Assert.Contains(material.Skipped, s => s.Description.Contains("EC PARAMETERS", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownLabelAloneIsNothingFoundAndNamesTheLabel()
    {
        var pem = PemWriter.Write("DH PARAMETERS", [0x30, 0x00]);
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(System.Text.Encoding.ASCII.GetBytes(pem)));

        Assert.Equal(MaterialErrorCode.NothingFound, error.Code);
        Assert.Contains("DH PARAMETERS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ed25519.pem")]
    [InlineData("ed25519.der")]
    public void Ed25519KeyIsUnsupportedAndNamed(string file)
    {
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(openssl.Path(file)));

        Assert.Equal(MaterialErrorCode.UnsupportedAlgorithm, error.Code);
        Assert.Contains("Ed25519", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MismatchedKeyAndCertificateAreReported()
    {
        var rsaKey = MaterialLoader.LoadFile(openssl.Path("rsa.p8.pem")).PrivateKeys[0];
        var ecKey = MaterialLoader.LoadFile(openssl.Path("ec.p8.pem")).PrivateKeys[0];
        var ecCertificate = MaterialLoader.LoadFile(openssl.Path("ec.crt.pem")).Certificates[0];
        var rootCertificate = MaterialLoader.LoadFile(openssl.Path("root.pem")).Certificates[0];

        Assert.False(KeyMatch.Matches(rsaKey, ecCertificate));
        Assert.False(KeyMatch.Matches(rsaKey, rootCertificate));
        var error = Assert.Throws<MaterialException>(() => KeyMatch.EnsureMatches(rsaKey, rootCertificate));
        Assert.Equal(MaterialErrorCode.KeyCertificateMismatch, error.Code);
        Assert.Equal("certificate and key do not match", error.Message);
        Assert.True(KeyMatch.Matches(ecKey, ecCertificate));
    }

    [Fact]
    public void MissingFileIsFileNotFoundWithTheSource()
    {
        var path = openssl.Path("does-not-exist.pem");
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(path));

        Assert.Equal(MaterialErrorCode.FileNotFound, error.Code);
        Assert.Equal(path, error.SourceName);
        Assert.False(MaterialLoader.TryLoadFile(path, null, out _, out var tryError));
        Assert.Equal(MaterialErrorCode.FileNotFound, tryError.Code);
    }

    [Fact]
    public void PrivateKeyToStringNeverShowsKeyMaterial()
    {
        var key = MaterialLoader.LoadFile(openssl.Path("rsa.p8.pem")).PrivateKeys[0];
        var pkcs8 = key.ExportPkcs8();

        Assert.Equal("RSA 2048-bit private key", key.ToString());
        Assert.DoesNotContain(Convert.ToBase64String(pkcs8)[..40], key.ToString() + key.Origin, StringComparison.Ordinal);
    }
}

[Collection(OpenSslCollection.Name)]
public sealed class OtherExporterTests
{
    private readonly OpenSslFixtures openssl;

    public OtherExporterTests(OpenSslFixtures openssl) => this.openssl = openssl;

    public static TheoryData<string> DotNetExportModes => new() { "Pkcs12TripleDesSha1", "Pbes2Aes256Sha256", "Default" };

    [Theory]
    [MemberData(nameof(DotNetExportModes))]
    public void WindowsStylePkcs12FromX509Certificate2Loads(string mode)
    {
        var source = MaterialLoader.LoadFile(openssl.Path("rsa.p12"), new LoadOptions { Password = OpenSslFixtures.Password });
        var leaf = source.Certificates.First(c => KeyMatch.Matches(source.PrivateKeys[0], c));
        using var rsa = source.PrivateKeys[0].CreateRsa();
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(leaf.RawData.Span);
        using var withKey = System.Security.Cryptography.X509Certificates.RSACertificateExtensions.CopyWithPrivateKey(certificate, rsa);
        var pfx = mode switch
        {
            "Pkcs12TripleDesSha1" => withKey.ExportPkcs12(System.Security.Cryptography.X509Certificates.Pkcs12ExportPbeParameters.Pkcs12TripleDesSha1, "export"),
            "Pbes2Aes256Sha256" => withKey.ExportPkcs12(System.Security.Cryptography.X509Certificates.Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, "export"),
            _ => withKey.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "export"),
        };

        var material = MaterialLoader.Load(pfx, new LoadOptions { Password = "export" });

        Assert.Equal(MaterialFormat.Pkcs12, material.Format);
        var key = Assert.Single(material.PrivateKeys);
        Assert.True(KeyMatch.Matches(key, Assert.Single(material.Certificates)));
    }

    [Fact]
    public void JavaKeytoolPkcs12Loads()
    {
        var path = openssl.Path("keytool-" + Guid.NewGuid().ToString("N") + ".p12");
        var (exit, output) = openssl.Run(
            "keytool", "-genkeypair", "-alias", "device", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=keytool-device",
            "-validity", "30", "-storetype", "PKCS12", "-keystore", path, "-storepass", "changeit", "-keypass", "changeit");
        Assert.True(exit == 0, output);

        var material = MaterialLoader.LoadFile(path, new LoadOptions { Password = "changeit" });

        var key = Assert.Single(material.PrivateKeys);
        Assert.Equal("device", key.Origin.FriendlyName);
        Assert.Equal("P-256", key.CurveName);
        Assert.True(KeyMatch.Matches(key, Assert.Single(material.Certificates)));
    }
}
