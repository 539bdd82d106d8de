using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts verify</c>: builds and validates a certificate chain (R-10..R-15). Exit 0 valid, 1 invalid, 2 bad input.</summary>
internal static class VerifyCommand
{
    internal static Command Create()
    {
        var chain = new Option<string>("--chain") { Description = "The certificate to verify, alone or with its intermediates in any order (PEM or DER).", Required = true };
        var untrusted = new Option<string[]>("--untrusted") { Description = "More intermediate certificates (repeatable)." };
        var trust = new Option<string[]>("--trust") { Description = "Trusted CA certificates: roots, or an intermediate where trust stops (repeatable).", Required = true };
        var crl = new Option<string[]>("--crl") { Description = "CRL files (not supported yet)." };
        var at = new Option<string>("--at") { Description = "Validate at this instant (ISO 8601, e.g. 2026-01-31T12:00:00Z) instead of now." };
        var purpose = new Option<string>("--purpose") { Description = "What the certificate is used for: client, server or any.", DefaultValueFactory = _ => "any" };
        purpose.AcceptOnlyFromAmong("client", "server", "any");
        var host = new Option<string>("--host") { Description = "The expected peer name (DNS name, IP address or e-mail) the certificate must hold." };
        var maxDepth = new Option<int?>("--max-depth") { Description = "The most intermediate CA certificates allowed (default 8)." };
        var profile = new Option<string>("--profile") { Description = "A platform profile (not supported yet)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("verify", "Build and validate a certificate chain against trusted CAs.")
        {
            chain, untrusted, trust, crl, at, purpose, host, maxDepth, profile, json,
        };

        command.SetGuardedAction(invocation =>
        {
            var parse = invocation.Parse;
            if (parse.GetValue(crl) is { Length: > 0 })
            {
                throw new CliException("unsupported-option", "--crl is not supported yet: revocation checking comes with the CRL support; run without --crl");
            }

            if (parse.GetValue(profile) is { } profileName)
            {
                throw new CliException("unsupported-option", $"--profile {profileName}: platform profiles are not supported yet; run without --profile");
            }

            var context = new ValidationContext
            {
                ValidationTime = ParseTime(parse.GetValue(at)),
                Purpose = parse.GetValue(purpose) switch
                {
                    "client" => CertificatePurpose.ClientAuth,
                    "server" => CertificatePurpose.ServerAuth,
                    _ => CertificatePurpose.Any,
                },
                ExpectedPeerName = parse.GetValue(host) is { } name ? PeerName.Parse(name) : null,
            };
            var policy = ChainPolicy.Default;
            if (parse.GetValue(maxDepth) is { } depth)
            {
                policy = depth is >= 0 and <= 64
                    ? new ChainPolicy { MaxDepth = depth }
                    : throw new CliException("bad-max-depth", "--max-depth must be between 0 and 64");
            }

            var presented = CertificateFiles.Read(parse.GetValue(chain)!);
            var leaf = FindEndEntity(presented);
            var intermediates = presented.Where(c => !ReferenceEquals(c, leaf)).ToList();
            foreach (var file in parse.GetValue(untrusted) ?? [])
            {
                intermediates.AddRange(CertificateFiles.Read(file));
            }

            var anchors = new List<Certificate>();
            foreach (var file in parse.GetValue(trust) ?? [])
            {
                anchors.AddRange(CertificateFiles.Read(file));
            }

            var result = new ChainValidator(anchors, policy).Validate(leaf, intermediates, context);
            if (parse.GetValue(json))
            {
                WriteJson(invocation.Out, result);
            }
            else
            {
                WriteText(invocation.Out, result);
            }

            return result.IsValid ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }

    private static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw new CliException("bad-time", $"--at {text} is not an ISO 8601 instant such as 2026-01-31T12:00:00Z");
    }

    // the file may list the chain in any order; the end entity is the certificate that issued none of the others.
    internal static Certificate FindEndEntity(IReadOnlyList<Certificate> certificates)
    {
        if (certificates.Count == 1)
        {
            return certificates[0];
        }

        var facts = certificates.Select(CertificateFacts.Read).ToList();
        var notIssuers = facts.Where(f => !facts.Any(o => !ReferenceEquals(o, f) && o.Issuer.Span.SequenceEqual(f.Subject.Span))).ToList();
        return (notIssuers.FirstOrDefault(f => !f.IsCa) ?? notIssuers.FirstOrDefault() ?? facts.FirstOrDefault(f => !f.IsCa) ?? facts[0]).Certificate;
    }

    private static void WriteText(TextWriter output, ChainValidationResult result)
    {
        output.WriteLine(result.IsValid ? "valid: the chain is trusted" : "INVALID");
        for (var i = 0; i < result.Chain.Count; i++)
        {
            var f = CertificateFacts.Read(result.Chain[i]);
            output.WriteLine($"  [{i}] {f.SubjectText}  (issuer: {f.IssuerText}; valid {f.NotBefore:yyyy-MM-dd} to {f.NotAfter:yyyy-MM-dd})");
        }

        foreach (var error in result.Errors)
        {
            output.WriteLine($"  error {error.Code} at [{error.CertificateIndex}]: {error.Message}");
        }
    }

    private static void WriteJson(TextWriter output, ChainValidationResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("valid", result.IsValid);
            writer.WriteString("validationTime", result.ValidationTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WriteStartArray("chain");
            foreach (var certificate in result.Chain)
            {
                var f = CertificateFacts.Read(certificate);
                writer.WriteStartObject();
                writer.WriteString("subject", f.SubjectText);
                writer.WriteString("issuer", f.IssuerText);
                writer.WriteString("serial", Convert.ToHexString(f.Serial.Span));
                writer.WriteString("notBefore", f.NotBefore.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                writer.WriteString("notAfter", f.NotAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                writer.WriteString("sha256", Convert.ToHexString(SHA256.HashData(certificate.RawData.Span)).ToLowerInvariant());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("errors");
            foreach (var error in result.Errors)
            {
                writer.WriteStartObject();
                writer.WriteString("code", error.Code);
                writer.WriteNumber("certificateIndex", error.CertificateIndex);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
