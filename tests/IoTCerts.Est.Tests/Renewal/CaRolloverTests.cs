using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Tests;

/// <summary>
/// when the issuing CA is renewed or re-keyed, the engine renews at once (not at 80 % of the lifetime) and raises
/// CredentialChanged so dependants reconnect; a failed attempt keeps the old identity and is retried.
/// </summary>
public sealed class CaRolloverTests
{
    private static bool ChainsTo(LoadedCredential credential, X509Certificate2 ca, DateTimeOffset now) =>
        IssuedCertificateCheck.ChainProblem(credential.Certificate, credential.Chain, [ca], now) is null;

    [Fact]
    public async Task ANewCaKeyAtTheServerTriggersAnImmediateReenrollToTheNewCa()
    {
        using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(365), caCheckInterval: TimeSpan.FromDays(1));
        await setup.RunAsync();
        var old = setup.Live();
        var oldCa = setup.Backend.Ca;

        // An unchanged CA: one /cacerts request a day, nothing else.
        Assert.Equal(setup.Clock.GetUtcNow().AddDays(1), setup.Engine.GetNextAttempt(setup.Credential));
        setup.Clock.Advance(TimeSpan.FromDays(1));
        var notDue = await setup.RunAsync();
        Assert.Equal(RenewalStatus.NotDue, notDue.Status);
        Assert.Equal(setup.Clock.GetUtcNow().AddDays(1), notDue.NextAttempt);
        Assert.True(notDue.ScheduledRenewal > setup.Clock.GetUtcNow().AddDays(250), $"scheduled renewal {notDue.ScheduledRenewal}");
        Assert.EndsWith("/cacerts", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.Equal(old.Certificate.Thumbprint, setup.Live().Certificate.Thumbprint);

        setup.Backend.RollOverCa();
        setup.Clock.Advance(TimeSpan.FromDays(1));
        var outcome = await setup.RunAsync();

        var now = setup.Clock.GetUtcNow();
        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        var renewed = setup.Live();
        Assert.NotEqual(old.Certificate.Thumbprint, renewed.Certificate.Thumbprint);
        Assert.True(ChainsTo(renewed, setup.Backend.Ca, now));
        Assert.False(ChainsTo(renewed, oldCa, now));
        Assert.EndsWith("/simplereenroll", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.Equal(old.Certificate.Thumbprint, setup.Backend.ClientCertificates[^1]!.Thumbprint);
        Assert.Equal(2, setup.Changes.Count);
        Assert.Equal(renewed.Certificate.Thumbprint, setup.Changes[^1].Certificate.Thumbprint);
        Assert.Equal([setup.Backend.Ca.Thumbprint], LoadPem(setup.Credential.CaCertificatesPath!).Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task AFailedReenrollAfterTheRollOverKeepsTheOldIdentityAndIsRetried()
    {
        using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(365), caCheckInterval: TimeSpan.FromDays(1));
        await setup.RunAsync();
        var old = setup.Live();
        var renewalTime = old.Certificate.NotBefore.ToUniversalTime() + ((old.Certificate.NotAfter - old.Certificate.NotBefore) * 0.75);

        setup.Backend.RollOverCa();
        setup.Backend.Fault = EstFault.ServerError;
        setup.Clock.Advance(TimeSpan.FromDays(1));
        var failed = await setup.RunAsync();

        Assert.Equal(RenewalStatus.Failed, failed.Status);
        Assert.Contains("500", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(old.Certificate.Thumbprint, setup.Live().Certificate.Thumbprint);
        Assert.Equal(old.KeyPem, setup.Live().KeyPem);
        Assert.Single(setup.Changes);
        // Retried after the retry interval (4 % of the lifetime), far before the scheduled renewal.
        Assert.InRange(failed.NextAttempt, setup.Clock.GetUtcNow().AddDays(365 * 0.04 * 0.9), setup.Clock.GetUtcNow().AddDays(365 * 0.04 + 0.01));
        Assert.True(failed.NextAttempt < renewalTime);

        setup.Backend.Fault = EstFault.None;
        setup.Clock.SetUtcNow(failed.NextAttempt);
        Assert.Equal(RenewalStatus.Renewed, (await setup.RunAsync()).Status);
        Assert.True(ChainsTo(setup.Live(), setup.Backend.Ca, setup.Clock.GetUtcNow()));
        Assert.Equal(2, setup.Changes.Count);
    }

    [Fact]
    public async Task AServerThatRefusesTheOldCertificateGetsABootstrapEnrollment()
    {
        using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(365), caCheckInterval: TimeSpan.FromDays(1));
        await setup.RunAsync();
        var old = setup.Live();
        setup.Backend.RefuseReenrollFromOtherCa = true;

        setup.Backend.RollOverCa();
        setup.Clock.Advance(TimeSpan.FromDays(1));
        var outcome = await setup.RunAsync();

        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        Assert.Contains(setup.Backend.Paths, p => p.EndsWith("/simplereenroll", StringComparison.Ordinal));
        Assert.EndsWith("/simpleenroll", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.Equal(setup.Bootstrap.Thumbprint, setup.Backend.ClientCertificates[^1]!.Thumbprint);
        Assert.Equal(old.Certificate.SubjectName.RawData, setup.Live().Certificate.SubjectName.RawData);
        Assert.True(ChainsTo(setup.Live(), setup.Backend.Ca, setup.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task ASavedCaSetTheCertificateNoLongerChainsToTriggersRenewalWithoutThePeriodicCheck()
    {
        using var setup = new RenewalEngineTests.Setup(TimeSpan.FromDays(365));
        await setup.RunAsync();
        var old = setup.Live();
        setup.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(RenewalStatus.NotDue, (await setup.Engine.RunOnceAsync())[0].Status);

        // The trust anchors were replaced on disk (by an operator or a platform trust update) and the engine is asked again.
        setup.Backend.RollOverCa();
        TestPki.WritePem(setup.Credential.CaCertificatesPath!, setup.Backend.Ca);
        var restarted = new CertificateRenewalEngine([setup.Credential], setup.Clock) { ClientFactory = setup.Backend.CreateClient };
        var outcome = Assert.Single(await restarted.RunOnceAsync());

        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        Assert.NotEqual(old.Certificate.Thumbprint, setup.Live().Certificate.Thumbprint);
        Assert.True(ChainsTo(setup.Live(), setup.Backend.Ca, setup.Clock.GetUtcNow()));
    }

    private static X509Certificate2Collection LoadPem(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }
}
