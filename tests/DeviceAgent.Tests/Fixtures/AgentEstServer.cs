using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Est.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IoTCerts.Samples.DeviceAgent.Tests;

/// <summary>
/// A real IoTCerts.Est.Server on 127.0.0.1 (free port): TLS with the PKI's server certificate, enrollment allowed to
/// certificates of the bootstrap CA, re-enrollment to certificates it issued. Records each request's path and
/// Authorization scheme (with the Bearer token, to check the Cumulocity re-enrollment).
/// </summary>
internal sealed class AgentEstServer : IAsyncDisposable
{
    private readonly EstServerHost _host;

    private AgentEstServer(EstServerHost host, GenerationIssuer issuer, ConcurrentQueue<(string Path, string Authorization)> requests)
    {
        _host = host;
        Issuer = issuer;
        Requests = requests;
    }

    public Uri Address => _host.Address;

    public GenerationIssuer Issuer { get; }

    public ConcurrentQueue<(string Path, string Authorization)> Requests { get; }

    // withoutCaCerts: answer 404 for /cacerts, as an EST-style enrollment without it does (Cumulocity's).
    public static async Task<AgentEstServer> StartAsync(X509Certificate2 tlsCertificate, GenerationIssuer issuer, X509Certificate2 bootstrapCa, bool withoutCaCerts = false)
    {
        var requests = new ConcurrentQueue<(string Path, string Authorization)>();
        var host = await EstServerHost.StartAsync(tlsCertificate, null, options =>
        {
            options.Issuer = issuer;
            options.Authorizers.Add(EstAuthorization.ClientCertificate([bootstrapCa]));

            // RFC 7030 answers hold the issued certificate alone; the agent completes its chain from /cacerts. Without
            // /cacerts the answer's chain is the only source of the issuing CA, so only then is it sent.
            options.IncludeChainInEnrollmentResponses = withoutCaCerts;
        }, new EstServerHostOptions
        {
            ConfigurePipeline = app => app.Use(async (HttpContext http, RequestDelegate next) =>
            {
                requests.Enqueue((http.Request.Path.Value ?? string.Empty, http.Request.Headers.Authorization.ToString()));
                if (withoutCaCerts && (http.Request.Path.Value ?? string.Empty).EndsWith("/cacerts", StringComparison.Ordinal))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                await next(http);
            }),
        });
        return new AgentEstServer(host, issuer, requests);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
