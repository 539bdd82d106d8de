using System.Text.Json;
using IoTCerts.Core;
using IoTCerts.Cli.Infrastructure;

namespace IoTCerts.Cli.Rendering;

/// <summary>
/// The stable <c>iotcerts inspect --json</c> document (documented in the README). Written with
/// Utf8JsonWriter: no reflection, and the field order is part of the contract.
/// </summary>
internal static class MaterialJsonRenderer
{
    public static void Write(Utf8JsonWriter json, string source, LoadedMaterial material, DateTimeOffset now, IReadOnlyList<(string Code, string Message)>? warnings = null)
    {
        json.WriteStartObject();
        json.WriteString("source", source);
        json.WriteString("format", Formats.Format(material.Format));

        json.WriteStartArray("certificates");
        for (var i = 0; i < material.Certificates.Count; i++)
        {
            WriteCertificate(json, material.Certificates[i], material.CertificateOrigins[i], i, now);
        }

        json.WriteEndArray();

        json.WriteArray("privateKeys", material.PrivateKeys, (w, key) => WritePrivateKey(w, key, material));
        json.WriteArray("certificateRequests", material.CertificationRequests, WriteRequest);
        json.WriteArray("crls", material.Crls, (w, crl) => WriteCrl(w, crl, now));
        json.WriteObjects("skipped", material.Skipped, (w, skipped) =>
        {
            w.WriteString("description", skipped.Description);
            w.WriteString("reason", skipped.Reason);
        });
        json.WriteObjects("warnings", warnings ?? [], (w, warning) =>
        {
            w.WriteString("code", warning.Code);
            w.WriteString("message", warning.Message);
        });
        json.WriteEndObject();
    }

    public static void WriteCertificate(Utf8JsonWriter json, Certificate certificate, MaterialOrigin? origin, int index, DateTimeOffset now)
    {
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteString("subject", certificate.Subject.Rfc4514Name);
        json.WriteString("issuer", certificate.Issuer.Rfc4514Name);
        json.WriteString("serial", Formats.Serial(certificate.SerialNumberHex));
        json.WriteString("notBefore", Formats.Time(certificate.NotBefore));
        json.WriteString("notAfter", Formats.Time(certificate.NotAfter));
        json.WriteString("validity", Formats.ValidityState(certificate.NotBefore, certificate.NotAfter, now));
        json.WriteString("sha256", certificate.Sha256Thumbprint.ToLowerInvariant());
        json.WriteNumber("version", certificate.Version);
        json.WriteString("signatureAlgorithm", certificate.SignatureAlgorithm.FriendlyName);
        json.WriteString("signatureAlgorithmOid", certificate.SignatureAlgorithm.Oid);
        WritePublicKey(json, certificate.PublicKey);
        json.WriteBoolean("selfIssued", certificate.IsSelfIssued);
        if (certificate.BasicConstraints is { } constraints)
        {
            json.WriteBoolean("isCa", constraints.IsCertificateAuthority);
            if (constraints.PathLengthConstraint is { } pathLength)
            {
                json.WriteNumber("pathLength", pathLength);
            }
            else
            {
                json.WriteNull("pathLength");
            }
        }
        else
        {
            json.WriteNull("isCa");
            json.WriteNull("pathLength");
        }

        WriteStrings(json, "subjectAltNames", certificate.SubjectAlternativeNames?.Select(n => n.ToString()) ?? []);
        WriteStrings(json, "keyUsage", certificate.KeyUsage is { } usage ? ExtensionDescriber.KeyUsageList(usage) : []);
        WriteStrings(json, "extendedKeyUsage", certificate.ExtendedKeyUsages?.Select(ExtensionDescriber.OidName) ?? []);
        WriteStrings(json, "crlDistributionPoints", certificate.CrlDistributionPointUris);
        WriteExtensions(json, certificate.Extensions);
        if (origin is not null)
        {
            WriteOrigin(json, origin);
        }

        json.WriteEndObject();
    }

    private static void WritePrivateKey(Utf8JsonWriter json, PrivateKey key, LoadedMaterial material)
    {
        json.WriteStartObject();
        json.WriteString("algorithm", Formats.KeyAlgorithm(key.Algorithm));
        json.WriteNumber("size", key.KeySize);
        WriteNullable(json, "curve", key.CurveName);
        var match = material.CertificateFor(key);
        if (match is null)
        {
            json.WriteNull("matchesCertificate");
        }
        else
        {
            json.WriteNumber("matchesCertificate", IndexOf(material.Certificates, match));
        }

        WriteOrigin(json, key.Origin);
        json.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter json, CertificationRequest request)
    {
        json.WriteStartObject();
        json.WriteString("subject", request.Subject.Rfc4514Name);
        WritePublicKey(json, request.PublicKey);
        json.WriteString("signatureAlgorithm", request.SignatureAlgorithm.FriendlyName);
        json.WriteBoolean("signatureValid", SafeVerify(request));
        WriteStrings(json, "subjectAltNames", request.SubjectAlternativeNames?.Select(n => n.ToString()) ?? []);

        // The challenge password is a secret: say whether it is there, never what it is.
        json.WriteBoolean("hasChallengePassword", request.ChallengePassword is not null);
        WriteExtensions(json, request.Extensions);
        json.WriteEndObject();
    }

    private static void WriteCrl(Utf8JsonWriter json, CertificateRevocationList crl, DateTimeOffset now)
    {
        json.WriteStartObject();
        json.WriteString("issuer", crl.Issuer.Rfc4514Name);
        json.WriteNumber("version", crl.Version);
        json.WriteString("thisUpdate", Formats.Time(crl.ThisUpdate));
        WriteNullable(json, "nextUpdate", crl.NextUpdate is { } next ? Formats.Time(next) : null);
        json.WriteBoolean("expired", crl.NextUpdate is { } nextUpdate && nextUpdate < now);
        WriteNullable(json, "crlNumber", crl.CrlNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteBoolean("delta", crl.IsDeltaCrl);
        json.WriteString("signatureAlgorithm", crl.SignatureAlgorithm.FriendlyName);
        json.WriteNumber("revokedCount", crl.RevokedCount);
        json.WriteStartArray("revoked");
        foreach (var entry in crl.RevokedCertificates)
        {
            json.WriteStartObject();
            json.WriteString("serial", Formats.Serial(entry.SerialNumberHex));
            json.WriteString("date", Formats.Time(entry.RevocationDate));
            WriteNullable(json, "reason", entry.Reason?.ToString());
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteExtensions(json, crl.Extensions);
        json.WriteEndObject();
    }

    private static void WritePublicKey(Utf8JsonWriter json, SubjectPublicKeyInfo key)
    {
        json.WriteStartObject("publicKey");
        json.WriteString("algorithm", Formats.KeyAlgorithm(key.Kind));
        json.WriteNumber("size", key.KeySize);
        WriteNullable(json, "curve", key.CurveName);
        json.WriteString("algorithmOid", key.AlgorithmOid);
        json.WriteEndObject();
    }

    private static void WriteExtensions(Utf8JsonWriter json, IReadOnlyList<CertificateExtension> extensions)
    {
        json.WriteStartArray("extensions");
        foreach (var extension in extensions)
        {
            json.WriteStartObject();
            json.WriteString("oid", extension.Oid);
            json.WriteString("name", extension.FriendlyName);
            json.WriteBoolean("critical", extension.Critical);
            json.WriteString("value", ExtensionDescriber.SafeDescribe(extension));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteOrigin(Utf8JsonWriter json, MaterialOrigin origin)
    {
        json.WriteStartObject("origin");
        json.WriteString("format", Formats.Format(origin.Format));
        WriteNullable(json, "pemLabel", origin.PemLabel);
        WriteNullable(json, "protection", origin.Protection);
        WriteNullable(json, "friendlyName", origin.FriendlyName);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    internal static bool SafeVerify(CertificationRequest request)
    {
        try
        {
            return request.VerifySignature();
        }
        catch (Exception ex) when (ex is MaterialException or System.Security.Cryptography.CryptographicException or NotSupportedException)
        {
            return false;
        }
    }

    private static int IndexOf(IReadOnlyList<Certificate> certificates, Certificate certificate)
    {
        for (var i = 0; i < certificates.Count; i++)
        {
            if (ReferenceEquals(certificates[i], certificate))
            {
                return i;
            }
        }

        return -1;
    }
}
