using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Cli.Rendering;
using IoTCerts.Core;
using IoTCerts.Revocation.Online;

namespace IoTCerts.Cli.Commands;

/// <summary><c>iotcerts verify</c>: builds and validates a certificate chain (R-10..R-15). Exit 0 valid, 1 invalid, 2 bad input.</summary>
internal static class VerifyCommand
{
    internal static Command Create()
    {
        var chain = new Option<string>("--chain") { Description = "The certificate to verify, alone or with its intermediates in any order (PEM or DER).", Required = true };
        var untrusted = new Option<string[]>("--untrusted") { Description = "More intermediate certificates (repeatable)." };
        var trust = new Option<string[]>("--trust") { Description = "Trusted CA certificates: roots, or an intermediate where trust stops (repeatable).", Required = true };
        var crl = new Option<string[]>("--crl") { Description = "CRL files (PEM or DER, repeatable): check revocation offline (R-13); each certificate below the trust anchor needs its issuer's CRL, an unknown status fails." };
        var online = new Option<bool>("--online-revocation") { Description = "Fetch CRLs from the certificates' CRL distribution points (http/https) and check revocation." };
        var ocsp = new Option<bool>("--ocsp") { Description = "Check revocation with OCSP (RFC 6960): ask each certificate's OCSP responder (authorityInfoAccess) or --ocsp-url; with --crl or --online-revocation, CRLs decide where OCSP gives no verified answer." };
        var ocspUrl = new Option<string>("--ocsp-url") { Description = "Ask this OCSP responder (http/https) instead of the certificates' authorityInfoAccess URL (implies --ocsp)." };
        var ocspScope = new Option<string>("--ocsp-scope") { Description = "Which certificates OCSP checks: chain (every certificate below the trust anchor, the default) or end-entity.", DefaultValueFactory = _ => "chain" };
        ocspScope.AcceptOnlyFromAmong("chain", "end-entity");
        var at = new Option<string>("--at") { Description = "Validate at this instant (ISO 8601, e.g. 2026-01-31T12:00:00Z) instead of now." };
        var purpose = new Option<string>("--purpose") { Description = "What the certificate is used for: client, server or any.", DefaultValueFactory = _ => "any" };
        purpose.AcceptOnlyFromAmong("client", "server", "any");
        var host = new Option<string>("--host") { Description = "The expected peer name (DNS name, IP address or e-mail) the certificate must hold." };
        var maxDepth = new Option<int?>("--max-depth") { Description = "The most intermediate CA certificates allowed (default 8)." };
        var rules = new Option<string>("--rules")
        {
            Description = "Which certificate rules apply: rfc5280 (the RFC 5280 §6.1 algorithm, the default), strict (adds the RFC 5280 §4 rules for conforming CAs: basicConstraints, nameConstraints, policyConstraints and inhibitAnyPolicy critical, key identifiers present) or webpki (adds the CA/Browser Forum rules for TLS server certificates: no CA certificate as the end entity, an explicit non-critical extendedKeyUsage without anyExtendedKeyUsage).",
            DefaultValueFactory = _ => "rfc5280",
        };
        rules.AcceptOnlyFromAmong("rfc5280", "strict", "webpki");
        var policies = new Option<string[]>("--policy") { Description = "An acceptable certificate policy OID (repeatable): the user-initial-policy-set of RFC 5280 §6.1.1 (c); any policy when absent." };
        var explicitPolicy = new Option<bool>("--explicit-policy") { Description = "Require the chain to be valid for at least one acceptable policy (RFC 5280 §6.1.1 (f) initial-explicit-policy)." };
        var inhibitMapping = new Option<bool>("--inhibit-policy-mapping") { Description = "Do not allow policy mapping in the chain (RFC 5280 §6.1.1 (e) initial-policy-mapping-inhibit)." };
        var inhibitAny = new Option<bool>("--inhibit-any-policy") { Description = "Do not let anyPolicy in a certificate match every policy (RFC 5280 §6.1.1 (g) initial-any-policy-inhibit)." };
        var profile = ProfileOptions.Profile(required: false);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("verify", "Build and validate a certificate chain against trusted CAs.")
        {
            chain, untrusted, trust, crl, online, ocsp, ocspUrl, ocspScope, at, purpose, host, maxDepth, rules, policies, explicitPolicy, inhibitMapping, inhibitAny, profile, json,
        };

        command.SetGuardedAction(async (invocation, cancellationToken) =>
        {
            var parse = invocation.Parse;
            var platform = parse.GetValue(profile) is { } profileName ? ProfileOptions.Resolve(profileName) : null;
            var crls = new List<CertificateRevocationList>();
            foreach (var file in parse.GetValue(crl) ?? [])
            {
                crls.AddRange(CertificateFiles.ReadCrls(file));
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
                UserInitialPolicySet = PolicySet(parse.GetValue(policies)),
                InitialExplicitPolicy = parse.GetValue(explicitPolicy),
                InitialPolicyMappingInhibit = parse.GetValue(inhibitMapping),
                InitialAnyPolicyInhibit = parse.GetValue(inhibitAny),
            };
            var policy = parse.GetValue(rules) switch
            {
                "webpki" => ChainPolicy.WebPki,
                "strict" => ChainPolicy.Strict,
                _ => ChainPolicy.Default,
            };
            if (parse.GetValue(maxDepth) is { } depth)
            {
                policy = depth is >= 0 and <= 64
                    ? new ChainPolicy { MaxDepth = depth, Rules = policy.Rules }
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

            using var http = parse.GetValue(online) ? new HttpClient(CrlFetcher.CreateHandler()) : null;
            var crlChecker = http is not null
                ? new CrlRevocationChecker(RevocationPolicy.Online, crls, new CrlFetcher(http))
                : crls.Count > 0 ? new CrlRevocationChecker(RevocationPolicy.Offline, crls) : null;
            IRevocationChecker? checker = crlChecker;
            using var ocspHttp = parse.GetValue(ocsp) || parse.GetValue(ocspUrl) is not null ? new HttpClient(CrlFetcher.CreateHandler()) : null;
            if (ocspHttp is not null)
            {
                var client = new OcspClient(ocspHttp, OcspCommand.ClientOptions(parse.GetValue(ocspUrl), "auto", nonce: true, timeoutSeconds: 10));
                checker = new OcspRevocationChecker(client, crlChecker is null ? OcspFallback.FailClosed : OcspFallback.Crl, crlChecker,
                    parse.GetValue(ocspScope) == "end-entity" ? RevocationScope.EndEntityOnly : RevocationScope.WholeChain);
            }

            var result = await new ChainValidator(anchors, policy, checker).ValidateAsync(leaf, intermediates, context, cancellationToken).ConfigureAwait(false);
            var report = platform?.CheckDeviceChain(presented, new ProfileCheckOptions { At = context.ValidationTime, UploadedCaCertificates = anchors });
            var order = ChainOrderFinding.Of(presented, platform);
            if (parse.GetValue(json))
            {
                WriteJson(invocation.Out, result, report, order);
            }
            else
            {
                WriteText(invocation.Out, result, report, order);
            }

            return result.IsValid && report is not { IsCompliant: false } ? CliApp.Ok : CliApp.Invalid;
        });
        return command;
    }

    // --policy takes dotted OIDs, or "anyPolicy" by name.
    private static string[]? PolicySet(string[]? oids)
    {
        if (oids is not { Length: > 0 })
        {
            return null;
        }

        var set = oids.Select(o => o == "anyPolicy" ? CertificatePolicy.AnyPolicy : o).ToArray();
        foreach (var oid in set)
        {
            try
            {
                _ = new ValidationContext { UserInitialPolicySet = [oid] };
            }
            catch (ArgumentException)
            {
                throw new CliException("bad-policy", $"--policy {oid} is not a dotted object identifier such as 1.3.6.1.4.1.55555.1.1");
            }
        }

        return set;
    }

    // The user-constrained-policy-set of RFC 5280 §6.1.6 for output: anyPolicy by its name.
    private static IEnumerable<string> PolicyNames(ChainValidationResult result) =>
        result.UserConstrainedPolicies.Select(p => p == CertificatePolicy.AnyPolicy ? "anyPolicy" : p);

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

    // R-10: the file may list the chain in any order; Core's OrderedChain finds the end entity (the one chain orderer).
    internal static Certificate FindEndEntity(IReadOnlyList<Certificate> certificates) =>
        certificates.Count == 1 ? certificates[0] : OrderedChain.FromBag(certificates).Certificates[0];

    private static string Readable(DistinguishedName name) => name.IsEmpty ? "(empty name)" : name.Rfc4514Name;

    private static void WriteText(TextWriter output, ChainValidationResult result, ProfileReport? report, ChainOrderFinding? order)
    {
        output.WriteLine(result.IsValid && report is not { IsCompliant: false } ? "valid: the chain is trusted" + (report is null ? string.Empty : $" and meets the {report.Profile.Name} rules") : "INVALID");
        for (var i = 0; i < result.Chain.Count; i++)
        {
            var f = result.Chain[i];
            output.WriteLine($"  [{i}] {Readable(f.Subject)}  (issuer: {Readable(f.Issuer)}; valid {f.NotBefore:yyyy-MM-dd} to {f.NotAfter:yyyy-MM-dd})");
        }

        if (result.UserConstrainedPolicies.Count > 0)
        {
            output.WriteLine($"  policies: {string.Join(", ", PolicyNames(result))}");
        }

        foreach (var error in result.Errors)
        {
            output.WriteLine($"  error {error.Code} at [{error.CertificateIndex}]: {error.Message}");
        }

        if (order is not null)
        {
            output.WriteLine($"  {order.Severity} {ChainFileOrder.Code}: {order.Message}");
        }

        if (report is not null)
        {
            ProfileOutput.WriteText(output, report);
        }
    }

    private static void WriteJson(TextWriter output, ChainValidationResult result, ProfileReport? report, ChainOrderFinding? order)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("valid", result.IsValid && report is not { IsCompliant: false });
            writer.WriteString("validationTime", result.ValidationTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WriteObjects("chain", result.Chain, (w, certificate) =>
            {
                w.WriteString("subject", Readable(certificate.Subject));
                w.WriteString("issuer", Readable(certificate.Issuer));
                w.WriteString("serial", Formats.Serial(certificate.SerialNumberHex));
                w.WriteString("notBefore", certificate.NotBefore.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                w.WriteString("notAfter", certificate.NotAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                w.WriteString("sha256", certificate.Sha256Thumbprint.ToLowerInvariant());
            });
            writer.WriteStartArray("policies");
            foreach (var oid in PolicyNames(result))
            {
                writer.WriteStringValue(oid);
            }

            writer.WriteEndArray();
            writer.WriteObjects("errors", result.Errors, (w, error) =>
            {
                w.WriteString("code", error.Code);
                w.WriteNumber("certificateIndex", error.CertificateIndex);
                w.WriteString("message", error.Message);
            });
            writer.WriteStartArray("warnings");
            if (order is not null)
            {
                writer.WriteStartObject();
                writer.WriteString("code", ChainFileOrder.Code);
                writer.WriteString("severity", order.Severity);
                writer.WriteString("message", order.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (report is not null)
            {
                writer.WriteStartObject("profile");
                ProfileOutput.WriteBody(writer, report);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
