using IoTCerts.Core;

namespace IoTCerts.Issuance.Tests.Interop;

/// <summary>Everything we issue passes our own chain validator (Core), with the purpose of its profile.</summary>
public sealed class CoreValidatorTests
{
    [Theory]
    [MemberData(nameof(OpenSslInteropTests.Hierarchies), MemberType = typeof(OpenSslInteropTests))]
    public void IssuedChainsPassTheCoreValidator(int? rootPathLength, int?[] intermediatePathLengths, string leafProfile)
    {
        using var dir = new TempDir();
        var cas = new List<CertificateAuthority> { TestCa.Root(dir["root"], rootPathLength) };
        try
        {
            for (var i = 0; i < intermediatePathLengths.Length; i++)
            {
                cas.Add(TestCa.Intermediate(cas[^1], dir[$"int{i}"], $"Intermediate {i}", intermediatePathLengths[i]));
            }

            var (issued, key) = cas[^1].IssueWithNewKey("CN=leaf.example,O=Acme", CertificateProfile.FromName(leafProfile), subjectAlternativeNames: ["DNS:leaf.example"]);
            key.Dispose();
            var validator = new ChainValidator([Certificate.Parse(cas[0].Certificate.RawData)]);
            var intermediates = issued.Chain.Skip(1).Select(c => Certificate.Parse(c.RawData)).ToList();

            var result = validator.Validate(Certificate.Parse(issued.Certificate.RawData), intermediates, new ValidationContext
            {
                Purpose = leafProfile == "server" ? CertificatePurpose.ServerAuth : CertificatePurpose.ClientAuth,
            });

            Assert.True(result.IsValid, string.Join("; ", result.Errors));
            Assert.Equal(issued.Chain.Count, result.Chain.Count);
        }
        finally
        {
            cas.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void EdgeCaAndItsDevicesPassAndAWrongPurposeFails()
    {
        using var dir = new TempDir();
        using var root = TestCa.Root(dir["root"]);
        using var edge = root.CreateIntermediate(new DirectoryCaDatabase(dir["edge"]), new CaOptions { Subject = "CN=Edge CA", KeyAlgorithm = KeyAlgorithm.EcP256, Profile = CertificateProfile.EdgeCa() });
        var (issued, key) = edge.IssueWithNewKey("CN=edge-module", CertificateProfile.Device());
        key.Dispose();
        var validator = new ChainValidator([Certificate.Parse(root.Certificate.RawData)]);
        var leaf = Certificate.Parse(issued.Certificate.RawData);
        var intermediates = new[] { Certificate.Parse(edge.Certificate.RawData) };

        Assert.True(validator.Validate(leaf, intermediates, new ValidationContext { Purpose = CertificatePurpose.ClientAuth }).IsValid);
        Assert.False(validator.Validate(leaf, intermediates, new ValidationContext { Purpose = CertificatePurpose.ServerAuth }).IsValid);
    }
}
