using System.Globalization;
using IoTCerts.Core;

namespace IoTCerts.Cli.Rendering;

/// <summary>
/// The human-readable <c>iotcerts inspect</c> output: what `openssl x509 -text`, `req -text` and
/// `pkcs12 -info` would say, in one shape for every file.
/// </summary>
internal static class MaterialTextRenderer
{
    public static void Write(TextWriter output, string source, LoadedMaterial material, DateTimeOffset now)
    {
        output.WriteLine($"{source}: {Formats.Format(material.Format).ToUpperInvariant()}, {Summary(material)}");

        for (var i = 0; i < material.Certificates.Count; i++)
        {
            output.WriteLine();
            output.WriteLine($"Certificate {i + 1} of {material.Certificates.Count}");
            WriteCertificate(output, material.Certificates[i], material.CertificateOrigins[i], now);
        }

        for (var i = 0; i < material.PrivateKeys.Count; i++)
        {
            var key = material.PrivateKeys[i];
            output.WriteLine();
            output.WriteLine($"Private key {i + 1} of {material.PrivateKeys.Count}");
            Field(output, "Algorithm", key.Algorithm == PrivateKeyAlgorithm.Rsa ? $"RSA {key.KeySize} bits" : $"EC {key.CurveName} ({key.KeySize} bits)");
            if (key.Origin.Protection is { } protection)
            {
                Field(output, "Protection", protection);
            }

            var match = material.CertificateFor(key);
            Field(output, "Certificate", match is null ? "no certificate in this file matches the key" : $"matches {match.Subject.Rfc4514Name}");
        }

        for (var i = 0; i < material.CertificationRequests.Count; i++)
        {
            var request = material.CertificationRequests[i];
            output.WriteLine();
            output.WriteLine($"Certificate request {i + 1} of {material.CertificationRequests.Count}");
            Field(output, "Subject", request.Subject.Rfc4514Name);
            Field(output, "Public key", Describe(request.PublicKey));
            Field(output, "Signature", request.SignatureAlgorithm.FriendlyName + (MaterialJsonRenderer.SafeVerify(request) ? " (self-signature OK)" : " (self-signature INVALID)"));
            if (request.ChallengePassword is not null)
            {
                Field(output, "Challenge", "challengePassword present (not shown)");
            }

            WriteExtensions(output, request.Extensions);
        }

        for (var i = 0; i < material.Crls.Count; i++)
        {
            var crl = material.Crls[i];
            output.WriteLine();
            output.WriteLine($"CRL {i + 1} of {material.Crls.Count}");
            Field(output, "Issuer", crl.Issuer.Rfc4514Name);
            Field(output, "This update", Formats.Time(crl.ThisUpdate));
            Field(output, "Next update", crl.NextUpdate is { } next ? Formats.Time(next) + (next < now ? " (expired)" : string.Empty) : "(none)");
            if (crl.CrlNumber is { } number)
            {
                Field(output, "CRL number", number.ToString(CultureInfo.InvariantCulture) + (crl.IsDeltaCrl ? " (delta CRL)" : string.Empty));
            }

            Field(output, "Revoked", crl.RevokedCount.ToString(CultureInfo.InvariantCulture));
            foreach (var entry in crl.RevokedCertificates.Take(20))
            {
                output.WriteLine($"    {Formats.Serial(entry.SerialNumberHex)}  {Formats.Time(entry.RevocationDate)}{(entry.Reason is { } reason ? "  " + reason : string.Empty)}");
            }

            if (crl.RevokedCount > 20)
            {
                output.WriteLine($"    … and {crl.RevokedCount - 20} more (use --json for all)");
            }
        }

        foreach (var skipped in material.Skipped)
        {
            output.WriteLine();
            output.WriteLine($"Skipped: {skipped.Description}: {skipped.Reason}");
        }
    }

    private static void WriteCertificate(TextWriter output, Certificate certificate, MaterialOrigin origin, DateTimeOffset now)
    {
        Field(output, "Subject", certificate.Subject.Rfc4514Name);
        Field(output, "Issuer", certificate.Issuer.Rfc4514Name + (certificate.IsSelfIssued ? " (self-issued)" : string.Empty));
        Field(output, "Serial", Formats.Serial(certificate.SerialNumberHex));
        Field(output, "Validity", $"{Formats.Time(certificate.NotBefore)} to {Formats.Time(certificate.NotAfter)} ({Formats.ValidityState(certificate.NotBefore, certificate.NotAfter, now)})");
        Field(output, "Version", certificate.Version.ToString(CultureInfo.InvariantCulture));
        Field(output, "Signature", certificate.SignatureAlgorithm.FriendlyName);
        Field(output, "Public key", Describe(certificate.PublicKey));
        Field(output, "SHA-256", certificate.Sha256Thumbprint.ToLowerInvariant());
        if (origin.FriendlyName is { } friendlyName)
        {
            Field(output, "Alias", friendlyName);
        }

        WriteExtensions(output, certificate.Extensions);
    }

    private static void WriteExtensions(TextWriter output, IReadOnlyList<CertificateExtension> extensions)
    {
        if (extensions.Count == 0)
        {
            return;
        }

        output.WriteLine("  Extensions:");
        foreach (var extension in extensions)
        {
            var critical = extension.Critical ? " (critical)" : string.Empty;
            output.WriteLine($"    {extension.FriendlyName}{critical}: {ExtensionDescriber.SafeDescribe(extension)}");
        }
    }

    private static string Describe(SubjectPublicKeyInfo key) => key.Kind switch
    {
        PublicKeyKind.Rsa => $"RSA {key.KeySize} bits",
        PublicKeyKind.EllipticCurve => $"EC {key.CurveName} ({key.KeySize} bits)",
        _ => $"{key.Kind} ({key.AlgorithmOid})",
    };

    private static string Summary(LoadedMaterial material)
    {
        var parts = new List<string>();
        Add(parts, material.Certificates.Count, "certificate");
        Add(parts, material.PrivateKeys.Count, "private key");
        Add(parts, material.CertificationRequests.Count, "certificate request");
        Add(parts, material.Crls.Count, "CRL");
        return parts.Count == 0 ? "nothing usable" : string.Join(", ", parts);

        static void Add(List<string> parts, int count, string noun)
        {
            if (count > 0)
            {
                parts.Add(count == 1 ? $"1 {noun}" : $"{count} {noun}s");
            }
        }
    }

    private static void Field(TextWriter output, string name, string value) =>
        output.WriteLine($"  {name + ":",-13} {value}");
}
