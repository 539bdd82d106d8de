using System.Globalization;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>The rule tables of the built-in profiles. Each rule is a small named check citing its requirement.</summary>
internal static class PlatformProfiles
{
    public const int CumulocityMaxChain = 10;
    public const int CumulocityLegacyMaxChain = 2;
    public const string ChainOrderRuleCode = "chain-order";

    private static readonly Lazy<IReadOnlyList<PlatformProfile>> s_all = new(() =>
    [
        Generic(),
        Cumulocity("cumulocity", "Cumulocity IoT (current releases): chains up to 10 certificates.", CumulocityMaxChain,
            "Cumulocity allows at most 10 certificates in a device chain (device through the uploaded CA)"),
        Cumulocity("cumulocity-legacy", "Cumulocity IoT (older releases): device certificate signed directly by the uploaded CA.", CumulocityLegacyMaxChain,
            "Cumulocity (older releases) allows at most 2 certificates in a device chain: the device and the uploaded CA, no intermediates"),
        Ibm(),
        AzureEdge(),
        Defender(),
    ]);

    public static IReadOnlyList<PlatformProfile> All => s_all.Value;

    private static PlatformProfile Generic() => new("generic", "Rules every platform shares (R-11, R-15): a proper CA, strong keys, current dates.", null,
    [
        Rule("ca-basic-constraints", ProfileStage.CaUpload, "A CA certificate must have basicConstraints CA:TRUE", "R-11",
            i => First(i, c => IsCa(c) ? null : $"\"{Name(c)}\" {DescribeCa(c)}")),
        Rule("ca-key-cert-sign", ProfileStage.CaUpload, "A CA certificate's keyUsage, when present, must include keyCertSign", "R-12",
            i => First(i, c => c.KeyUsage is { } ku && (ku & KeyUsage.KeyCertSign) == 0 ? $"\"{Name(c)}\" has keyUsage {ku}" : null)),
        Rule("ca-valid-dates", ProfileStage.CaUpload, "A CA certificate must be valid now", "R-12",
            i => First(i, c => Dates(c, i.At))),
        Rule("ca-key-strength", ProfileStage.CaUpload, "A CA key must be RSA of at least 2048 bits or EC P-256/P-384/P-521", "R-15",
            i => First(i, KeyStrength)),
        Rule("ca-signature-hash", ProfileStage.CaUpload, "A CA certificate must be signed with SHA-256 or stronger", "R-15",
            i => First(i, SignatureHash)),
        Rule("device-valid-dates", ProfileStage.DeviceConnection, "Every certificate of a device chain must be valid now", "R-12",
            i => Chain(i).Select((c, n) => (c, n)).Where(x => Dates(x.c, i.At) is not null).Select(x => new Finding(x.n, Dates(x.c, i.At)!))),
        Rule("device-key-strength", ProfileStage.DeviceConnection, "A device key must be RSA of at least 2048 bits or EC P-256/P-384/P-521", "R-15",
            i => First(i, KeyStrength)),
    ], c => CommonNameIdentity("generic", c, "the device identity is the certificate's Common Name", allowColon: true));

    private static PlatformProfile Cumulocity(string name, string description, int maxChain, string lengthRule) => new(name, description, maxChain,
    [
        Rule("c8y-ca-v3", ProfileStage.CaUpload, "Cumulocity requires the uploaded CA certificate to be X.509 version 3", "R-20",
            i => First(i, c => c.Version == 3 ? null : $"\"{Name(c)}\" is version {c.Version}")),
        Rule("c8y-ca-basic-constraints", ProfileStage.CaUpload, "Cumulocity requires the uploaded CA certificate to have basicConstraints CA:true", "R-20",
            i => First(i, c => IsCa(c) ? null : $"\"{Name(c)}\" {DescribeCa(c)}")),
        Rule("c8y-chain-includes-ca", ProfileStage.DeviceConnection,
            "Cumulocity requires the device chain to include an uploaded CA certificate, or the device certificate's direct issuer to be uploaded", "R-20",
            ChainIncludesUploadedCa),
        ChainOrder("Cumulocity"),
        Rule("c8y-chain-length", ProfileStage.DeviceConnection, lengthRule, "R-21", i =>
        {
            var length = ChainLengthToUploadedCa(i);
            return length > maxChain ? [new Finding(-1, $"the chain has {length} certificates")] : [];
        }),
        Rule("c8y-device-common-name", ProfileStage.DeviceConnection,
            "Cumulocity requires the device certificate's Common Name (the MQTT ClientId) to be present and free of ':'", "R-22",
            i => First(i, c => !DeviceIdentityRules.TryReadCommonName(c.Subject, out var cn, out var ambiguous) ? ambiguous
                : cn is not { Length: > 0 } ? $"\"{Name(c)}\" has no Common Name"
                : !DeviceIdentityRules.IsCumulocityDeviceId(cn) ? $"the Common Name \"{cn}\" contains ':'" : null)),
    ], c => CommonNameIdentity(name, c, "Cumulocity uses the certificate's Common Name as the device id and MQTT ClientId", allowColon: false));

    private static PlatformProfile Ibm() => new("ibm-watson-iot", "IBM Watson IoT Platform: one CA per file, reachable CRL, d:{type}:{id} device names.", null,
    [
        Rule("ibm-ca-single-certificate", ProfileStage.CaUpload, "IBM Watson IoT requires exactly one certificate per CA file", "R-30",
            i => i.Certificates.Count == 1 ? [] : [new Finding(-1, $"the file holds {i.Certificates.Count} certificates")]),
        Rule("ibm-ca-valid-dates", ProfileStage.CaUpload, "IBM Watson IoT requires the CA certificate's dates to be currently valid", "R-30",
            i => First(i, c => Dates(c, i.At))),
        Rule("ibm-ca-crl-reachable", ProfileStage.CaUpload, "IBM Watson IoT requires the CA's CRL to be reachable when the CA is added", "R-30", i =>
        {
            var uris = i.Certificates[0].CrlDistributionPointUris.Where(CrlLocations.IsFetchable).Distinct(StringComparer.Ordinal).ToList();
            if (uris.Count == 0)
            {
                return [];
            }

            if (i.Options.CrlFetchResults is not { } results)
            {
                return [Finding.Skip("the CA's CRL distribution points were not fetched, so their reachability is unknown")];
            }

            return uris.Where(u => !results.TryGetValue(u, out var r) || r.Status != CrlFetchStatus.Fetched)
                .Select(u => new Finding(0, results.TryGetValue(u, out var r) ? r.Message : $"{u} was not fetched"));
        }),
        Rule("ibm-device-identity", ProfileStage.DeviceConnection,
            "IBM Watson IoT requires the device certificate to carry CN d:{type}:{id} or SubjectAltName email:d:{type}:{id}", "R-31",
            i => IbmIdentity(i.Certificates[0]).Error is { } error ? [new Finding(0, error)] : []),
        ChainOrder("IBM Watson IoT"),
    ], IbmIdentity);

    private static PlatformProfile AzureEdge() => new("azure-iot-edge", "Azure IoT Edge / DPS: Edge CA extensions, device CN = device id.", null,
    [
        Rule("azure-edge-ca-ski", ProfileStage.CaUpload, "Azure IoT Edge requires the Edge CA certificate to have a subjectKeyIdentifier", "R-41",
            i => First(i, c => c.SubjectKeyIdentifier is not { Length: > 0 } ? $"\"{Name(c)}\" has no subjectKeyIdentifier" : null)),
        Rule("azure-edge-ca-aki", ProfileStage.CaUpload, "Azure IoT Edge requires the Edge CA certificate to have an authorityKeyIdentifier with a keyIdentifier", "R-41",
            i => First(i, c => c.AuthorityKeyIdentifier?.KeyIdentifier is not { Length: > 0 } ? $"\"{Name(c)}\" has no authorityKeyIdentifier keyid" : null)),
        Rule("azure-edge-ca-basic-constraints", ProfileStage.CaUpload, "Azure IoT Edge requires the Edge CA certificate to have critical basicConstraints CA:TRUE, pathlen:0", "R-41",
            i => First(i, c => Critical(c, WellKnownOids.BasicConstraints) && c.BasicConstraints is { IsCertificateAuthority: true, PathLengthConstraint: 0 }
                ? null : $"\"{Name(c)}\" has {DescribeBasicConstraints(c)}")),
        Rule("azure-edge-ca-key-usage", ProfileStage.CaUpload, "Azure IoT Edge requires the Edge CA certificate to have critical keyUsage digitalSignature and keyCertSign", "R-41",
            i => First(i, c => Critical(c, WellKnownOids.KeyUsage) && c.KeyUsage is { } ku && ku.HasFlag(KeyUsage.DigitalSignature | KeyUsage.KeyCertSign)
                ? null : $"\"{Name(c)}\" has {(c.KeyUsage is { } k ? (Critical(c, WellKnownOids.KeyUsage) ? "critical " : "non-critical ") + $"keyUsage {k}" : "no keyUsage")}")),
        Rule("azure-device-id", ProfileStage.DeviceConnection, "Azure IoT requires the device certificate's Common Name to be the device id", "R-40", i =>
        {
            var identity = AzureIdentity(i.Certificates[0]);
            if (identity.Error is { } error)
            {
                return [new Finding(0, error)];
            }

            return i.Options.ExpectedDeviceId is { } expected && !string.Equals(expected, identity.Identity!.DeviceId, StringComparison.Ordinal)
                ? [new Finding(0, $"the Common Name is \"{identity.Identity.DeviceId}\", the device id is \"{expected}\"")]
                : [];
        }),
    ], AzureIdentity);

    private static PlatformProfile Defender() => new("defender-iot", "Microsoft Defender for IoT appliance certificates: SHA256withRSA, RSA 2048/4096, CDP, full subject.", null,
    [
        Rule("defender-signature-algorithm", ProfileStage.CaUpload, "Defender for IoT requires the certificate to be signed with SHA256withRSA", "R-50",
            i => First(i, DefenderSignature)),
        Rule("defender-rsa-key-size", ProfileStage.CaUpload, "Defender for IoT requires an RSA key of 2048 or 4096 bits", "R-50",
            i => First(i, DefenderKey)),
        Rule("defender-valid-dates", ProfileStage.CaUpload, "Defender for IoT requires the certificate to be valid from a past date to a future date", "R-50",
            i => First(i, c => Dates(c, i.At))),
        Rule("defender-crl-distribution-point", ProfileStage.CaUpload, "Defender for IoT requires a CRL Distribution Point URL in the certificate", "R-50",
            i => First(i, c => c.CrlDistributionPointUris.Any() ? null : $"\"{Name(c)}\" has no CRL Distribution Point URL")),
        Rule("defender-subject-fields", ProfileStage.CaUpload, "Defender for IoT requires the subject to contain CN, C, O and OU", "R-50",
            i => First(i, DefenderSubject)),
        Rule("defender-chain-valid-dates", ProfileStage.DeviceConnection, "Defender for IoT requires every certificate of the chain to be valid now", "R-50",
            i => Chain(i).Select((c, n) => (c, n)).Where(x => Dates(x.c, i.At) is not null).Select(x => new Finding(x.n, Dates(x.c, i.At)!))),
        Rule("defender-chain-crl-distribution-point", ProfileStage.DeviceConnection, "Defender for IoT requires the certificate to name a CRL Distribution Point, which is checked at connection", "R-50",
            i => First(i, c => c.CrlDistributionPointUris.Any() ? null : $"\"{Name(c)}\" has no CRL Distribution Point URL")),
        ChainOrder("Defender for IoT"),
    ], c => CommonNameIdentity("defender-iot", c, "Defender for IoT names the appliance by the certificate's Common Name", allowColon: true));

    // R-10: the platform's TLS peer takes the chain file as it is sent; only the validator in our own client reorders.
    private static RuleCheck ChainOrder(string platform) => Rule(ChainOrderRuleCode, ProfileStage.DeviceConnection,
        $"{platform} requires the device chain file in order: the device certificate first, each certificate followed by its issuer", "R-10",
        i => i.OrderProblem is { } problem ? [new Finding(-1, problem)] : []);

    private static RuleCheck Rule(string code, ProfileStage stage, string requirement, string reference, Func<RuleInput, IEnumerable<Finding>> check) =>
        new(new ProfileRule(code, stage, requirement, reference), check);

    private static IEnumerable<Finding> First(RuleInput input, Func<Certificate, string?> check) =>
        check(input.Certificates[0]) is { } detail ? [new Finding(0, detail)] : [];

    private static IEnumerable<Certificate> Chain(RuleInput input) => input.Certificates.Take(input.ChainLength);

    private static string Name(Certificate c) => c.Subject.Rfc4514Name;

    private static bool IsCa(Certificate c) => c.BasicConstraints is { IsCertificateAuthority: true };

    private static bool Critical(Certificate c, string oid) => c.GetExtension(oid) is { Critical: true };

    private static string DescribeCa(Certificate c) => c.BasicConstraints is null ? "has no basicConstraints extension" : "has basicConstraints CA:FALSE";

    private static string DescribeBasicConstraints(Certificate c) => c.BasicConstraints is not { } bc
        ? "no basicConstraints"
        : (Critical(c, WellKnownOids.BasicConstraints) ? "critical " : "non-critical ") + $"basicConstraints CA:{(bc.IsCertificateAuthority ? "TRUE" : "FALSE")}"
            + (bc.PathLengthConstraint is { } p ? $", pathlen:{p}" : ", no pathlen");

    private static string? Dates(Certificate c, DateTimeOffset at) =>
        at < c.NotBefore ? $"\"{Name(c)}\" is not valid before {Format(c.NotBefore)}"
        : at > c.NotAfter ? $"\"{Name(c)}\" expired on {Format(c.NotAfter)}"
        : null;

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string? KeyStrength(Certificate c)
    {
        var key = c.PublicKey;
        return key.Kind switch
        {
            PublicKeyKind.Rsa when key.KeySize < 2048 => $"\"{Name(c)}\" has a {key.KeySize}-bit RSA key",
            PublicKeyKind.Rsa => null,
            PublicKeyKind.EllipticCurve when key.CurveOid is "1.2.840.10045.3.1.7" or "1.3.132.0.34" or "1.3.132.0.35" => null,
            PublicKeyKind.EllipticCurve => $"\"{Name(c)}\" has an EC key on {key.CurveName ?? "an explicit curve"}",
            _ => $"\"{Name(c)}\" has a {key.Kind} key",
        };
    }

    private static string? SignatureHash(Certificate c)
    {
        var hash = c.SignatureAlgorithm.HashAlgorithm;
        return hash == HashAlgorithmName.SHA256 || hash == HashAlgorithmName.SHA384 || hash == HashAlgorithmName.SHA512
            ? null
            : $"\"{Name(c)}\" is signed with {c.SignatureAlgorithm.FriendlyName}";
    }

    private static string? DefenderSignature(Certificate c) =>
        c.SignatureAlgorithm.IsRsaPkcs1 && c.SignatureAlgorithm.HashAlgorithm == HashAlgorithmName.SHA256
            ? null
            : $"\"{Name(c)}\" is signed with {c.SignatureAlgorithm.FriendlyName}";

    private static string? DefenderKey(Certificate c) =>
        c.PublicKey.Kind == PublicKeyKind.Rsa && c.PublicKey.KeySize is 2048 or 4096
            ? null
            : $"\"{Name(c)}\" has {(c.PublicKey.Kind == PublicKeyKind.Rsa ? $"a {c.PublicKey.KeySize}-bit RSA key" : $"a {c.PublicKey.Kind} key")}";

    private static string? DefenderSubject(Certificate c)
    {
        var missing = new List<string>();
        if (string.IsNullOrEmpty(c.Subject.CommonName))
        {
            missing.Add("CN");
        }

        if (string.IsNullOrEmpty(c.Subject.Country))
        {
            missing.Add("C");
        }

        if (string.IsNullOrEmpty(c.Subject.Organization))
        {
            missing.Add("O");
        }

        if (string.IsNullOrEmpty(c.Subject.OrganizationalUnit))
        {
            missing.Add("OU");
        }

        return missing.Count == 0 ? null : $"\"{Name(c)}\" lacks {string.Join(", ", missing)}";
    }

    private static IEnumerable<Finding> ChainIncludesUploadedCa(RuleInput input)
    {
        if (input.Options.UploadedCaCertificates is not { Count: > 0 } uploaded)
        {
            return [Finding.Skip("the uploaded CA certificates were not given")];
        }

        var chain = Chain(input).ToList();
        if (chain.Any(c => IsUploaded(c, uploaded)) || IssuerUploaded(chain[^1], uploaded, input.Options.ValidatedChain))
        {
            return [];
        }

        var top = chain[^1];
        return [new Finding(-1, $"none of the {chain.Count} certificates presented is an uploaded CA, and the issuer \"{top.Issuer.Rfc4514Name}\" of \"{Name(top)}\" is not uploaded")];
    }

    private static int ChainLengthToUploadedCa(RuleInput input)
    {
        var chain = Chain(input).ToList();
        if (input.Options.UploadedCaCertificates is { Count: > 0 } uploaded)
        {
            var index = chain.FindIndex(c => IsUploaded(c, uploaded));
            if (index >= 0)
            {
                return index + 1;
            }

            if (IssuerUploaded(chain[^1], uploaded, input.Options.ValidatedChain))
            {
                return chain.Count + 1;
            }
        }

        return chain.Count;
    }

    private static bool IsUploaded(Certificate c, IReadOnlyList<Certificate> uploaded) => uploaded.Any(u => u.RawData.Span.SequenceEqual(c.RawData.Span));

    // Both Cumulocity connection rules ask this on every connection: the signature is verified once, or not at all when
    // the validator already verified this edge (IssuerSignatures).
    private static bool IssuerUploaded(Certificate c, IReadOnlyList<Certificate> uploaded, ChainValidationResult? validated) =>
        uploaded.Any(u => u.Subject.Equals(c.Issuer) && IssuerSignatures.IsSignedBy(c, u, validated));

    private static IdentityReading CommonNameIdentity(string profile, Certificate c, string rule, bool allowColon)
    {
        if (!DeviceIdentityRules.TryReadCommonName(c.Subject, out var cn, out var ambiguous))
        {
            return IdentityReading.Ambiguous($"{rule}, and {ambiguous}");
        }

        if (cn is not { Length: > 0 })
        {
            return new(null, $"{rule}, and \"{Name(c)}\" has no Common Name");
        }

        return !allowColon && !DeviceIdentityRules.IsCumulocityDeviceId(cn)
            ? new(null, $"{rule}, and it must not contain ':' (\"{cn}\")")
            : new(new DeviceIdentity(profile, cn, null, "commonName"), null);
    }

    // R-31: CN d:{devtype}:{devid}, or an rfc822Name SAN of the same form.
    private static IdentityReading IbmIdentity(Certificate c)
    {
        if (!DeviceIdentityRules.TryReadCommonName(c.Subject, out var cn, out var ambiguous))
        {
            return IdentityReading.Ambiguous($"IBM Watson IoT reads the device identity from the certificate's CN or SubjectAltName email, and {ambiguous}");
        }

        if (ParseIbm(cn) is { } fromCn)
        {
            return new(new DeviceIdentity("ibm-watson-iot", fromCn.Id, fromCn.Type, "commonName"), null);
        }

        foreach (var name in c.SubjectAlternativeNames ?? [])
        {
            if (name.Kind == GeneralNameKind.Rfc822Name && ParseIbm(name.Value) is { } fromSan)
            {
                return new(new DeviceIdentity("ibm-watson-iot", fromSan.Id, fromSan.Type, "subjectAltName email"), null);
            }
        }

        return new(null, $"IBM Watson IoT needs the device certificate's CN to be d:{{type}}:{{id}} or a SubjectAltName email:d:{{type}}:{{id}}, and \"{Name(c)}\" has neither");
    }

    private static (string Type, string Id)? ParseIbm(string? text)
    {
        if (text is null || !text.StartsWith("d:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = text.Split(':');
        return parts.Length == 3 && IsIbmToken(parts[1]) && IsIbmToken(parts[2]) ? (parts[1], parts[2]) : null;
    }

    // IBM type and device ids: 1 to 36 of letters, digits, '-', '_' and '.'.
    private static bool IsIbmToken(string token) => token.Length is > 0 and <= 36 && token.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.');

    // Azure device ids: up to 128 ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '.
    private static IdentityReading AzureIdentity(Certificate c)
    {
        const string Rule = "Azure IoT uses the device certificate's Common Name as the device id";
        if (!DeviceIdentityRules.TryReadCommonName(c.Subject, out var cn, out var ambiguous))
        {
            return IdentityReading.Ambiguous($"{Rule}, and {ambiguous}");
        }

        if (cn is not { Length: > 0 })
        {
            return new(null, $"{Rule}, and \"{Name(c)}\" has no Common Name");
        }

        return cn.Length <= 128 && cn.All(ch => char.IsAsciiLetterOrDigit(ch) || "-.%_*?!(),:=@$'".Contains(ch, StringComparison.Ordinal))
            ? new(new DeviceIdentity("azure-iot-edge", cn, null, "commonName"), null)
            : new(null, $"{Rule}, and \"{cn}\" is not a valid device id (up to 128 letters, digits and - . % _ * ? ! ( ) , : = @ $ ')");
    }
}
