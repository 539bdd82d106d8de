namespace IoTCerts.Core.Tests.Validation;

/// <summary>The revocation hook: results map to their own codes; the policy decides about unknown/unreachable .</summary>
public sealed class RevocationHookTests
{
    private static readonly TestCert Root = TestPki.Root("Revocation Root");
    private static readonly TestCert Int = Root.IssueCa("Revocation CA");
    private static readonly TestCert Leaf = Int.IssueLeaf("revocation-device");

    private sealed class ScriptedChecker(Func<Certificate, RevocationCheckResult> answer) : IRevocationChecker
    {
        public List<(Certificate Certificate, Certificate Issuer)> Calls { get; } = [];

        public RevocationCheckResult Check(Certificate certificate, Certificate issuer, DateTimeOffset validationTime)
        {
            lock (Calls)
            {
                Calls.Add((certificate, issuer));
            }

            return answer(certificate);
        }
    }

    public static readonly TheoryData<string, RevocationFailureMode, ChainStatus?> Rows = new()
    {
        { "good", RevocationFailureMode.HardFail, null },
        { "revoked", RevocationFailureMode.HardFail, ChainStatus.Revoked },
        { "revoked", RevocationFailureMode.SoftFail, ChainStatus.Revoked },
        { "unknown", RevocationFailureMode.HardFail, ChainStatus.RevocationStatusUnknown },
        { "unknown", RevocationFailureMode.SoftFail, null },
        { "unreachable", RevocationFailureMode.HardFail, ChainStatus.OfflineRevocation },
        { "unreachable", RevocationFailureMode.SoftFail, null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Leaf_status_maps_to_its_code(string status, RevocationFailureMode mode, ChainStatus? expected)
    {
        var checker = new ScriptedChecker(c => !c.RawData.Span.SequenceEqual(Leaf.Der) ? RevocationCheckResult.Good : status switch
        {
            "revoked" => RevocationCheckResult.Revoked("revoked on 2026-05-01 (keyCompromise)"),
            "unknown" => RevocationCheckResult.Unknown("the CRL is stale"),
            "unreachable" => RevocationCheckResult.Unreachable("http://crl.example/ca.crl: connection refused"),
            _ => RevocationCheckResult.Good,
        });
        var validator = new ChainValidator([Root.Certificate], new ChainPolicy { RevocationFailureMode = mode }, checker);

        var result = validator.Validate(Leaf.Certificate, [Int.Certificate], TestPki.At());

        // Every non-anchor certificate is checked with its issuer.
        Assert.Equal(2, checker.Calls.Count);
        Assert.Equal(Int.Der, checker.Calls[0].Issuer.RawData.ToArray());
        if (expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
        }
        else
        {
            Assert.Equal(expected, result.Errors[0].Status);
            Assert.Equal(0, result.Errors[0].CertificateIndex);
        }

        if (expected == ChainStatus.OfflineRevocation)
        {
            Assert.StartsWith("CRL location not reachable", result.Errors[0].Message);
        }
    }

    [Fact]
    public void Revocation_is_not_consulted_for_a_chain_that_already_failed()
    {
        var checker = new ScriptedChecker(_ => RevocationCheckResult.Good);
        var expired = Int.Issue("expired", new CertSpec { Ca = false, NotAfter = TestPki.Now.AddDays(-1) });

        var result = new ChainValidator([Root.Certificate], revocationChecker: checker).Validate(expired.Certificate, [Int.Certificate], TestPki.At());

        Assert.Equal(ChainStatus.Expired, result.Errors[0].Status);
        Assert.Empty(checker.Calls);
    }
}
