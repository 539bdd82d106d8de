using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Tests;

/// <summary>The renewal engine driven by a fake clock against the fake EST backend.</summary>
public sealed class RenewalEngineTests
{
    internal sealed class Setup : IDisposable
    {
        // The periodic /cacerts check is off unless a test asks for it: the schedule tests jump from one renewal to the next.
        public Setup(TimeSpan validity, string threshold = "80%", string retry = "4%", bool rotateKey = true, double jitter = 0.05, TimeSpan? caCheckInterval = null, bool configuredAnchors = false)
        {
            Clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            Backend = new FakeEstBackend(Clock, validity);
            var bootstrapRoot = TestPki.CreateRoot("Bootstrap", Clock.GetUtcNow().AddDays(-1), TimeSpan.FromDays(36500));
            Bootstrap = TestPki.CreateLeaf(bootstrapRoot, "CN=bootstrap", Clock.GetUtcNow().AddDays(-1), Clock.GetUtcNow().AddYears(20));
            TestPki.WritePair(Bootstrap, Temp.File("bootstrap.pem"), Temp.File("bootstrap.key"));
            Credential = new RenewalCredential
            {
                Name = "identity",
                CertificatePath = Temp.File("device.pem"),
                KeyPath = Temp.File("device.key"),
                BootstrapCertificatePath = Temp.File("bootstrap.pem"),
                BootstrapKeyPath = Temp.File("bootstrap.key"),
                Subject = new X500DistinguishedName("CN=device-7"),
                Schedule = RenewalSchedule.Parse(threshold, retry, jitter),
                RotateKey = rotateKey,
                CaCertificatesPath = Temp.File("ca.pem"),
                CaCheckInterval = caCheckInterval,
                IssuerTrustAnchors = configuredAnchors ? [Backend.Ca] : null,
                Est = Backend.ClientOptions(),
            };
            Engine = new CertificateRenewalEngine([Credential], Clock) { ClientFactory = Backend.CreateClient };
            Engine.CredentialChanged += (_, e) => Changes.Add(e);
        }

        public TempDirectory Temp { get; } = new();

        public FakeTimeProvider Clock { get; }

        public FakeEstBackend Backend { get; }

        public X509Certificate2 Bootstrap { get; }

        public RenewalCredential Credential { get; }

        public CertificateRenewalEngine Engine { get; }

        public List<CredentialChangedEventArgs> Changes { get; } = [];

        public LoadedCredential Live() => new CredentialStore(Credential.CertificatePath, Credential.KeyPath).Load() ?? throw new InvalidOperationException("no live pair");

        public async Task<RenewalOutcome> RunAsync() => Assert.Single(await Engine.RunOnceAsync());

        public void Dispose() => Temp.Dispose();
    }

    [Fact]
    public async Task FirstRunEnrollsWithTheBootstrapIdentity()
    {
        using var setup = new Setup(TimeSpan.FromDays(365));

        var outcome = await setup.RunAsync();

        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        Assert.Equal("CN=device-7", setup.Live().Certificate.Subject);
        Assert.Equal(setup.Bootstrap.Thumbprint, setup.Backend.ClientCertificates.Single()!.Thumbprint);
        Assert.Contains("/.well-known/est/simpleenroll", setup.Backend.Paths);
        Assert.Single(setup.Changes);
        Assert.True(File.Exists(setup.Credential.CaCertificatesPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(setup.Credential.KeyPath));
        }
    }

    [Fact]
    public async Task WithoutCaCertsTheConfiguredIssuerAnchorsCheckWhatTheServerIssues()
    {
        // A server without /cacerts (Cumulocity's enrollment): by default the engine cannot verify what it would get.
        using (var fetching = new Setup(TimeSpan.FromDays(30), caCheckInterval: TimeSpan.FromDays(1)))
        {
            fetching.Backend.WithoutCaCertificates = true;
            var refused = await fetching.RunAsync();
            Assert.Equal(RenewalStatus.Failed, refused.Status);
            Assert.DoesNotContain("/.well-known/est/simpleenroll", fetching.Backend.Paths);
            Assert.False(File.Exists(fetching.Credential.CertificatePath));
        }

        // With configured issuer anchors it enrolls, renews and checks the CA without ever asking for /cacerts.
        using var setup = new Setup(TimeSpan.FromDays(30), caCheckInterval: TimeSpan.FromDays(1), configuredAnchors: true);
        setup.Backend.WithoutCaCertificates = true;
        Assert.Equal(RenewalStatus.Renewed, (await setup.RunAsync()).Status);
        var first = setup.Live().Certificate;
        setup.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(RenewalStatus.NotDue, (await setup.RunAsync()).Status);
        setup.Clock.Advance(TimeSpan.FromDays(26));
        Assert.Equal(RenewalStatus.Renewed, (await setup.RunAsync()).Status);
        Assert.NotEqual(first.Thumbprint, setup.Live().Certificate.Thumbprint);
        Assert.DoesNotContain(setup.Backend.Paths, p => p.EndsWith("/cacerts", StringComparison.Ordinal));
        Assert.Contains("/.well-known/est/simplereenroll", setup.Backend.Paths);

        // An issued certificate that does not chain to the configured anchors is discarded; the live pair stays.
        var live = setup.Live().Certificate.Thumbprint;
        setup.Backend.Fault = EstFault.NotChaining;
        setup.Clock.Advance(TimeSpan.FromDays(27)); // past 80% ± 5% jitter of the second certificate, before its expiry
        var rejected = await setup.RunAsync();
        Assert.Equal(RenewalStatus.Rejected, rejected.Status);
        Assert.Equal(live, setup.Live().Certificate.Thumbprint);
    }

    [Fact]
    public async Task OneYearCertificateThroughSeveralRenewalsAndAnOutage()
    {
        using var setup = new Setup(TimeSpan.FromDays(365));
        await setup.RunAsync();
        var start = setup.Clock.GetUtcNow();
        var renewals = new List<(DateTimeOffset At, X509Certificate2 Old, X509Certificate2 New)>();
        var failures = new List<DateTimeOffset>();
        // The 60-day outage starts exactly when the second renewal falls due: with jitter that moment moves by up
        // to 5 % of the lifetime, so a fixed calendar window could miss every renewal attempt.
        var outageFrom = DateTimeOffset.MaxValue;
        var outageTo = DateTimeOffset.MaxValue;

        for (var step = 0; step < 500 && setup.Clock.GetUtcNow() < start.AddYears(4); step++)
        {
            var before = setup.Live().Certificate;
            var next = setup.Engine.GetNextAttempt(setup.Credential)!.Value;
            if (renewals.Count == 1 && outageFrom == DateTimeOffset.MaxValue)
            {
                outageFrom = next;
                outageTo = next.AddDays(60);
            }

            setup.Clock.SetUtcNow(next);
            var now = setup.Clock.GetUtcNow();
            setup.Backend.Fault = now >= outageFrom && now < outageTo ? EstFault.ServerError : EstFault.None;

            var outcome = await setup.RunAsync();

            Assert.True(before.NotAfter.ToUniversalTime() > now.UtcDateTime, $"the live certificate expired before renewal at {now:u}");
            if (outcome.Status == RenewalStatus.Renewed)
            {
                renewals.Add((now, before, setup.Live().Certificate));
            }
            else
            {
                Assert.Equal(RenewalStatus.Failed, outcome.Status);
                Assert.Contains("500", outcome.Detail, StringComparison.Ordinal);
                failures.Add(now);
            }
        }

        Assert.InRange(renewals.Count, 4, 6);
        foreach (var (at, old, renewed) in renewals.Where(r => r.At < outageFrom || r.At >= outageTo.AddDays(15)))
        {
            // Renewed at 80 % of the lifetime, at most 5 % of that earlier (jitter).
            var elapsed = (at - old.NotBefore.ToUniversalTime()) / (old.NotAfter - old.NotBefore);
            Assert.InRange(elapsed, 0.8 * 0.95, 0.8 + 1e-6);
            Assert.NotEqual(old.GetPublicKeyString(), renewed.GetPublicKeyString());
        }

        Assert.NotEmpty(failures);
        Assert.All(failures.Zip(failures.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, TimeSpan.FromDays(365 * 0.04 * 0.95) - TimeSpan.FromDays(1), TimeSpan.FromDays(365 * 0.04) + TimeSpan.FromSeconds(1)));
        var firstAfterOutage = renewals.First(r => r.At >= outageTo);
        Assert.True(firstAfterOutage.At - outageTo <= TimeSpan.FromDays(365 * 0.04));
        Assert.Equal(renewals.Count + 1, setup.Changes.Count);
    }

    [Fact]
    public async Task WithoutKeyRotationTheSameKeyIsRecertified()
    {
        using var setup = new Setup(TimeSpan.FromDays(10), rotateKey: false);
        await setup.RunAsync();
        var first = setup.Live();

        setup.Clock.SetUtcNow(setup.Engine.GetNextAttempt(setup.Credential)!.Value);
        var outcome = await setup.RunAsync();

        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        Assert.Equal(first.Certificate.GetPublicKeyString(), setup.Live().Certificate.GetPublicKeyString());
        Assert.NotEqual(first.Certificate.Thumbprint, setup.Live().Certificate.Thumbprint);
        Assert.Equal(first.Certificate.Thumbprint, setup.Backend.ClientCertificates[^1]!.Thumbprint);
        Assert.EndsWith("/simplereenroll", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.False(setup.Changes[^1].KeyRotated);
    }

    [Fact]
    public async Task RenewNowRenewsACertificateTheScheduleCallsNotDue()
    {
        using var setup = new Setup(TimeSpan.FromDays(365));
        await setup.RunAsync();
        var first = setup.Live();

        var scheduled = await setup.RunAsync();
        var forced = Assert.Single(await setup.Engine.RenewNowAsync());
        var after = await setup.RunAsync();

        Assert.Equal(RenewalStatus.NotDue, scheduled.Status);
        Assert.Equal(RenewalStatus.Renewed, forced.Status);
        Assert.NotEqual(first.Certificate.Thumbprint, setup.Live().Certificate.Thumbprint);
        Assert.EndsWith("/simplereenroll", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.Equal(RenewalStatus.NotDue, after.Status);
        Assert.True(after.ScheduledRenewal > setup.Clock.GetUtcNow().AddDays(200), "the schedule applies again from the new certificate");
    }

    [Fact]
    public async Task AnExpiredCertificateFallsBackToTheBootstrapIdentity()
    {
        using var setup = new Setup(TimeSpan.FromDays(10));
        await setup.RunAsync();
        var expired = setup.Live().Certificate;

        setup.Clock.SetUtcNow(expired.NotAfter.ToUniversalTime().AddDays(3));
        var outcome = await setup.RunAsync();

        Assert.Equal(RenewalStatus.Renewed, outcome.Status);
        Assert.Equal(setup.Bootstrap.Thumbprint, setup.Backend.ClientCertificates[^1]!.Thumbprint);
        Assert.EndsWith("/simpleenroll", setup.Backend.Paths[^1], StringComparison.Ordinal);
        Assert.Equal(expired.SubjectName.RawData, setup.Live().Certificate.SubjectName.RawData);
    }

    [Fact]
    public async Task RunAsyncRenewsWhenTheClockReachesTheMoment()
    {
        using var setup = new Setup(TimeSpan.FromDays(10), jitter: 0);
        await setup.RunAsync();
        using var cancel = new CancellationTokenSource();
        var loop = setup.Engine.RunAsync(cancel.Token);

        for (var i = 0; i < 200 && setup.Changes.Count < 3; i++)
        {
            await Task.Delay(10);
            setup.Clock.Advance(TimeSpan.FromHours(6));
        }

        cancel.Cancel();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(setup.Changes.Count >= 3, $"only {setup.Changes.Count} renewals");
    }
}
