using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

public sealed class ErrorAndRetryTests
{
    private const string ProxyPage = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";

    [Fact]
    public async Task Forbidden_names_the_roles_and_never_the_password()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var logger = new CollectingLogger<CumulocityClient>();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.UserName = CumulocityStub.ReaderUser; }, logger);
        using var ca = TestPki.Ca("CN=Refused");

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca)));

        Assert.Equal(CumulocityErrorCode.Forbidden, ex.Code);
        Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
        Assert.Equal("security/Forbidden", ex.Error);
        Assert.Contains("needs role ROLE_TENANT_ADMIN or ROLE_TENANT_MANAGEMENT_ADMIN", ex.Message);
        Assert.DoesNotContain(CumulocityStub.Password, ex.ToString());
        Assert.All(logger.Lines, line => Assert.DoesNotContain(CumulocityStub.Password, line));
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Bulk_registration_forbidden_names_the_device_control_role()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.UserName = CumulocityStub.ReaderUser);
        var csv = new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "d1" });
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.RegisterDevicesAsync(csv));
        Assert.Contains("ROLE_DEVICE_CONTROL_ADMIN", ex.Message);
    }

    [Fact]
    public async Task Unauthorized_explains_the_credentials_without_echoing_them()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => { o.Password = "wrong-but-secret-value"; o.Tenant = "t100"; });
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('a', 40)));
        Assert.Equal(CumulocityErrorCode.Unauthorized, ex.Code);
        Assert.Contains("credentials were refused", ex.Message);
        Assert.DoesNotContain("wrong-but-secret-value", ex.ToString());
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task A_non_json_502_from_a_proxy_keeps_the_raw_body_after_the_retries()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var clock = new InstantTimeProvider();
        var logger = new CollectingLogger<CumulocityClient>();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.MaxRetries = 2; o.TimeProvider = clock; }, logger);
        for (var i = 0; i < 3; i++)
        {
            stub.Inject(new Fault("/trusted-certificates", 502, "text/html", ProxyPage));
        }

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('b', 40)));

        Assert.Equal(CumulocityErrorCode.ServerError, ex.Code);
        Assert.True(ex.IsTransient);
        Assert.Equal(HttpStatusCode.BadGateway, ex.Status);
        Assert.Null(ex.Error);
        Assert.Equal(ProxyPage, ex.RawBody);
        Assert.Contains("not a Cumulocity error (text/html)", ex.Message);
        Assert.Equal(3, stub.Requests.Count);

        // Exponential backoff with jitter: half to all of 100 ms, then of 200 ms.
        var delays = clock.Delays.ToArray();
        Assert.Equal(2, delays.Length);
        Assert.InRange(delays[0].TotalMilliseconds, 50, 100);
        Assert.InRange(delays[1].TotalMilliseconds, 100, 200);

        // Each retry is logged with method, path and status only.
        Assert.Equal(2, logger.Lines.Count(l => l.StartsWith("7300 ", StringComparison.Ordinal)));
        Assert.All(logger.Lines, l => Assert.DoesNotContain(CumulocityStub.Password, l));
        Assert.All(logger.Lines, l => Assert.DoesNotContain(stub.Requests[0].Header("Authorization")![6..], l));
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Gateway_errors_are_retried_until_the_platform_answers(int status)
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        using var ca = TestPki.Ca("CN=Retried", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        stub.Inject(new Fault("/trusted-certificates", status, "text/plain", "upstream unavailable"));

        var result = await client.CreateTrustedCertificateAsync(NewTrustedCertificate.From(ca));

        Assert.Equal(UploadOutcome.Created, result.Outcome);
        var requests = stub.Requests;
        Assert.Equal(2, requests.Count);

        // The retried request is the same request: same body, same headers.
        Assert.Equal(requests[0].BodyText, requests[1].BodyText);
        Assert.Equal(requests[0].Header("Authorization"), requests[1].Header("Authorization"));
    }

    [Fact]
    public async Task A_429_waits_exactly_the_Retry_After_the_platform_asks_for()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var clock = new InstantTimeProvider();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.TimeProvider = clock; });
        stub.Inject(new Fault("/trusted-certificates", 429, CumulocityStub.ErrorMediaType, "{\"error\":\"general/Too Many Requests\",\"message\":\"slow down\"}", RetryAfter: "7"));

        await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('c', 40)));

        Assert.Equal([TimeSpan.FromSeconds(7)], clock.Delays.ToArray());
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_maximum_delay_ends_the_retries_with_the_429()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var clock = new InstantTimeProvider();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.TimeProvider = clock; o.MaxRetryDelay = TimeSpan.FromSeconds(30); });
        stub.Inject(new Fault("/trusted-certificates", 429, CumulocityStub.ErrorMediaType, "{\"error\":\"general/Too Many Requests\",\"message\":\"slow down\"}", RetryAfter: "3600"));

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('c', 40)));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.Status);
        Assert.Equal("slow down", ex.ServerMessage);
        Assert.Empty(clock.Delays);
        Assert.Single(stub.Requests);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(422)]
    [InlineData(500)]
    public async Task Other_statuses_are_never_retried(int status)
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        stub.Inject(new Fault("/trusted-certificates", status, CumulocityStub.ErrorMediaType, "{\"error\":\"x/y\",\"message\":\"no\"}"));
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('d', 40)));
        Assert.Equal((HttpStatusCode)status, ex.Status);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Connection_failures_are_retried_then_reported_as_transport()
    {
        // A port nobody listens on: take a free one and close it again.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var clock = new InstantTimeProvider();
        var options = new CumulocityClientOptions { BaseUri = new Uri($"https://127.0.0.1:{port}"), Tenant = "t100", UserName = "u", Password = "p", MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(10), TimeProvider = clock };
        var client = new CumulocityClient(new HttpClient(), options);

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('e', 40)));

        Assert.Equal(CumulocityErrorCode.Transport, ex.Code);
        Assert.Null(ex.Status);
        Assert.Equal(3, clock.Delays.Count);
    }

    [Fact]
    public async Task An_untrusted_server_certificate_fails_at_once_without_retries()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var clock = new InstantTimeProvider();
        var client = new CumulocityClient(new HttpClient(), Clients.Options(stub, o => { o.Tenant = "t100"; o.TimeProvider = clock; }));
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('f', 40)));
        Assert.Equal(CumulocityErrorCode.Transport, ex.Code);
        Assert.Contains("TLS handshake", ex.Message);
        Assert.Empty(clock.Delays);
    }

    [Fact]
    public async Task A_success_body_that_is_not_the_documented_json_is_an_invalid_response()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => o.Tenant = "t100");
        stub.Inject(new Fault("/trusted-certificates", 200, "text/html", "<html>login page</html>"));
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => client.GetTrustedCertificateAsync(new string('a', 40)));
        Assert.Equal(CumulocityErrorCode.InvalidResponse, ex.Code);
        Assert.Equal("<html>login page</html>", ex.RawBody);
    }

    [Fact]
    public void Options_list_every_problem_at_once()
    {
        var options = new CumulocityClientOptions { BaseUri = new Uri("ftp://x"), UserName = "a:b", Password = "p", BearerToken = "t", PageSize = 5000, MaxRetries = -1 };
        var ex = Assert.Throws<ArgumentException>(() => new CumulocityClient(new HttpClient(), options));
        foreach (var expected in new[] { "BaseUri", "not both", "':'", "PageSize", "MaxRetries" })
        {
            Assert.Contains(expected, ex.Message);
        }

        Assert.DoesNotContain("\"p\"", ex.Message);
    }

    [Fact]
    public async Task Cancellation_stops_a_retry_wait()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub, o => { o.Tenant = "t100"; o.TimeProvider = TimeProvider.System; o.RetryBaseDelay = TimeSpan.FromSeconds(30); o.MaxRetryDelay = TimeSpan.FromSeconds(30); });
        stub.Inject(new Fault("/trusted-certificates", 503, "text/plain", "busy"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetTrustedCertificateAsync(new string('a', 40), cancel.Token));
    }
}
