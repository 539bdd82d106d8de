using System.Net;
using System.Net.Sockets;
using IoTCerts.Core;
using IoTCerts.Revocation.Online;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IoTCerts.Extensions.DependencyInjection.Tests;

/// <summary>
/// <c>AddIoTCertsChainValidation</c> with revocation: CRL files read and checked at start, and online CRLs
/// downloaded through the container's IHttpClientFactory client.
/// </summary>
public sealed class RevocationRegistrationTests
{
    private static readonly ValidationContext ClientAuth = new() { Purpose = CertificatePurpose.ClientAuth };

    [Fact]
    public void Offline_CRL_files_revoke_a_device_and_accept_the_others()
    {
        using var pki = new IssuancePki();
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Revocation = RevocationMode.Offline;
            o.CrlFiles.Add(pki.RootCrlFile);
            o.CrlFiles.Add(pki.IssuingCrlFile);
            o.CrlIssuerFiles.Add(pki.IssuingFile);
        }));
        provider.GetRequiredService<IStartupValidator>().Validate();
        ChainValidator validator = provider.GetRequiredService<ChainValidator>();

        ChainValidationResult good = validator.Validate(pki.Good, [pki.Issuing], ClientAuth);
        ChainValidationResult revoked = validator.Validate(pki.Revoked, [pki.Issuing], ClientAuth);

        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        Assert.False(revoked.IsValid);
        Assert.Equal(ChainStatus.Revoked, revoked.Errors[0].Status);
    }

    [Fact]
    public void Without_the_issuing_CAs_CRL_an_offline_deny_policy_refuses_and_an_allow_policy_accepts()
    {
        using var pki = new IssuancePki();
        ChainValidator Validator(UnknownRevocationStatus unknown, ServiceProvider[] keep)
        {
            keep[0] = Provider(s => s.AddIoTCertsChainValidation(o =>
            {
                o.TrustAnchorFiles.Add(pki.RootFile);
                o.Revocation = RevocationMode.Offline;
                o.UnknownRevocationStatus = unknown;
                o.CrlFiles.Add(pki.RootCrlFile);
            }));
            keep[0].GetRequiredService<IStartupValidator>().Validate();
            return keep[0].GetRequiredService<ChainValidator>();
        }

        var deny = new ServiceProvider[1];
        var allow = new ServiceProvider[1];
        try
        {
            Assert.Contains(Validator(UnknownRevocationStatus.Deny, deny).Validate(pki.Good, [pki.Issuing], ClientAuth).Errors,
                e => e.Status is ChainStatus.RevocationStatusUnknown or ChainStatus.OfflineRevocation);
            Assert.True(Validator(UnknownRevocationStatus.Allow, allow).Validate(pki.Good, [pki.Issuing], ClientAuth).IsValid);
        }
        finally
        {
            deny[0]?.Dispose();
            allow[0]?.Dispose();
        }
    }

    [Fact]
    public void Start_refuses_bad_CRL_configuration_naming_the_key_and_the_file()
    {
        using var pki = new IssuancePki();
        string missing = pki.PathOf("nowhere.crl");
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Revocation = RevocationMode.Offline;
            o.CrlFiles.Add(missing);
            o.CrlFiles.Add(pki.RootFile);
            o.CrlFiles.Add(pki.RogueCrlFile);
            o.CrlFiles.Add(pki.IssuingCrlFile);
        }));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains($"CrlFiles: '{missing}' cannot be read [file-not-found]", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains($"CrlFiles: '{pki.RootFile}' holds no CRL", StringComparison.Ordinal));
        // The rogue CRL carries the root's name, the issuing CA's CRL needs CrlIssuerFiles: both are refused by signature.
        Assert.Contains(error.Failures, f => f.Contains($"CrlFiles: '{pki.RogueCrlFile}' holds a CRL of \"CN=DI CRL Root,O=IoTCerts\" whose signature does not verify", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains($"CrlFiles: '{pki.IssuingCrlFile}' holds a CRL of \"CN=DI CRL Issuing CA,O=IoTCerts\" whose signature does not verify", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Failures, f => f.Contains($"'{pki.RootCrlFile}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_refuses_impossible_revocation_combinations()
    {
        using var pki = new IssuancePki();
        using ServiceProvider noCrl = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Revocation = RevocationMode.Offline;
        }));
        using ServiceProvider ignored = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.CrlFiles.Add(pki.RootCrlFile);
            o.CrlIssuerFiles.Add(pki.RootCrlFile);
        }));
        using ServiceProvider undefined = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Revocation = (RevocationMode)7;
        }));

        Assert.Contains("CrlFiles is empty: every certificate would be refused",
            Assert.Throws<OptionsValidationException>(() => noCrl.GetRequiredService<IStartupValidator>().Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Revocation is None, so they would be ignored",
            Assert.Throws<OptionsValidationException>(() => ignored.GetRequiredService<IStartupValidator>().Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Revocation 7 is not one of None, Offline, Online",
            Assert.Throws<OptionsValidationException>(() => undefined.GetRequiredService<IStartupValidator>().Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_refuses_a_CRL_issuer_file_outside_the_trusted_PKI()
    {
        using var pki = new IssuancePki();
        using var other = new IssuancePki();
        using ServiceProvider provider = Provider(s => s.AddIoTCertsChainValidation(o =>
        {
            o.TrustAnchorFiles.Add(pki.RootFile);
            o.Revocation = RevocationMode.Offline;
            o.CrlFiles.Add(pki.RootCrlFile);
            o.CrlIssuerFiles.Add(other.IssuingFile);
        }));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains($"CrlIssuerFiles: '{other.IssuingFile}' holds \"CN=DI CRL Issuing CA,O=IoTCerts\", which is not issued by a trust anchor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Online_revocation_downloads_through_the_named_factory_client_once_per_CRL()
    {
        using var server = new CrlServer();
        using var pki = new IssuancePki(server.BaseUri);
        server.Serve("root.crl", pki.RootCrl);
        server.Serve("issuing.crl", pki.IssuingCrl);
        var sent = new RequestCounter();
        using ServiceProvider provider = Provider(s =>
        {
            s.AddIoTCertsChainValidation(o =>
            {
                o.TrustAnchorFiles.Add(pki.RootFile);
                o.Revocation = RevocationMode.Online;
            });
            s.AddHttpClient(IoTCertsServiceCollectionExtensions.CrlHttpClientName).AddHttpMessageHandler(() => sent.CreateHandler());
        });
        provider.GetRequiredService<IStartupValidator>().Validate();
        ChainValidator validator = provider.GetRequiredService<ChainValidator>();

        ChainValidationResult revoked = await validator.ValidateAsync(pki.Revoked, [pki.Issuing], ClientAuth);
        ChainValidationResult good = await validator.ValidateAsync(pki.Good, [pki.Issuing], ClientAuth);

        Assert.Equal(ChainStatus.Revoked, Assert.Single(revoked.Errors).Status);
        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        // Only the issuing CA's certificate and the devices name a CRL below the anchor: root.crl (for the issuing CA) and issuing.crl.
        Assert.Equal(1, server.Downloads("root.crl"));
        Assert.Equal(1, server.Downloads("issuing.crl"));
        Assert.Equal(2, sent.Count);
        Assert.Equal(2, provider.GetRequiredService<CrlFetcher>().DownloadCount);
    }

    private static ServiceProvider Provider(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Counts the requests that went through the named client's handler pipeline.</summary>
    private sealed class RequestCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public DelegatingHandler CreateHandler() => new Counting(this);

        private sealed class Counting(RequestCounter counter) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref counter._count);
                return base.SendAsync(request, cancellationToken);
            }
        }
    }

    /// <summary>A plain-http CRL distribution point on 127.0.0.1 (R-13: http on any port) counting downloads per file.</summary>
    private sealed class CrlServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _downloads = new(StringComparer.Ordinal);
        private readonly Task _loop;

        public CrlServer()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(BaseUri.ToString());
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri BaseUri { get; }

        public void Serve(string name, byte[] content)
        {
            lock (_files)
            {
                _files[name] = content;
            }
        }

        public int Downloads(string name)
        {
            lock (_files)
            {
                return _downloads.GetValueOrDefault(name);
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(10));
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                string name = context.Request.Url!.AbsolutePath.TrimStart('/');
                byte[]? body;
                lock (_files)
                {
                    _downloads[name] = _downloads.GetValueOrDefault(name) + 1;
                    body = _files.GetValueOrDefault(name);
                }

                context.Response.StatusCode = body is null ? 404 : 200;
                context.Response.ContentType = "application/pkix-crl";
                if (body is not null)
                {
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                }

                context.Response.Close();
            }
        }
    }
}
