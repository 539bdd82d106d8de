using IoTCerts.Platform.Cumulocity;
using IoTCerts.Platform.Tests.Stub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IoTCerts.Platform.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_listing_every_problem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCumulocityClient(o => { o.BaseUri = new Uri("ftp://nowhere"); o.PageSize = 0; });
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(ex.Failures, f => f.Contains("BaseUri"));
        Assert.Contains(ex.Failures, f => f.Contains("UserName and Password"));
        Assert.Contains(ex.Failures, f => f.Contains("PageSize"));
    }

    [Fact]
    public async Task The_typed_client_works_through_the_returned_builder()
    {
        await using var stub = await CumulocityStub.StartAsync();
        var services = new ServiceCollection();
        var builder = services.AddCumulocityClient(o =>
        {
            o.BaseUri = stub.BaseUri;
            o.UserName = CumulocityStub.AdminUser;
            o.Password = CumulocityStub.Password;
            o.TrustAnchors.Add(stub.ServerCertificate);
        });

        // A second call adds configuration, not a second validator or client.
        services.AddCumulocityClient(o => o.Tenant = "t100");
        Assert.NotNull(builder);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CumulocityClient>();

        Assert.Equal("t100", await client.GetTenantIdAsync());
        var feature = await client.GetCertificateAuthorityFeatureAsync();
        Assert.True(feature.Active);
        Assert.Single(provider.GetServices<IValidateOptions<CumulocityClientOptions>>());
    }

    [Fact]
    public async Task The_device_client_gets_a_handler_presenting_the_device_certificate()
    {
        await using var stub = await CumulocityStub.StartAsync();
        using var root = TestPki.Ca("CN=DI Root");
        using var device = TestPki.Device("di-device", root);
        await Clients.Create(stub, o => o.Tenant = "t100").CreateTrustedCertificateAsync(NewTrustedCertificate.From(root));
        var services = new ServiceCollection();
        services.AddCumulocityDeviceClient(o =>
        {
            o.BaseUri = stub.BaseUri;
            o.DeviceTokenPort = stub.TokenPort;
            o.ClientCertificate = device;
            o.TrustAnchors.Add(stub.ServerCertificate);
        });
        await using var provider = services.BuildServiceProvider();

        var token = await provider.GetRequiredService<CumulocityDeviceClient>().GetAccessTokenAsync();

        Assert.Equal("di-device", stub.IssuedTokens[token.Token]);
    }

    [Fact]
    public async Task Clients_can_be_mocked()
    {
        var mock = new FakeClient();
        Assert.Equal("t-mock", await mock.GetTenantIdAsync());
    }

    private sealed class FakeClient : CumulocityClient
    {
        public override Task<string> GetTenantIdAsync(CancellationToken cancellationToken = default) => Task.FromResult("t-mock");
    }
}
