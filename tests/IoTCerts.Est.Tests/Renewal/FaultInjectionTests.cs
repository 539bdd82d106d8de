using Xunit.Abstractions;

namespace IoTCerts.Est.Tests;

/// <summary>
/// R-73 under fault injection: every bad answer, error and crash leaves the previously working pair loadable and matching.
/// Each case runs <see cref="Runs"/> times with fresh keys.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    private const int Runs = 20;

    public static TheoryData<EstFault, RenewalStatus> Faults => new()
    {
        { EstFault.PendingForever, RenewalStatus.Pending },
        { EstFault.ServerError, RenewalStatus.Failed },
        { EstFault.Timeout, RenewalStatus.Failed },
        { EstFault.TruncatedPkcs7, RenewalStatus.Rejected },
        { EstFault.GarbagePkcs7, RenewalStatus.Rejected },
        { EstFault.EmptyPkcs7, RenewalStatus.Rejected },
        { EstFault.DifferentKey, RenewalStatus.Rejected },
        { EstFault.NotChaining, RenewalStatus.Rejected },
        { EstFault.AlreadyExpired, RenewalStatus.Rejected },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task ABadAnswerKeepsTheWorkingPair(EstFault fault, RenewalStatus expected)
    {
        var kept = 0;
        for (var run = 0; run < Runs; run++)
        {
            using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(30));
            await setup.RunAsync();
            var before = setup.Live();
            setup.Clock.SetUtcNow(setup.Engine.GetNextAttempt(setup.Credential)!.Value);
            setup.Backend.Fault = fault;

            var outcome = await setup.RunAsync();

            Assert.Equal(expected, outcome.Status);
            Assert.True(outcome.NextAttempt > setup.Clock.GetUtcNow());
            var after = setup.Live();
            Assert.Equal(before.Certificate.Thumbprint, after.Certificate.Thumbprint);
            Assert.Equal(before.KeyPem, after.KeyPem);
            Assert.Single(setup.Changes);
            Assert.False(File.Exists(setup.Credential.CertificatePath + ".new"));

            // The server recovers: the next attempt succeeds.
            setup.Backend.Fault = EstFault.None;
            setup.Clock.SetUtcNow(outcome.NextAttempt);
            Assert.Equal(RenewalStatus.Renewed, (await setup.RunAsync()).Status);
            kept++;
        }

        output.WriteLine($"{fault}: {kept}/{Runs} runs kept the working pair and recovered");
        Assert.Equal(Runs, kept);
    }

    [Theory]
    [InlineData("WriteStagedKey")]
    [InlineData("WriteStagedCertificate")]
    [InlineData("VerifyStaged")]
    [InlineData("BackUpLive")]
    [InlineData("ReplaceKey")]
    [InlineData("ReplaceCertificate")]
    [InlineData("Cleanup")]
    public async Task ACrashAtAnyPromotionStepLeavesALoadableMatchingPair(string stepName)
    {
        var step = Enum.Parse<PromotionStep>(stepName);
        var (old, renewed) = (0, 0);
        for (var run = 0; run < Runs; run++)
        {
            using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(30));
            await setup.RunAsync();
            var before = setup.Live();
            setup.Clock.SetUtcNow(setup.Engine.GetNextAttempt(setup.Credential)!.Value);
            setup.Engine.StoreOf(setup.Credential).BeforeStep = s =>
            {
                if (s == step)
                {
                    throw new IOException($"simulated crash before {s}");
                }
            };

            var outcome = await setup.RunAsync();
            Assert.Equal(RenewalStatus.Failed, outcome.Status);

            // "Restart": a fresh store repairs whatever the crash left and loads a matching pair.
            var restarted = new CredentialStore(setup.Credential.CertificatePath, setup.Credential.KeyPath).Load();
            Assert.NotNull(restarted);
            Assert.True(EnrollmentRequest.SamePublicKey(restarted.Certificate, EnrollmentRequest.PrivateKeyOf(restarted.Certificate)));
            Assert.NotNull(CredentialStore.LoadPair(setup.Credential.CertificatePath, setup.Credential.KeyPath));
            if (restarted.Certificate.Thumbprint == before.Certificate.Thumbprint)
            {
                old++;
            }
            else
            {
                renewed++;
            }

            Assert.Empty(Directory.GetFiles(setup.Temp.Path, "*.new").Concat(Directory.GetFiles(setup.Temp.Path, "*.old")).Concat(Directory.GetFiles(setup.Temp.Path, "*.tmp")));
            setup.Engine.StoreOf(setup.Credential).BeforeStep = null;
            setup.Clock.SetUtcNow(outcome.NextAttempt);
            var next = await setup.RunAsync();
            if (restarted.Certificate.Thumbprint == before.Certificate.Thumbprint)
            {
                Assert.Equal(RenewalStatus.Renewed, next.Status);
            }
            else
            {
                // Rolled forward: the engine notices the new pair, announces it, and has nothing to do.
                Assert.Equal(RenewalStatus.NotDue, next.Status);
                Assert.Equal(restarted.Certificate.Thumbprint, setup.Changes[^1].Certificate.Thumbprint);
            }
        }

        output.WriteLine($"crash before {step}: {Runs} runs, {old} kept the old pair, {renewed} rolled forward to the new pair");
        Assert.Equal(Runs, old + renewed);
        Assert.Equal(step >= PromotionStep.ReplaceCertificate ? Runs : 0, renewed);
    }

    [Fact]
    public void RepairRollsBackWhenOnlyTheKeyWasReplacedAndTheStagedCertificateIsGone()
    {
        using var temp = new TempDirectory();
        var ca = TestPki.CreateRoot("repair");
        var oldPair = TestPki.CreateLeaf(ca, "CN=old", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        var newPair = TestPki.CreateLeaf(ca, "CN=new", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        TestPki.WritePair(oldPair, temp.File("c.pem"), temp.File("k.pem"));
        File.Copy(temp.File("k.pem"), temp.File("k.pem.old"));
        TestPki.WritePair(newPair, temp.File("ignored.pem"), temp.File("k.pem")); // the key was replaced, the staged certificate lost

        var loaded = new CredentialStore(temp.File("c.pem"), temp.File("k.pem")).Load();

        Assert.Equal(oldPair.Thumbprint, loaded!.Certificate.Thumbprint);
    }
}
