using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTCerts.Est.Tests;

/// <summary>Issue #15: options are validated once when the host starts, and a client keeps its own copy.</summary>
public sealed class EstOptionsLifecycleTests
{
    [Fact]
    public void AddEstClient_with_bad_options_fails_at_start_with_every_problem()
    {
        var services = new ServiceCollection();
        services.AddEstClient(options =>
        {
            options.Server = new Uri("http://insecure.example");
            options.UserName = "only-a-user";
        });
        using var provider = services.BuildServiceProvider();

        // What a host runs in StartAsync (ValidateOnStart): nothing has to resolve the client first.
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains("https", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("UserName and Password", StringComparison.Ordinal));
    }

    [Fact]
    public void AddEstClient_with_good_options_starts()
    {
        var services = new ServiceCollection();
        services.AddEstClient(options =>
        {
            options.Server = new Uri("https://est.example");
            options.UseSystemTrustStore = true;
        });
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void AddCertificateRenewal_without_credentials_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddCertificateRenewal(_ => { });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains("at least one credential", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EstClient_ignores_later_changes_to_the_callers_options()
    {
        await using var server = await EstTestServer.StartAsync(_ => { });
        var options = server.ClientOptions();
        using var http = new HttpClient(options.CreateHttpHandler());
        var client = new EstClient(http, options);

        options.Server = new Uri("https://unreachable.invalid");
        options.Label = "changed";

        Assert.Equal(server.CaRoot.RawData, Assert.Single(await client.GetCaCertificatesAsync()).RawData);
    }

    [Fact]
    public void EstClient_validates_its_own_copy_at_construction()
    {
        var options = new EstClientOptions { Server = new Uri("http://insecure.example") };

        var error = Assert.Throws<EstException>(() => new EstClient(new HttpClient(), options));

        Assert.Equal(EstErrorCode.InvalidConfiguration, error.Code);
    }
}
