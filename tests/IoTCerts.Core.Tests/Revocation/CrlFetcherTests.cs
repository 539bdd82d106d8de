using System.Net;
using System.Net.Sockets;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>The CRL fetcher against a local HTTP server: each failure has its own outcome; downloads are shared and cached .</summary>
public sealed class CrlFetcherTests : IDisposable
{
    private static readonly ValidationContext Now = new();
    private readonly CrlHttpServer _server = new();
    private readonly CrlTestPki _pki = new();
    private readonly HttpClient _http = new(CrlFetcher.CreateHandler());

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _pki.Dispose();
    }

    private CrlFetcher Fetcher(CrlFetcherOptions? options = null, TimeProvider? time = null) => new(_http, options, time);

    [Fact]
    public async Task A_served_CRL_is_fetched_and_a_device_on_it_is_revoked()
    {
        var (good, _) = _pki.Device("good", _server.Url("/ca.crl"));
        var (bad, badSerial) = _pki.Device("bad", _server.Url("/ca.crl"));
        _server.Serve("/ca.crl", _pki.Crl(null, badSerial));
        var fetcher = Fetcher();
        var validator = _pki.Validator(fetcher);

        var ok = await validator.ValidateAsync(good, null, Now);
        var revoked = await validator.ValidateAsync(bad, null, Now);

        Assert.True(ok.IsValid, string.Join("\n", ok.Errors));
        Assert.Equal(ChainStatus.Revoked, revoked.Errors[0].Status);
        Assert.Equal(1, _server.Requests("/ca.crl"));
        Assert.True(fetcher.TryGetCached(_server.Url("/ca.crl"), out var cached));
        Assert.Equal(CrlFetchStatus.Fetched, cached.Status);
    }

    [Fact]
    public async Task A_PEM_CRL_is_accepted()
    {
        var der = _pki.Crl();
        _server.Serve("/pem.crl", System.Text.Encoding.ASCII.GetBytes(PemWriter.Write("X509 CRL", der)));

        var result = await Fetcher().FetchAsync(_server.Url("/pem.crl"));

        Assert.Equal(CrlFetchStatus.Fetched, result.Status);
        Assert.Equal(der, result.Crl!.RawData.ToArray());
    }

    public static readonly TheoryData<string, CrlFetchStatus, ChainStatus> Failures = new()
    {
        { "slow", CrlFetchStatus.TimedOut, ChainStatus.OfflineRevocation },
        { "huge", CrlFetchStatus.TooLarge, ChainStatus.RevocationStatusUnknown },
        { "huge-unannounced", CrlFetchStatus.TooLarge, ChainStatus.RevocationStatusUnknown },
        { "404", CrlFetchStatus.HttpError, ChainStatus.OfflineRevocation },
        { "closed-port", CrlFetchStatus.Unreachable, ChainStatus.OfflineRevocation },
        { "redirect-loop", CrlFetchStatus.TooManyRedirects, ChainStatus.OfflineRevocation },
        { "not-a-crl", CrlFetchStatus.NotACrl, ChainStatus.RevocationStatusUnknown },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Each_failure_has_its_own_outcome(string scenario, CrlFetchStatus expectedFetch, ChainStatus expectedChain)
    {
        var url = _server.Url("/" + scenario);
        switch (scenario)
        {
            case "slow":
                _server.Serve("/slow", _pki.Crl(), TimeSpan.FromSeconds(5));
                break;
            case "huge":
                _server.ServeHuge("/huge", 1024 * 1024, withLength: true);
                break;
            case "huge-unannounced":
                _server.ServeHuge("/huge-unannounced", 1024 * 1024, withLength: false);
                break;
            case "404":
                _server.ServeStatus("/404", 404, "Not Found");
                break;
            case "redirect-loop":
                _server.ServeRedirectLoop("/redirect-loop");
                break;
            case "not-a-crl":
                _server.Serve("/not-a-crl", "<html>hello</html>"u8.ToArray());
                break;
            case "closed-port":
                url = $"http://127.0.0.1:{ClosedPort()}/ca.crl";
                break;
        }

        var (device, _) = _pki.Device("device-" + scenario, url);
        // Only the slow scenario may time out; the others get a generous timeout so a loaded machine cannot turn them into timeouts.
        var fetcher = Fetcher(new CrlFetcherOptions { Timeout = scenario == "slow" ? TimeSpan.FromMilliseconds(700) : TimeSpan.FromSeconds(20), MaxCrlSize = 64 * 1024 });

        var fetched = await fetcher.FetchAsync(url);
        var result = await _pki.Validator(fetcher).ValidateAsync(device, null, Now);

        Assert.Equal(expectedFetch, fetched.Status);
        Assert.Contains(url, fetched.Message, StringComparison.Ordinal);
        Assert.Equal(expectedChain, result.Errors[0].Status);
        Assert.Equal(0, result.Errors[0].CertificateIndex);
        if (expectedChain == ChainStatus.OfflineRevocation)
        {
            Assert.True(fetched.IsUnreachable);
            Assert.StartsWith("CRL location not reachable", result.Errors[0].Message, StringComparison.Ordinal);
        }

        if (scenario == "404")
        {
            Assert.Equal(404, fetched.HttpStatus);
        }
    }

    [Fact]
    public async Task Unreachable_is_accepted_when_unknown_status_is_allowed()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}/ca.crl";
        var (device, _) = _pki.Device("soft", url);

        var result = await _pki.Validator(Fetcher(), new RevocationPolicy { Mode = RevocationMode.Online, UnknownStatus = UnknownRevocationStatus.Allow })
            .ValidateAsync(device, null, Now);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public async Task A_burst_of_100_validations_for_one_CDP_triggers_one_download()
    {
        _server.Serve("/burst.crl", _pki.Crl(), TimeSpan.FromMilliseconds(300));
        var devices = Enumerable.Range(0, 100).Select(i => _pki.Device($"burst-{i}", _server.Url("/burst.crl")).Certificate).ToList();
        var fetcher = Fetcher();
        var validator = _pki.Validator(fetcher);

        var results = await Task.WhenAll(devices.Select(d => Task.Run(() => validator.ValidateAsync(d, null, Now))));

        Assert.All(results, r => Assert.True(r.IsValid, string.Join("\n", r.Errors)));
        Assert.Equal(1, _server.Requests("/burst.crl"));
        Assert.Equal(1, fetcher.DownloadCount);
    }

    [Fact]
    public async Task A_CRL_is_kept_until_its_nextUpdate_then_fetched_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        _server.Serve("/hourly.crl", _pki.Crl(DateTimeOffset.UtcNow.AddHours(1)));
        var fetcher = Fetcher(time: clock);
        var url = _server.Url("/hourly.crl");

        await fetcher.FetchAsync(url);
        clock.Now += TimeSpan.FromMinutes(59);
        await fetcher.FetchAsync(url);
        Assert.Equal(1, _server.Requests("/hourly.crl"));

        clock.Now += TimeSpan.FromMinutes(2);
        Assert.False(fetcher.TryGetCached(url, out _));
        await fetcher.FetchAsync(url);
        Assert.Equal(2, _server.Requests("/hourly.crl"));
    }

    [Fact]
    public async Task A_failure_is_remembered_for_the_retention_period()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        _server.ServeStatus("/gone.crl", 404, "Not Found");
        var fetcher = Fetcher(new CrlFetcherOptions { FailureRetention = TimeSpan.FromSeconds(30) }, clock);
        var url = _server.Url("/gone.crl");

        await fetcher.FetchAsync(url);
        await fetcher.FetchAsync(url);
        Assert.Equal(1, _server.Requests("/gone.crl"));

        clock.Now += TimeSpan.FromSeconds(31);
        await fetcher.FetchAsync(url);
        Assert.Equal(2, _server.Requests("/gone.crl"));
    }

    [Fact]
    public async Task Works_with_a_client_per_download_as_from_IHttpClientFactory()
    {
        _server.Serve("/factory.crl", _pki.Crl());
        var created = 0;
        var fetcher = new CrlFetcher(() =>
        {
            Interlocked.Increment(ref created);
            return _http;
        });

        var result = await fetcher.FetchAsync(_server.Url("/factory.crl"));

        Assert.Equal(CrlFetchStatus.Fetched, result.Status);
        Assert.Equal(1, created);
    }

    [Fact]
    public async Task Ibm_upload_check_fetches_the_CAs_CRL()
    {
        _server.Serve("/ibm-ok.crl", _pki.Crl());
        _server.ServeStatus("/ibm-gone.crl", 404, "Not Found");
        var reachable = Platforms.ProfileCert.Create(new Platforms.ProfileSpec { Cdp = [_server.Url("/ibm-ok.crl")] }).Certificate;
        var unreachable = Platforms.ProfileCert.Create(new Platforms.ProfileSpec { Cdp = [_server.Url("/ibm-gone.crl")] }).Certificate;
        var ibm = PlatformProfile.Get("ibm-watson-iot");

        var ok = await ibm.CheckCaUploadAsync([reachable], Fetcher());
        var gone = await ibm.CheckCaUploadAsync([unreachable], Fetcher());

        Assert.True(ok.IsCompliant, string.Join("\n", ok.Violations));
        Assert.Empty(ok.NotChecked);
        var violation = Assert.Single(gone.Violations);
        Assert.Equal("ibm-ca-crl-reachable", violation.Code);
        Assert.Contains("HTTP 404", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disposed_client_is_a_failure_not_a_hang()
    {
        var disposed = new HttpClient();
        disposed.Dispose();

        var result = await new CrlFetcher(disposed).FetchAsync(_server.Url("/any.crl")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CrlFetchStatus.Unreachable, result.Status);
    }

    [Fact]
    public async Task Only_http_and_https_are_fetched()
    {
        Assert.True(CrlFetcher.IsFetchable("http://crl.example:8080/ca.crl"));
        Assert.True(CrlFetcher.IsFetchable("https://crl.example/ca.crl"));
        Assert.False(CrlFetcher.IsFetchable("ldap://ldap.example/cn=CA?certificateRevocationList"));
        Assert.False(CrlFetcher.IsFetchable("file:///etc/ca.crl"));
        await Assert.ThrowsAsync<ArgumentException>(() => Fetcher().FetchAsync("ldap://ldap.example/x"));
    }

    [Fact]
    public void Synchronous_validation_without_a_fetch_is_unknown_not_good()
    {
        var (device, _) = _pki.Device("sync", _server.Url("/never.crl"));

        var result = _pki.Validator(Fetcher()).Validate(device, null, Now);

        Assert.Equal(ChainStatus.RevocationStatusUnknown, result.Errors[0].Status);
        Assert.Contains("not been fetched", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.Requests("/never.crl"));
    }

    [Fact]
    public void Impossible_policy_combinations_are_refused()
    {
        using var fetcherClient = new HttpClient();
        var fetcher = new CrlFetcher(fetcherClient);
        Assert.Throws<ArgumentException>(() => new CrlRevocationChecker(RevocationPolicy.None));
        Assert.Throws<ArgumentException>(() => new CrlRevocationChecker(RevocationPolicy.Online));
        Assert.Throws<ArgumentException>(() => new CrlRevocationChecker(RevocationPolicy.Offline, fetcher: fetcher));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RevocationPolicy { ClockSkew = TimeSpan.FromDays(2) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrlFetcherOptions { MaxCrlSize = 10 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrlFetcherOptions { Timeout = TimeSpan.Zero });
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
