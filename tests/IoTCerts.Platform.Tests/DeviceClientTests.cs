using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;

namespace IoTCerts.Platform.Tests;

public sealed class DeviceClientTests
{
    private static async Task<(CumulocityStub Stub, X509Certificate2 Root)> StubWithRootAsync()
    {
        var stub = await CumulocityStub.StartAsync();
        var root = TestPki.Ca("CN=Device Root");
        await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(root));
        stub.ClearRequests();
        return (stub, root);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Token_over_mtls_presents_the_device_certificate_without_authorization_and_reads_both_spellings(bool snakeCase)
    {
        var (stub, root) = await StubWithRootAsync();
        await using var _ = stub;
        stub.SnakeCaseAccessToken = snakeCase;
        using var device = TestPki.Device("sensor-1", root);
        var client = Clients.CreateDevice(Clients.DeviceOptions(stub, device));

        var token = await client.GetAccessTokenAsync();

        Assert.True(stub.IssuedTokens.TryGetValue(token.Token, out var deviceId));
        Assert.Equal("sensor-1", deviceId);
        Assert.Equal(TimeSpan.FromHours(1), token.ExpiresAt - token.IssuedAt);
        Assert.Equal(token.IssuedAt + TimeSpan.FromMinutes(30), token.RefreshAfter);
        Assert.DoesNotContain(token.Token, token.ToString());
        var request = Assert.Single(stub.Requests);
        Assert.Equal("POST /devicecontrol/deviceAccessToken", $"{request.Method} {request.Path}");
        Assert.Equal("CN=sensor-1", request.ClientCertificateSubject);
        Assert.Null(request.Header("Authorization"));
        Assert.Null(request.Header("X-Ssl-Cert-Chain"));
        Assert.Equal("application/json", request.Header("Accept"));
    }

    [Fact]
    public async Task The_chain_header_lets_a_device_under_an_intermediate_get_a_token()
    {
        var (stub, root) = await StubWithRootAsync();
        await using var _ = stub;
        using var intermediate = TestPki.Ca("CN=Intermediate", ECDsa.Create(ECCurve.NamedCurves.nistP256), root);
        using var device = TestPki.Device("sensor-2", intermediate);

        // Without the intermediate the platform cannot link the device to the uploaded root.
        var bare = Clients.CreateDevice(Clients.DeviceOptions(stub, device));
        var refused = await Assert.ThrowsAsync<CumulocityException>(() => bare.GetAccessTokenAsync());
        Assert.Equal(CumulocityErrorCode.Unauthorized, refused.Code);
        Assert.Contains("device certificate", refused.Message);

        var options = Clients.DeviceOptions(stub, device);
        options.ClientCertificateChain.Add(intermediate);
        var token = await Clients.CreateDevice(options).GetAccessTokenAsync();

        Assert.Equal("sensor-2", stub.IssuedTokens[token.Token]);
        var header = stub.Requests[^1].Header("X-Ssl-Cert-Chain")!;
        Assert.DoesNotContain("\n", header);
        Assert.Equal(2, header.Split("-----BEGIN CERTIFICATE-----").Length - 1);
        Assert.StartsWith("-----BEGIN CERTIFICATE----- " + device.ExportCertificatePem().Split('\n')[1], header);
    }

    [Fact]
    public async Task The_token_port_is_configurable_and_the_rest_port_does_not_serve_tokens()
    {
        var (stub, root) = await StubWithRootAsync();
        await using var _ = stub;
        using var device = TestPki.Device("sensor-3", root);
        var wrongPort = Clients.CreateDevice(Clients.DeviceOptions(stub, device, o => o.DeviceTokenPort = stub.BaseUri.Port));
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => wrongPort.GetAccessTokenAsync());
        Assert.Equal(CumulocityErrorCode.NotFound, ex.Code);
        Assert.Equal(8443, new CumulocityDeviceClientOptions().DeviceTokenPort);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enroll_with_external_id_and_otp_over_est_accepts_pkcs7_or_pem(bool pem)
    {
        await using var stub = await CumulocityStub.StartAsync();
        stub.EnrollAnswersPem = pem;
        var admin = Clients.Create(stub);
        await admin.CreateCertificateAuthorityAsync();
        var otp = OneTimePassword.Generate();
        await admin.RegisterDevicesAsync(new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "dev-otp", EnrollmentOneTimePassword = otp }));
        stub.ClearRequests();
        var csr = TestPki.Csr("dev-otp", out var key);
        using var _ = key;
        var logger = new CollectingLogger<CumulocityDeviceClient>();

        var issued = await Clients.CreateDevice(Clients.DeviceOptions(stub), logger).EnrollAsync("dev-otp", otp, csr);

        Assert.Equal("CN=dev-otp", issued[0].Subject);
        Assert.Equal(stub.TenantCa!.Subject, issued[0].Issuer);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("POST /.well-known/est/simpleenroll", $"{request.Method} {request.Path}");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("dev-otp:" + otp)), request.Header("Authorization"));
        Assert.StartsWith("application/pkcs10", request.Header("Content-Type"));
        Assert.Equal(csr, Convert.FromBase64String(request.BodyText));
        Assert.All(logger.Lines, l => Assert.DoesNotContain(otp, l));

        // The one-time password is used up.
        var again = await Assert.ThrowsAsync<CumulocityException>(() => Clients.CreateDevice(Clients.DeviceOptions(stub, null, o => o.EnrollmentMaxWait = TimeSpan.Zero)).EnrollAsync("dev-otp", otp, csr));
        Assert.Equal(CumulocityErrorCode.GaveUp, again.Code);
        Assert.DoesNotContain(otp, again.ToString());
    }

    [Fact]
    public async Task Enroll_polls_while_the_registration_is_not_visible_yet()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var admin = Clients.Create(stub);
        await admin.CreateCertificateAuthorityAsync();
        await admin.RegisterDevicesAsync(new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "late", EnrollmentOneTimePassword = "late-otp-123" }));
        stub.RegistrationLagAttempts = 3;
        stub.ClearRequests();
        var options = Clients.DeviceOptions(stub);
        var clock = (InstantTimeProvider)options.TimeProvider;

        var issued = await Clients.CreateDevice(options).EnrollAsync("late", "late-otp-123", TestPki.Csr("late", out _));

        Assert.Equal("CN=late", issued[0].Subject);
        Assert.Equal(4, stub.Requests.Count);
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromSeconds(30), 3), clock.Delays);
    }

    [Fact]
    public async Task Enroll_gives_up_at_the_cap_when_the_device_is_never_registered()
    {
        await using var stub = await CumulocityStub.StartAsync();
        await Clients.Create(stub).CreateCertificateAuthorityAsync();
        stub.ClearRequests();
        var options = Clients.DeviceOptions(stub, null, o => { o.EnrollmentPollInterval = TimeSpan.FromSeconds(30); o.EnrollmentMaxWait = TimeSpan.FromMinutes(2); });

        var ex = await Assert.ThrowsAsync<CumulocityException>(() => Clients.CreateDevice(options).EnrollAsync("ghost", "ghost-otp-1", TestPki.Csr("ghost", out _)));

        Assert.Equal(CumulocityErrorCode.GaveUp, ex.Code);
        Assert.Contains("No newDeviceRequest found", ex.ServerMessage);
        Assert.Equal(5, stub.Requests.Count);
    }

    [Fact]
    public async Task Enroll_without_a_tenant_ca_fails_at_once_with_the_platform_reason()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var ex = await Assert.ThrowsAsync<CumulocityException>(() => Clients.CreateDevice(Clients.DeviceOptions(stub)).EnrollAsync("d", "otp-otp-otp", TestPki.Csr("d", out _)));
        Assert.Equal(CumulocityErrorCode.InvalidRequest, ex.Code);
        Assert.Contains("certificate authority does not exist", ex.Message);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task Reenroll_authenticates_with_the_device_jwt()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var admin = Clients.Create(stub);
        await admin.CreateCertificateAuthorityAsync();
        await admin.RegisterDevicesAsync(new BulkRegistrationCsv().Add(new DeviceRegistration { Id = "renewing", EnrollmentOneTimePassword = "renew-otp-12" }));
        var csr = TestPki.Csr("renewing", out var key);
        var issued = await Clients.CreateDevice(Clients.DeviceOptions(stub)).EnrollAsync("renewing", "renew-otp-12", csr);
        using var withKey = TestPki.Reload(issued[0].CopyWithPrivateKey(key));
        var device = Clients.CreateDevice(Clients.DeviceOptions(stub, withKey));
        var token = await device.GetAccessTokenAsync();
        stub.ClearRequests();

        var renewed = await device.ReenrollAsync(token, TestPki.Csr("renewing", out _));

        Assert.Equal("CN=renewing", renewed[0].Subject);
        Assert.NotEqual(issued[0].SerialNumber, renewed[0].SerialNumber);
        var request = Assert.Single(stub.Requests);
        Assert.Equal("/.well-known/est/simplereenroll", request.Path);
        Assert.Equal("Bearer " + token.Token, request.Header("Authorization"));

        var refused = await Assert.ThrowsAsync<CumulocityException>(() => device.ReenrollAsync(new DeviceAccessToken("not.a.token"), TestPki.Csr("renewing", out _)));
        Assert.Equal(CumulocityErrorCode.Unauthorized, refused.Code);
    }

    [Fact]
    public async Task Certificate_authority_feature_create_conflict_and_renew()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var client = Clients.Create(stub);
        var feature = await client.GetCertificateAuthorityFeatureAsync();
        Assert.True(feature.Active);
        Assert.Equal("certificate-authority", feature.Key);

        var created = await client.CreateCertificateAuthorityAsync();
        var again = await client.CreateCertificateAuthorityAsync();
        var renewed = await client.RenewCertificateAuthorityAsync();

        Assert.Equal(UploadOutcome.Created, created.Outcome);
        Assert.True(created.Certificate!.TenantCertificateAuthority);
        Assert.Equal(UploadOutcome.AlreadyExists, again.Outcome);
        Assert.NotEqual(created.Fingerprint, renewed.Fingerprint);
        Assert.Equal(
            ["GET /features/certificate-authority", "POST /certificate-authority", "POST /certificate-authority", "POST /certificate-authority/renew"],
            stub.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.All(stub.Requests.Skip(1), r => Assert.Empty(r.Body));
    }

    [Fact]
    public void Device_options_list_every_problem()
    {
        var options = new CumulocityDeviceClientOptions { BaseUri = new Uri("http://x"), DeviceTokenPort = 0, EnrollmentPollInterval = TimeSpan.Zero };
        var ex = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("https", ex.Message);
        Assert.Contains("DeviceTokenPort", ex.Message);
        Assert.Contains("EnrollmentPollInterval", ex.Message);
    }
}
