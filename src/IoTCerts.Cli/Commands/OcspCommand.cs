using System.CommandLine;
using System.Globalization;
using System.Net;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Ocsp.Server;
using IoTCerts.Revocation.Online;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts ocsp serve|query</c>: an OCSP responder (RFC 6960) for a CA directory, and an OCSP client.</summary>
internal static class OcspCommand
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(4);

    internal static Command Create() => new("ocsp", "OCSP (RFC 6960): answer for a CA directory, or ask a responder about a certificate.")
    {
        Serve(),
        Query(),
    };

    private static Command Serve()
    {
        var ca = new Option<string>("--ca") { Description = "CA directory created by 'iotcerts ca init'.", Required = true };
        var port = new Option<int>("--port") { Description = "TCP port (0, the default, picks a free one; the URL is printed).", DefaultValueFactory = _ => 0 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on (default 127.0.0.1).", DefaultValueFactory = _ => "127.0.0.1" };
        var path = new Option<string>("--path") { Description = "URL path of the responder (default /): POST to it, GET below it.", DefaultValueFactory = _ => "/" };
        var responderCert = new Option<string>("--responder-cert") { Description = "A delegated responder certificate issued by the CA with the OCSPSigning extended key usage (default: sign with the CA key)." };
        var responderKey = new Option<string>("--responder-key") { Description = "The private key of --responder-cert." };
        var responderKeyPasswordFile = new Option<string>("--responder-key-password-file") { Description = "A file whose first line is the passphrase of --responder-key." };
        var validity = new Option<int>("--validity-minutes") { Description = "nextUpdate − thisUpdate of each answer, in minutes (default 60).", DefaultValueFactory = _ => 60 };
        var passwordFile = IssuanceCli.CaPasswordFile();
        var json = CommonOptions.Json();
        json.Description = "Print one JSON line {listening, ca} once the server listens (then nothing more on stdout).";
        var command = new Command("serve", "Serve OCSP over plain http for a CA directory until stopped (SIGTERM or Ctrl+C: requests in flight finish, exit 0).")
        {
            ca, port, bind, path, responderCert, responderKey, responderKeyPasswordFile, validity, passwordFile, json,
        };
        command.SetGuardedAction(async (invocation, cancellationToken) => await EstCommand.Guard(async () =>
        {
            var p = invocation.Parse;
            if (!IPAddress.TryParse(p.GetValue(bind), out var address))
            {
                throw new CliException("usage", "--bind must be an IP address");
            }

            if (p.GetValue(port) is < 0 or > 65535)
            {
                throw new CliException("usage", "--port must be between 0 and 65535");
            }

            if ((p.GetValue(responderCert) is null) != (p.GetValue(responderKey) is null))
            {
                throw new CliException("usage", "--responder-cert and --responder-key go together");
            }

            var options = p.GetValue(validity) is >= 1 and <= 7 * 24 * 60 and var minutes
                ? new OcspResponderOptions { ResponseValidity = TimeSpan.FromMinutes(minutes) }
                : throw new CliException("usage", "--validity-minutes must be between 1 and 10080 (7 days)");
            using var shutdown = ShutdownSignal.Listen();
            using var authority = IssuanceCli.OpenCa(p.GetValue(ca)!, IssuanceCli.CaPassword(p, passwordFile));
            using var delegatedKey = p.GetValue(responderKey) is { } keyFile ? SigningKey.LoadFile(keyFile, IssuanceCli.FromFile(p, responderKeyPasswordFile)) : null;
            using var delegatedCertificate = p.GetValue(responderCert) is { } certFile ? IssuanceCli.LoadCertificates(certFile)[0] : null;
            OcspResponder responder;
            try
            {
                responder = delegatedCertificate is not null
                    ? new OcspResponder(authority, delegatedCertificate, delegatedKey!, options)
                    : new OcspResponder(authority, options);
            }
            catch (ArgumentException ex)
            {
                throw new CliException("bad-responder", ex.Message.Split(" (Parameter", 2)[0]);
            }

            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.Services.AddRouting();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(address, p.GetValue(port)));
            await using var app = builder.Build();
            app.UseRouting();
            app.MapOcsp(p.GetValue(path)!, responder);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var listening = url + "/" + p.GetValue(path)!.Trim('/');
            if (p.GetValue(json))
            {
                JsonOutput.WriteLine(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("listening", listening);
                    writer.WritePropertyName("ca");
                    IoTCerts.Cli.Rendering.CertificateSummary.WriteValue(writer, Certificate.FromX509Certificate2(authority.Certificate));
                    writer.WriteEndObject();
                });
            }
            else
            {
                await invocation.Out.WriteLineAsync($"OCSP responder for '{authority.Certificate.Subject}' listening on {listening}").ConfigureAwait(false);
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

            using var grace = new CancellationTokenSource(ShutdownGrace);
            await app.StopAsync(grace.Token).ConfigureAwait(false);
            return CliApp.Ok;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Query()
    {
        var cert = new Option<string>("--cert") { Description = "The certificate to ask about (PEM or DER; the first certificate of the file).", Required = true };
        var issuer = new Option<string>("--issuer") { Description = "The certificate of its issuer.", Required = true };
        var url = new Option<string>("--url") { Description = "The responder URL (default: the OCSP URL in the certificate's authorityInfoAccess)." };
        var method = new Option<string>("--method") { Description = "auto (GET up to 255 bytes, the default), get or post.", DefaultValueFactory = _ => "auto" };
        method.AcceptOnlyFromAmong("auto", "get", "post");
        var noNonce = new Option<bool>("--no-nonce") { Description = "Send no nonce." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the responder (default 10).", DefaultValueFactory = _ => 10 };
        var json = CommonOptions.Json();
        var command = new Command("query", "Ask an OCSP responder about a certificate. Exit 0 good, 1 revoked, unknown or no verified answer, 2 bad input.")
        {
            cert, issuer, url, method, noNonce, timeout, json,
        };
        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var p = invocation.Parse;
            var certificate = CertificateFiles.Read(p.GetValue(cert)!)[0];
            var issuerCertificate = CertificateFiles.Read(p.GetValue(issuer)!)[0];
            if (!certificate.Issuer.RawData.Span.SequenceEqual(issuerCertificate.Subject.RawData.Span) || !certificate.IsSignatureValid(issuerCertificate.PublicKey))
            {
                throw new CliException("wrong-issuer", $"'{p.GetValue(issuer)}' is not the issuer of '{p.GetValue(cert)}' (its key does not verify the certificate's signature)");
            }

            var options = ClientOptions(p.GetValue(url), p.GetValue(method)!, !p.GetValue(noNonce), p.GetValue(timeout));
            using var http = new HttpClient(CrlFetcher.CreateHandler());
            var client = new OcspClient(http, options);
            var responder = client.ResponderFor(certificate);
            var result = await client.FetchAsync(certificate, issuerCertificate, cancellationToken).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                JsonOutput.Write(invocation.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNullableString("responder", responder?.AbsoluteUri);
                    writer.WriteString("serial", certificate.SerialNumberHex);
                    writer.WriteString("status", result.IsVerified ? result.Status.ToString().ToLowerInvariant() : "error");
                    writer.WriteNullableString("failure", result.IsVerified ? null : FailureName(result.Failure));
                    writer.WriteNullableString("thisUpdate", result.IsVerified ? Time(result.ThisUpdate) : null);
                    writer.WriteNullableString("nextUpdate", result.NextUpdate is { } next ? Time(next) : null);
                    writer.WriteNullableString("revokedAt", result.RevokedAt is { } at ? Time(at) : null);
                    writer.WriteNullableString("reason", result.RevocationReason);
                    writer.WriteString("message", result.Message);
                    writer.WriteEndObject();
                });
            }
            else
            {
                invocation.Out.WriteLine($"{p.GetValue(cert)}: {(result.IsVerified ? result.Status.ToString().ToLowerInvariant() : "no verified answer")}");
                if (result.RevokedAt is { } at)
                {
                    invocation.Out.WriteLine($"  revoked at {Time(at)}{(result.RevocationReason is { } reason ? $", reason {reason}" : string.Empty)}");
                }

                if (result.IsVerified)
                {
                    invocation.Out.WriteLine($"  thisUpdate {Time(result.ThisUpdate)}{(result.NextUpdate is { } next ? $", nextUpdate {Time(next)}" : string.Empty)}");
                }

                invocation.Out.WriteLine($"  {result.Message}");
            }

            return result is { IsVerified: true, Status: OcspCertificateStatus.Good } ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }

    /// <summary>Client options for a responder URL (or the certificate's AIA), a method name and a nonce choice; bad values are usage errors.</summary>
    internal static OcspClientOptions ClientOptions(string? url, string method, bool nonce, int timeoutSeconds)
    {
        Uri? responder = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out responder) || (responder.Scheme != Uri.UriSchemeHttp && responder.Scheme != Uri.UriSchemeHttps)))
        {
            throw new CliException("bad-url", $"'{url}' is not an absolute http or https URL");
        }

        if (timeoutSeconds is < 1 or > 600)
        {
            throw new CliException("usage", "--timeout must be between 1 and 600 seconds");
        }

        return new OcspClientOptions
        {
            ResponderOverride = responder,
            RequestMethod = method switch
            {
                "get" => OcspRequestMethod.Get,
                "post" => OcspRequestMethod.Post,
                _ => OcspRequestMethod.Auto,
            },
            UseNonce = nonce,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        };
    }

    private static string FailureName(OcspFailure failure) => failure switch
    {
        OcspFailure.NoResponder => "no-responder",
        OcspFailure.Unreachable => "unreachable",
        OcspFailure.ResponderError => "responder-error",
        _ => "invalid-response",
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
