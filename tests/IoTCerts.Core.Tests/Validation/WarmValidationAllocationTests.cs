using System.Security.Cryptography;
using Xunit.Abstractions;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// A durable guard on the warm path (issue 16/17 benchmarks: warm ≤ 1.15× Raw_LeafVerify): once a validator has seen
/// the issuer chain, validating a parsed end entity allocates at most <see cref="WarmBudgetBytes"/> bytes beyond what the
/// leaf's own signature verification allocates inside .NET (the end entity's facts, the result and its chain array).
/// Before the canonical issuer name was borrowed from the matching intermediate it was 736 bytes.
/// </summary>
public sealed class WarmValidationAllocationTests(ITestOutputHelper output)
{
    private const long WarmBudgetBytes = 448;

    [Theory]
    [InlineData(KeyKind.P256)]
    [InlineData(KeyKind.Rsa2048)]
    public void A_warm_validation_allocates_within_its_budget(KeyKind kind)
    {
        var root = TestPki.Root("Warm Root", key: kind);
        var ca = root.IssueCa("Warm Issuing CA", key: kind);
        var leaf = ca.IssueLeaf("warm-device", key: kind, eku: ["1.3.6.1.5.5.7.3.2"]);
        var validator = new ChainValidator([root.Certificate]);
        Certificate[] intermediates = [ca.Certificate];
        var context = TestPki.At(purpose: CertificatePurpose.ClientAuth);
        var parsed = Certificate.Parse(leaf.Der);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(validator.Validate(parsed, intermediates, context).IsValid);
            VerifyLeaf(ca.Key, parsed);
        }

        var validation = MinimumAllocated(() => validator.Validate(parsed, intermediates, context));
        var verification = MinimumAllocated(() => VerifyLeaf(ca.Key, parsed));
        output.WriteLine($"{kind}: warm validation {validation} B, the leaf verification alone {verification} B");

        Assert.True(validation - verification <= WarmBudgetBytes, $"{kind}: a warm validation allocates {validation - verification} B beyond its verification (budget {WarmBudgetBytes} B)");
    }

    // The fewest bytes over a few runs: a tiered-JIT or event-source allocation on this thread can land in one of them.
    private static long MinimumAllocated(Action action)
    {
        var minimum = long.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            minimum = Math.Min(minimum, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return minimum;
    }

    // The validator's own way of verifying (digest on the stack; ECDSA converted to r‖s on the stack), with the
    // issuer's key already imported: what .NET itself allocates per verification is not the validator's to cut.
    private static bool VerifyLeaf(AsymmetricAlgorithm issuerKey, Certificate leaf) => issuerKey switch
    {
        ECDsa ec => EcdsaDerSignature.Verify(ec, leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, 32),
        RSA rsa => rsa.VerifyData(leaf.TbsCertificate.Span, leaf.Signature.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => false,
    };
}
