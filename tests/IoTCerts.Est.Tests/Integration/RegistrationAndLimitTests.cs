using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IoTCerts.Est.Tests;

/// <summary>DI registration, and the server's refusals of bad or oversized input.</summary>
public sealed class RegistrationAndLimitTests
{
    [Fact]
    public async Task AddEstClientResolvesATypedClientThatTalksTls()
    {
        await using var server = await EstTestServer.StartAsync(_ => { });
        var services = new ServiceCollection();
        var builder = services.AddEstClient(options =>
        {
            options.Server = server.Address;
            options.TrustAnchors.Add(server.CaRoot);
        });
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<EstClient>();

        Assert.Equal(nameof(EstClient), builder.Name);
        Assert.Equal(server.CaRoot.RawData, Assert.Single(await client.GetCaCertificatesAsync()).RawData);
    }

    [Fact]
    public void AddEstClientRejectsInvalidOptionsWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddEstClient(options => options.Server = new Uri("http://insecure.example"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<EstClient>());

        Assert.Contains("https", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddCertificateRenewalRegistersOneEngineAndOneHostedService()
    {
        using var temp = new TempDirectory();
        var services = new ServiceCollection();
        for (var i = 0; i < 2; i++)
        {
            services.AddCertificateRenewal(options => options.Credentials.Add(new RenewalCredential
            {
                Name = "identity" + options.Credentials.Count,
                CertificatePath = temp.File($"c{options.Credentials.Count}.pem"),
                KeyPath = temp.File($"k{options.Credentials.Count}.pem"),
                Est = ScriptedHandler.Options(),
            }));
        }

        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IHostedService>());
        var engine = provider.GetRequiredService<CertificateRenewalEngine>();
        Assert.Same(engine, provider.GetRequiredService<CertificateRenewalEngine>());
        Assert.Equal(2, engine.Credentials.Count);
    }

    [Fact]
    public async Task TheServerRefusesBadAndOversizedRequests()
    {
        await using var server = await EstTestServer.StartAsync(options => options.Authorizers.Add(new AllowAll()));
        using var http = new HttpClient(server.ClientOptions().CreateHttpHandler());
        var uri = new Uri(server.Address, "/.well-known/est/simpleenroll");

        using var garbage = await http.PostAsync(uri, new StringContent("bm90IGEgY3Ny", Encoding.ASCII, "application/pkcs10"));
        using var huge = await http.PostAsync(uri, new StringContent(new string('A', 200_000), Encoding.ASCII, "application/pkcs10"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=tampered"));
        csr[^5] ^= 0x01; // break the self-signature
        using var tampered = await http.PostAsync(uri, new StringContent(Convert.ToBase64String(csr), Encoding.ASCII, "application/pkcs10"));

        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tampered.StatusCode);
        Assert.StartsWith("bad signature", await tampered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private sealed class AllowAll : IoTCerts.Est.Server.IEstAuthorizer
    {
        public ValueTask<bool> AuthorizeAsync(IoTCerts.Est.Server.EstRequestContext context, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}
