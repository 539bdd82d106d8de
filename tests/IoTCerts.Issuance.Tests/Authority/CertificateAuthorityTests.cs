using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance.Tests.Authority;

public sealed class CertificateAuthorityTests
{
    [Fact]
    public void RootHasTheV3CaExtensionSetAndTwentyYears()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], pathLength: 2);
        var cert = root.Certificate;

        var bc = Assert.IsType<X509BasicConstraintsExtension>(cert.Extensions["2.5.29.19"]);
        Assert.True(bc.Critical);
        Assert.True(bc.CertificateAuthority);
        Assert.Equal(2, bc.PathLengthConstraint);
        var ku = Assert.IsType<X509KeyUsageExtension>(cert.Extensions["2.5.29.15"]);
        Assert.True(ku.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign, ku.KeyUsages);
        var ski = Assert.IsType<X509SubjectKeyIdentifierExtension>(cert.Extensions["2.5.29.14"]);
        var aki = Assert.IsType<X509AuthorityKeyIdentifierExtension>(cert.Extensions["2.5.29.35"]);
        Assert.Equal(ski.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 20 * 365, 20 * 365 + 1);
        Assert.Equal(cert.SubjectName.RawData, cert.IssuerName.RawData);
    }

    [Fact]
    public void DeviceHasTheV3SignedExtensionSetWithClientAuth()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=device-1,O=Acme", CertificateProfile.Device());
        using var _ = key;
        var cert = issued.Certificate;

        var bc = Assert.IsType<X509BasicConstraintsExtension>(cert.Extensions["2.5.29.19"]);
        Assert.True(bc.Critical);
        Assert.False(bc.CertificateAuthority);
        var ku = Assert.IsType<X509KeyUsageExtension>(cert.Extensions["2.5.29.15"]);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.NonRepudiation, ku.KeyUsages);
        var eku = Assert.IsType<X509EnhancedKeyUsageExtension>(cert.Extensions["2.5.29.37"]);
        Assert.Equal(["1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        var aki = Assert.IsType<X509AuthorityKeyIdentifierExtension>(cert.Extensions["2.5.29.35"]);
        var rootSki = Assert.IsType<X509SubjectKeyIdentifierExtension>(root.Certificate.Extensions["2.5.29.14"]);
        Assert.Equal(rootSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 365, 366);
        Assert.Equal([cert, root.Certificate], issued.Chain);
    }

    [Fact]
    public void EdgeCaFollowsR41WithPathlenZeroAndNinetyDays()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=edge-1", CertificateProfile.EdgeCa());
        using var _ = key;

        var bc = Assert.IsType<X509BasicConstraintsExtension>(issued.Certificate.Extensions["2.5.29.19"]);
        Assert.True(bc.CertificateAuthority);
        Assert.Equal(0, bc.PathLengthConstraint);
        var ku = Assert.IsType<X509KeyUsageExtension>(issued.Certificate.Extensions["2.5.29.15"]);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, ku.KeyUsages);
        Assert.InRange((issued.Certificate.NotAfter - issued.Certificate.NotBefore).TotalDays, 90, 91);
    }

    [Fact]
    public void ServerProfileRequiresASubjectAlternativeName()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);

        var ex = Assert.Throws<IssuanceException>(() => root.IssueWithNewKey("CN=mqtt.example", CertificateProfile.Server()));
        Assert.Equal(IssuanceErrorCode.InvalidSubjectAlternativeName, ex.Code);

        var (issued, key) = root.IssueWithNewKey("CN=mqtt.example", CertificateProfile.Server(), subjectAlternativeNames: ["DNS:mqtt.example", "IP:192.0.2.1"]);
        using var _ = key;
        var san = Assert.IsType<X509SubjectAlternativeNameExtension>(issued.Certificate.Extensions["2.5.29.17"]);
        Assert.Equal(["mqtt.example"], san.EnumerateDnsNames());
        Assert.Contains(root.Database.ReadRecords(), r => r.CommonName == "mqtt.example" && r.Status == CertificateStatus.Valid);
    }

    [Fact]
    public void SigningPolicyRequiresACommonNameAndKeepsItUniqueAmongValidCertificates()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);

        var noCn = Assert.Throws<IssuanceException>(() => root.IssueWithNewKey("O=Acme", CertificateProfile.Device()));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, noCn.Code);

        var (first, k1) = root.IssueWithNewKey("CN=dup,O=Acme", CertificateProfile.Device());
        k1.Dispose();
        var dup = Assert.Throws<IssuanceException>(() => root.IssueWithNewKey("CN=dup,O=Other", CertificateProfile.Device()));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, dup.Code);
        Assert.Contains(first.SerialNumber, dup.Message, StringComparison.Ordinal);

        // Once revoked, the name is free again (the documented signing_policy compares valid certificates only).
        root.Revoke(first.SerialNumber, X509RevocationReason.Superseded);
        var (second, k2) = root.IssueWithNewKey("CN=dup,O=Acme", CertificateProfile.Device());
        k2.Dispose();
        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
    }

    [Fact]
    public void RandomSerialsArePositiveWithAtLeast64RandomBitsAndNeverRepeat()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var serials = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var (issued, key) = root.IssueWithNewKey($"CN=d{i}", CertificateProfile.Device());
            key.Dispose();
            var bytes = issued.Certificate.SerialNumberBytes.ToArray();
            Assert.True(bytes[0] is > 0 and < 0x80, "the serial must be positive and minimally encoded");
            Assert.True(bytes.Length >= 9, "at least 64 random bits plus a sign byte");
            Assert.True(serials.Add(issued.SerialNumber));
        }
    }

    [Fact]
    public void SequentialSerialsCountLikeOpenSslCa()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential });
        var serials = Enumerable.Range(0, 3).Select(i =>
        {
            var (issued, key) = root.IssueWithNewKey($"CN=s{i}", CertificateProfile.Device());
            key.Dispose();
            return issued.SerialNumber;
        }).ToList();

        Assert.Equal(["01", "02", "03"], serials);

        // The OpenSSL counter file follows the journal at compaction (every 1024 transactions, on close, or on request).
        ((DirectoryCaDatabase)root.Database).Compact();
        Assert.Equal("04", File.ReadAllText(Path.Combine(dir["root"], "serial")).Trim());
    }

    [Fact]
    public void IntermediateWithPathlenZeroRefusesToSignAnotherCa()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var issuing = TestCa.Intermediate(root, dir["int"], "Issuing", pathLength: 0);

        var ex = Assert.Throws<IssuanceException>(() => TestCa.Intermediate(issuing, dir["sub"], "Too Deep"));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, ex.Code);
    }

    [Fact]
    public void ValidityIsClampedToTheIssuingCa()
    {
        using var dir = new TempDir();
        using var root = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(dir["root"]), new CaOptions
        {
            Subject = "CN=Short Root",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            Validity = TimeSpan.FromDays(30),
        });
        var (issued, key) = root.IssueWithNewKey("CN=long", CertificateProfile.Device(), validity: TimeSpan.FromDays(3650));
        key.Dispose();

        Assert.Equal(root.Certificate.NotAfter, issued.Certificate.NotAfter);
    }

    [Fact]
    public void CaUrlsAppearInIssuedCertificates()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], settings: new CaSettings
        {
            CrlDistributionPoint = new Uri("http://crl.example/root.crl"),
            CaIssuersUrl = new Uri("http://pki.example/root.cer"),
        });
        var (issued, key) = root.IssueWithNewKey("CN=d", CertificateProfile.Device());
        key.Dispose();

        var parsed = IoTCerts.Core.Certificate.Parse(issued.Certificate.RawData);
        Assert.Equal(["http://crl.example/root.crl"], parsed.CrlDistributionPointUris);
        Assert.Equal(["http://pki.example/root.cer"], parsed.CaIssuersUris);
    }

    [Fact]
    public void WeakRequestKeysAreRefused()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var weak = RSA.Create(1024);

        var ex = Assert.Throws<IssuanceException>(() => root.Issue(new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=weak"), PublicKey = new PublicKey(weak) }));
        Assert.Equal(IssuanceErrorCode.WeakOrUnsupportedKey, ex.Code);
        Assert.Throws<IssuanceException>(() => SigningKey.FromKey(RSA.Create(1024)));
    }

    [Fact]
    public void OpenWithWrongPassphraseIsAClearError()
    {
        using var dir = new TempDir();
        TestCa.Root(dir["root"]).Dispose();

        var ex = Assert.Throws<IoTCerts.Core.MaterialException>(() => CertificateAuthority.Open(new DirectoryCaDatabase(dir["root"]), "wrong"));
        Assert.Equal(IoTCerts.Core.MaterialErrorCode.WrongPassphrase, ex.Code);
        Assert.DoesNotContain("wrong", ex.Message, StringComparison.Ordinal);
        using var reopened = CertificateAuthority.Open(new DirectoryCaDatabase(dir["root"]), TestCa.Password);
        Assert.True(reopened.Key.Matches(reopened.Certificate.PublicKey));
    }

    [Fact]
    public void ExistingCaDirectoryIsNotOverwrittenWithoutOverwrite()
    {
        using var dir = new TempDir();
        using var first = TestCa.Root(dir["root"]);

        var ex = Assert.Throws<IssuanceException>(() => TestCa.Root(dir["root"]));
        Assert.Equal(IssuanceErrorCode.AlreadyExists, ex.Code);
        using var reopened = CertificateAuthority.Open(new DirectoryCaDatabase(dir["root"]), TestCa.Password);
        Assert.Equal(first.Certificate.Thumbprint, reopened.Certificate.Thumbprint);
    }

    [Fact]
    public void RevokeUnknownOrTwiceIsRefused()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=r", CertificateProfile.Device());
        key.Dispose();

        Assert.Equal(IssuanceErrorCode.UnknownSerial, Assert.Throws<IssuanceException>(() => root.Revoke("ABCDEF")).Code);
        root.Revoke(issued.SerialNumber.ToLowerInvariant());
        Assert.Equal(IssuanceErrorCode.AlreadyRevoked, Assert.Throws<IssuanceException>(() => root.Revoke(issued.SerialNumber)).Code);
    }

    [Fact]
    public void CrlNumberIncrementsAndListsRevokedSerials()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        var (issued, key) = root.IssueWithNewKey("CN=r", CertificateProfile.Device());
        key.Dispose();
        root.Revoke(issued.SerialNumber, X509RevocationReason.KeyCompromise);

        var first = root.PublishCrl();
        var second = root.PublishCrl(TimeSpan.FromDays(7));

        Assert.Equal(BigInteger.One, first.CrlNumber);
        Assert.Equal(new BigInteger(2), second.CrlNumber);
        Assert.Equal(1, second.RevokedCount);
        Assert.Equal(TimeSpan.FromDays(30), first.NextUpdate - first.ThisUpdate);
        Assert.Equal(TimeSpan.FromDays(7), second.NextUpdate - second.ThisUpdate);
        Assert.StartsWith("-----BEGIN X509 CRL-----", first.Pem, StringComparison.Ordinal);
    }
}

public sealed class BatchIssuanceTests
{
    [Fact]
    public void ABatchIsIssuedInOneTransactionWithDistinctSerials()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"], settings: new CaSettings { SerialNumbers = SerialNumberMode.Sequential });
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var requests = Enumerable.Range(0, 25).Select(i => new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=fleet-{i}"), PublicKey = key.PublicKey }).ToList();

        var issued = root.IssueBatch(requests);

        Assert.Equal(25, issued.Count);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => i.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)), issued.Select(c => c.SerialNumber));
        Assert.Equal(25, root.Database.ReadRecords().Count);

        // The newcerts/ copies are written at compaction, whole, from the journal.
        var database = (DirectoryCaDatabase)root.Database;
        Assert.All(issued, c => Assert.False(File.Exists(database.CertificatePath(c.SerialNumber))));
        database.Compact();
        Assert.All(issued, c => Assert.Equal(c.Certificate.RawData, X509CertificateLoader.LoadCertificateFromFile(database.CertificatePath(c.SerialNumber)).RawData));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(dir["root"], "newcerts"), "*.pending"));
    }

    [Fact]
    public void OneBadRequestIssuesNothing()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var (existing, k) = root.IssueWithNewKey("CN=taken", CertificateProfile.Device());
        k.Dispose();

        var ex = Assert.Throws<IssuanceException>(() => root.IssueBatch(
        [
            new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=fresh"), PublicKey = key.PublicKey },
            new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=taken"), PublicKey = key.PublicKey },
        ]));
        Assert.Equal(IssuanceErrorCode.PolicyViolation, ex.Code);
        Assert.Throws<IssuanceException>(() => root.IssueBatch(
        [
            new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=twice"), PublicKey = key.PublicKey },
            new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=twice"), PublicKey = key.PublicKey },
        ]));

        Assert.Equal([existing.SerialNumber], root.Database.ReadRecords().Select(r => r.SerialNumber));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcP256)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    public void ABatchSignedOnAllCoresKeepsEachRequestWithItsOwnKeySerialAndSubject(KeyAlgorithm caKey)
    {
        using var dir = new TempDir();
        using var root = CertificateAuthority.CreateRoot(
            new DirectoryCaDatabase(dir["root"]),
            new CaOptions { Subject = "CN=Parallel Root", KeyAlgorithm = caKey, Settings = new CaSettings { SerialNumbers = SerialNumberMode.Sequential } });
        var keys = Enumerable.Range(0, 40).Select(_ => SigningKey.Generate(KeyAlgorithm.EcP256)).ToList();
        try
        {
            var requests = keys.Select((k, i) => new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=fleet-{i}"), PublicKey = k.PublicKey }).ToList();

            var issued = root.IssueBatch(requests, maxDegreeOfParallelism: 2);

            // Serials are taken in request order under the lock, whatever order the signatures finished in.
            Assert.Equal(Enumerable.Range(1, 40).Select(i => i.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)), issued.Select(c => c.SerialNumber));
            for (var i = 0; i < issued.Count; i++)
            {
                var cert = issued[i].Certificate;
                Assert.Equal($"CN=fleet-{i}", cert.Subject);
                Assert.True(keys[i].Matches(cert.PublicKey), $"certificate {i} carries another request's key");
                Assert.Equal(issued[i].SerialNumber, cert.SerialNumber.TrimStart('0').PadLeft(2, '0'));
                Assert.True(SignedBy(cert, root.Certificate), $"certificate {i} does not verify under the CA key");
            }

            var records = root.Database.ReadRecords();
            Assert.Equal(issued.Select(c => c.SerialNumber), records.Select(r => r.SerialNumber));
            Assert.Equal(Enumerable.Range(0, 40).Select(i => $"/CN=fleet-{i}"), records.Select(r => r.Subject));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void RandomSerialsOfAParallelBatchAreDistinctAndNewToTheCa()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var before = root.IssueBatch([.. Enumerable.Range(0, 30).Select(i => new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=first-{i}"), PublicKey = key.PublicKey })]);

        var issued = root.IssueBatch([.. Enumerable.Range(0, 60).Select(i => new IssuanceRequest { Subject = DistinguishedNames.Parse($"CN=second-{i}"), PublicKey = key.PublicKey })]);

        var all = before.Concat(issued).Select(c => c.SerialNumber).ToList();
        Assert.Equal(90, all.Distinct(StringComparer.Ordinal).Count());
        Assert.All(issued, c => Assert.InRange(c.Certificate.SerialNumberBytes.Length, 16, 16));
        Assert.Equal(90, root.Database.ReadRecords().Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void AParallelismOfZeroOrBelowMinusOneIsRefusedBeforeAnythingIsIssued(int parallelism)
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);

        Assert.Throws<ArgumentOutOfRangeException>(() => root.IssueBatch([new IssuanceRequest { Subject = DistinguishedNames.Parse("CN=x"), PublicKey = key.PublicKey }], parallelism));
        Assert.Throws<ArgumentOutOfRangeException>(() => IssuanceRequest.FromCertificationRequests([], maxDegreeOfParallelism: parallelism));
        Assert.Empty(root.Database.ReadRecords());
    }

    [Fact]
    public void CsrsCheckedTogetherKeepTheirOrderAndTheirSubjectsKeys()
    {
        var keys = Enumerable.Range(0, 12).Select(i => SigningKey.Generate(i % 3 == 0 ? KeyAlgorithm.Rsa2048 : KeyAlgorithm.EcP256)).ToList();
        try
        {
            var csrs = keys.Select((k, i) => (ReadOnlyMemory<byte>)CertificationRequests.Create(k, new CertificationRequestOptions { Subject = DistinguishedNames.Parse($"CN=csr-{i}"), SubjectAlternativeNames = [$"DNS:csr-{i}.example"] })).ToList();

            var requests = IssuanceRequest.FromCertificationRequests(csrs, CertificateProfile.Server());

            Assert.Equal(12, requests.Count);
            for (var i = 0; i < requests.Count; i++)
            {
                Assert.Equal($"CN=csr-{i}", requests[i].Subject.Name);
                Assert.True(keys[i].Matches(requests[i].PublicKey));
                Assert.Equal("server", requests[i].Profile.Name);
                Assert.NotNull(requests[i].RequestedSubjectAlternativeName);
            }
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void ABadCsrAmongManyIsNamedByItsPositionWithItsOwnCode()
    {
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var csrs = Enumerable.Range(0, 10).Select(i => CertificationRequests.Create(key, new CertificationRequestOptions { Subject = DistinguishedNames.Parse($"CN=dev-{i}") })).ToList();
        var tampered = csrs[6];
        tampered[tampered.AsSpan().IndexOf("dev-6"u8)] ^= 0x01;
        csrs[8] = [0x30, 0x03, 0x02, 0x01];

        var ex = Assert.Throws<IssuanceException>(() => IssuanceRequest.FromCertificationRequests([.. csrs.Select(c => (ReadOnlyMemory<byte>)c)]));

        var alone = Assert.Throws<IssuanceException>(() => IssuanceRequest.FromCertificationRequest(tampered));
        Assert.Equal(IssuanceErrorCode.RequestSignatureInvalid, ex.Code);
        Assert.Equal(alone.Code, ex.Code);
        Assert.StartsWith("certificate request 7 of 10: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(6, ex.RequestIndex);
        Assert.Equal(alone.Message, Assert.IsType<IssuanceException>(ex.InnerException).Message);
    }

    private static bool SignedBy(X509Certificate2 cert, X509Certificate2 issuer) =>
        IoTCerts.Core.Certificate.Parse(cert.RawData).IsSignatureValid(IoTCerts.Core.Certificate.Parse(issuer.RawData).PublicKey);
}
