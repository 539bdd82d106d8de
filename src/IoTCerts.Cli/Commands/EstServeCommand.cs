using System.CommandLine;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Est;
using IoTCerts.Est.Server;
using IoTCerts.Issuance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts est serve</c>: an EST server backed by an iotcerts CA directory (the embedded default for tests and demos).</summary>
internal static class EstServeCommand
{
    /// <summary>The commonName of the TLS certificate <c>est serve</c> issues for itself when no --tls-cert is given.</summary>
    internal const string ServerCommonName = "iotcerts est serve";

    private const string ServerCertificateFolder = "est-serve";

    // Orchestrators wait 10 s (Docker) to 30 s (Kubernetes, systemd) after SIGTERM; 4 s for the requests in flight
    // leaves the CA's compaction time to finish well within 5 s.
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(4);

    internal static Command Create()
    {
        var ca = new Option<string>("--ca") { Description = "CA directory created by 'iotcerts ca init'.", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port (0 picks a free one; the URL is printed).", Required = true };
        var bind = new Option<string>("--bind") { Description = "Address to listen on (default 127.0.0.1).", DefaultValueFactory = _ => "127.0.0.1" };
        var bootstrapCa = new Option<string[]>("--bootstrap-ca") { Description = "Enrollment is allowed to TLS client certificates chaining to these CA certificates (repeatable)." };
        var basicUser = new Option<string>("--basic-user") { Description = "Allow enrollment with HTTP Basic: this user name ..." };
        var basicPasswordFile = new Option<string>("--basic-password-file") { Description = "... and the password in this file." };
        var tlsCert = new Option<string>("--tls-cert") { Description = "Server TLS certificate (PEM with chain); without it, one for localhost/127.0.0.1 is issued by the CA." };
        var tlsKey = new Option<string>("--tls-key") { Description = "Private key (PEM) of --tls-cert." };
        var proof = new Option<string>("--proof-of-possession")
        {
            Description = "RFC 7030 3.5 link of the CSR to the TLS session: none, tls-unique (TLS 1.2 requests must carry it) or tls-unique-required (TLS 1.3 refused).",
            DefaultValueFactory = _ => "none",
        };
        proof.AcceptOnlyFromAmong("none", "tls-unique", "tls-unique-required");
        var passwordFile = IssuanceCli.CaPasswordFile();
        var days = IssuanceCli.Days("the device profile's");
        var json = CommonOptions.Json();
        json.Description = "Print one JSON line {listening, server, ca} once the server listens (then nothing more on stdout).";
        var command = new Command("serve", "Serve EST (RFC 7030) on 127.0.0.1 for a CA directory until stopped (SIGTERM or Ctrl+C: requests in flight finish, exit 0).")
        {
            ca, port, bind, bootstrapCa, basicUser, basicPasswordFile, tlsCert, tlsKey, proof, passwordFile, days, json,
        };
        var database = new DatabaseCli();
        database.AddTo(command);
        command.SetGuardedAction(async (invocation, cancellationToken) => await EstCommand.Guard(async () =>
        {
            var p = invocation.Parse;
            if (!IPAddress.TryParse(p.GetValue(bind), out var address))
            {
                throw new CliException("usage", "--bind must be an IP address");
            }

            using var shutdown = ShutdownSignal.Listen();
            using var authority = IssuanceCli.Run(() => IssuanceCli.OpenCa(p, database, p.GetValue(ca)!, IssuanceCli.CaPassword(p, passwordFile)));
            var issuer = new CertificateAuthorityIssuer(authority, validity: IssuanceCli.DaysToSpan(p.GetValue(days)));
            var (serverCertificate, serverChain) = ServerCertificate(p, tlsCert, tlsKey, authority, p.GetValue(ca)!, address);
            var anchors = new X509Certificate2Collection();
            foreach (var file in p.GetValue(bootstrapCa) ?? [])
            {
                anchors.AddRange(IssuanceCli.LoadCertificates(file).ToArray());
            }

            string? basicPassword = null;
            if (p.GetValue(basicUser) is not null)
            {
                basicPassword = Secrets.Resolve(null, p.GetValue(basicPasswordFile), useEnvironment: false)
                    ?? throw new CliException("missing-password", "--basic-user needs --basic-password-file");
            }

            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Services.AddRouting();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(address, p.GetValue(port), listen => listen.UseEstHttps(serverCertificate, serverChain)));
            await using var app = builder.Build();
            app.UseRouting();
            app.MapEst(options =>
            {
                options.Issuer = issuer;
                options.ProofOfPossession = p.GetValue(proof) switch
                {
                    "tls-unique" => EstProofOfPossession.TlsUniqueWhenAvailable,
                    "tls-unique-required" => EstProofOfPossession.TlsUniqueRequired,
                    _ => EstProofOfPossession.None,
                };
                if (anchors.Count > 0)
                {
                    options.Authorizers.Add(EstAuthorization.ClientCertificate(anchors));
                }

                if (p.GetValue(basicUser) is { } user)
                {
                    options.Authorizers.Add(EstAuthorization.Basic((u, pw) => u == user && pw == basicPassword));
                    options.OfferBasicAuthentication = true;
                }
            });
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            if (p.GetValue(json))
            {
                JsonOutput.WriteLine(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("listening", $"{url}/.well-known/est/");
                    writer.WriteString("server", url);
                    writer.WritePropertyName("ca");
                    IoTCerts.Cli.Rendering.CertificateSummary.WriteValue(writer, IoTCerts.Core.Certificate.FromX509Certificate2(authority.Certificate));
                    writer.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"EST server for '{IoTCerts.Cli.Rendering.Formats.Name(authority.Certificate.SubjectName)}' listening on {url}/.well-known/est/").ConfigureAwait(false);
            }

            if (anchors.Count == 0 && basicPassword is null)
            {
                await invocation.Error.WriteLineAsync("iotcerts: warning: no --bootstrap-ca or --basic-user: only re-enrollment with certificates of this CA is possible").ConfigureAwait(false);
            }

            await invocation.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Token, app.Lifetime.ApplicationStopping))
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            // Graceful: Kestrel stops accepting and lets requests in flight finish (an enrollment already signing
            // completes and is answered); after the grace period the rest are aborted. The CA is disposed after the
            // host, which compacts its journal into the OpenSSL files.
            using var grace = new CancellationTokenSource(ShutdownGrace);
            await app.StopAsync(grace.Token).ConfigureAwait(false);
            return CliApp.Ok;
        }).ConfigureAwait(false));
        return command;
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) ServerCertificate(ParseResult p, Option<string> tlsCert, Option<string> tlsKey, CertificateAuthority authority, string caDirectory, IPAddress address)
    {
        if (p.GetValue(tlsCert) is { } certPath)
        {
            var pair = EstCommand.LoadPair(certPath, p.GetValue(tlsKey) ?? throw new CliException("usage", "--tls-cert needs --tls-key"));
            return (pair.Certificate, pair.Chain);
        }

        List<string> names = ["DNS:localhost", "IP:127.0.0.1"];
        if (!address.Equals(IPAddress.Loopback) && !address.Equals(IPAddress.Any))
        {
            names.Add("IP:" + address);
        }

        return CaIssuedServerCertificate(authority, caDirectory, names);
    }

    /// <summary>
    /// The server certificate is issued by the CA itself, so clients that trust the CA's root (from /cacerts or the CA
    /// directory) trust the server. It keeps one commonName and lives in the CA directory: a restart reuses it while it
    /// is valid for another day with the same names, otherwise renews it (<see cref="IssuanceRequest.Renews"/>, so the
    /// unique-commonName policy of R-61 accepts the name again).
    /// </summary>
    internal static (X509Certificate2 Certificate, X509Certificate2Collection Chain) CaIssuedServerCertificate(CertificateAuthority authority, string caDirectory, IReadOnlyList<string> names)
    {
        var folder = Path.Combine(caDirectory, ServerCertificateFolder);
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var store = new CredentialStore(Path.Combine(folder, "tls.pem"), Path.Combine(folder, "tls.key"));
        LoadedCredential? current;
        try
        {
            current = store.Load();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            current = null;
        }

        var now = DateTimeOffset.UtcNow;
        var records = authority.Database.ReadRecords();
        var wanted = SubjectAlternativeNames.Build(names).RawData;
        if (current is { } pair
            && pair.Certificate.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(1)
            && pair.Certificate.IssuerName.RawData.AsSpan().SequenceEqual(authority.Certificate.SubjectName.RawData)
            && pair.Certificate.Extensions["2.5.29.17"]?.RawData is { } san && san.AsSpan().SequenceEqual(wanted)
            && records.Any(r => r.SerialNumber == OpenSslIndexSerial(pair.Certificate) && r.IsValidAt(now)))
        {
            return (pair.Certificate, pair.Chain);
        }

        // Renew the newest valid holder of the name (its files may be gone; the operator owns the CA directory).
        var previous = records.LastOrDefault(r => r.CommonName == ServerCommonName && r.IsValidAt(now));
        using var key = SigningKey.Generate(KeyAlgorithm.EcP256);
        var issued = authority.Issue(new IssuanceRequest
        {
            Subject = new X500DistinguishedName("CN=" + ServerCommonName),
            PublicKey = key.PublicKey,
            Profile = CertificateProfile.Server(),
            SubjectAlternativeNames = names,
            Validity = TimeSpan.FromDays(7),
            Renews = previous?.SerialNumber,
        });
        store.Promote(issued.Chain, key.ExportPkcs8Pem(null), staged => staged.Certificate.SerialNumber == issued.Certificate.SerialNumber ? null : "the stored certificate is not the one just issued");
        var promoted = store.Load() ?? throw new CliException("io-error", $"the server certificate could not be stored in '{folder}'");
        return (promoted.Certificate, promoted.Chain);
    }

    private static string OpenSslIndexSerial(X509Certificate2 certificate)
    {
        var hex = certificate.SerialNumber.TrimStart('0');
        hex = hex.Length == 0 ? "00" : hex;
        return hex.Length % 2 == 1 ? "0" + hex : hex;
    }
}
