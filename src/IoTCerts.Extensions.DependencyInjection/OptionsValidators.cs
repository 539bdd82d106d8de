using IoTCerts.Core;
using IoTCerts.Revocation.Online;
using Microsoft.Extensions.Options;

namespace IoTCerts.Extensions.DependencyInjection;

/// <summary>Reads the trust anchors named by the options (shared by the validator and the factory).</summary>
internal static class TrustAnchors
{
    public static List<Certificate> Load(ChainValidationOptions options)
    {
        var anchors = new List<Certificate>();
        foreach (string file in options.TrustAnchorFiles)
        {
            anchors.AddRange(MaterialLoader.LoadFile(file, new LoadOptions { Password = options.TrustStorePassword }).Certificates);
        }

        return anchors;
    }
}

/// <summary>Reads the revocation files named by the options (CRLs and the certificates of the CAs that sign them).</summary>
internal static class RevocationFiles
{
    public static List<CertificateRevocationList> LoadCrls(ChainValidationOptions options) =>
        options.CrlFiles.SelectMany(file => MaterialLoader.LoadFile(file).Crls).ToList();
}

/// <summary>Reads a passphrase file (first line only; the secret never appears in a message).</summary>
internal static class Passphrase
{
    public static string Read(string file)
    {
        using var reader = new StreamReader(file);
        return reader.ReadLine() ?? string.Empty;
    }
}

/// <summary>Checks at start that every trust anchor file exists and holds at least one certificate.</summary>
internal sealed class ChainValidationOptionsValidator : IValidateOptions<ChainValidationOptions>
{
    public ValidateOptionsResult Validate(string? name, ChainValidationOptions options)
    {
        if (options.TrustAnchorFiles.Count == 0)
        {
            return ValidateOptionsResult.Fail("IoTCerts chain validation: TrustAnchorFiles is empty; name at least one file holding the trusted CA certificates.");
        }

        if (options.Policy is null)
        {
            return ValidateOptionsResult.Fail("IoTCerts chain validation: Policy is null; leave it at ChainPolicy.Default or set one.");
        }

        var failures = new List<string>();
        var anchors = new List<Certificate>();
        foreach (string file in options.TrustAnchorFiles)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                failures.Add("IoTCerts chain validation: TrustAnchorFiles holds an empty path.");
                continue;
            }

            if (!MaterialLoader.TryLoadFile(file, new LoadOptions { Password = options.TrustStorePassword }, out LoadedMaterial? material, out MaterialException? error))
            {
                failures.Add($"IoTCerts chain validation: trust anchor file '{file}' cannot be read [{error.CodeString}]: {error.Message}");
            }
            else if (material.Certificates.Count == 0)
            {
                failures.Add($"IoTCerts chain validation: trust anchor file '{file}' holds no certificate.");
            }
            else
            {
                anchors.AddRange(material.Certificates);
            }
        }

        RevocationChecks.Validate(options, anchors, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The revocation half of <see cref="ChainValidationOptionsValidator"/>: a CRL file must be readable, hold a CRL and be
/// signed by a configured CA (R-13), so a typo or a CRL of another PKI stops the host instead of failing every device.
/// </summary>
internal static class RevocationChecks
{
    private const string Prefix = "IoTCerts chain validation: ";

    public static void Validate(ChainValidationOptions options, List<Certificate> anchors, List<string> failures)
    {
        if (!Enum.IsDefined(options.Revocation))
        {
            failures.Add($"{Prefix}Revocation {options.Revocation} is not one of {string.Join(", ", Enum.GetNames<RevocationMode>())}.");
        }

        if (!Enum.IsDefined(options.UnknownRevocationStatus))
        {
            failures.Add($"{Prefix}UnknownRevocationStatus {options.UnknownRevocationStatus} is not one of {string.Join(", ", Enum.GetNames<UnknownRevocationStatus>())}.");
        }

        if (!Enum.IsDefined(options.RevocationScope))
        {
            failures.Add($"{Prefix}RevocationScope {options.RevocationScope} is not one of {string.Join(", ", Enum.GetNames<RevocationScope>())}.");
        }

        if (options.Ocsp is { } fallback && !Enum.IsDefined(fallback))
        {
            failures.Add($"{Prefix}Ocsp {fallback} is not one of {string.Join(", ", Enum.GetNames<OcspFallback>())}.");
        }

        if (options.Ocsp == OcspFallback.Crl && options.Revocation == RevocationMode.None)
        {
            failures.Add($"{Prefix}Ocsp Crl falls back to CRLs, but Revocation is None; set Revocation to Offline or Online.");
        }

        if (options.OcspQueries is null)
        {
            failures.Add($"{Prefix}OcspQueries is null; leave it at OcspClientOptions.Default or set one.");
        }

        if (options.CrlFetching is null)
        {
            failures.Add($"{Prefix}CrlFetching is null; leave it at CrlFetcherOptions.Default or set one.");
        }

        if (options.Revocation == RevocationMode.None && (options.CrlFiles.Count > 0 || options.CrlIssuerFiles.Count > 0))
        {
            failures.Add($"{Prefix}CrlFiles/CrlIssuerFiles are set but Revocation is None, so they would be ignored; set Revocation to Offline or Online, or remove them.");
        }

        if (options.Revocation == RevocationMode.Offline && options.CrlFiles.Count == 0 && options.UnknownRevocationStatus == UnknownRevocationStatus.Deny)
        {
            failures.Add($"{Prefix}Revocation is Offline with UnknownRevocationStatus Deny but CrlFiles is empty: every certificate would be refused. Name the CRL files, or set Revocation to Online or None.");
        }

        var issuers = new List<Certificate>(anchors);
        var intermediates = new List<(string File, Certificate Certificate)>();
        foreach (var file in options.CrlIssuerFiles)
        {
            if (Load(file, "CrlIssuerFiles", failures) is not { } material)
            {
                continue;
            }

            if (material.Certificates.Count == 0)
            {
                failures.Add($"{Prefix}CrlIssuerFiles: '{file}' holds no certificate.");
            }

            intermediates.AddRange(material.Certificates.Select(c => (file, c)));
        }

        issuers.AddRange(intermediates.Select(i => i.Certificate));
        foreach (var (file, certificate) in intermediates)
        {
            if (!issuers.Any(issuer => !ReferenceEquals(issuer, certificate) && issuer.Subject.Equals(certificate.Issuer) && Verifies(() => certificate.IsSignatureValid(issuer.PublicKey))))
            {
                failures.Add($"{Prefix}CrlIssuerFiles: '{file}' holds \"{certificate.Subject.Rfc4514Name}\", which is not issued by a trust anchor or another CrlIssuerFiles certificate.");
            }
        }

        foreach (var file in options.CrlFiles)
        {
            if (Load(file, "CrlFiles", failures) is not { } material)
            {
                continue;
            }

            if (material.Crls.Count == 0)
            {
                failures.Add($"{Prefix}CrlFiles: '{file}' holds no CRL.");
            }

            foreach (var crl in material.Crls)
            {
                // The checker would silently ignore such a CRL and treat the status as unknown: say so at start instead.
                if (!issuers.Any(issuer => issuer.Subject.Equals(crl.Issuer) && Verifies(() => crl.IsSignatureValid(issuer.PublicKey))))
                {
                    failures.Add($"{Prefix}CrlFiles: '{file}' holds a CRL of \"{crl.Issuer.Rfc4514Name}\" whose signature does not verify with any trust anchor or CrlIssuerFiles certificate.");
                }
            }
        }
    }

    private static LoadedMaterial? Load(string file, string key, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            failures.Add($"{Prefix}{key} holds an empty path.");
            return null;
        }

        if (!MaterialLoader.TryLoadFile(file, null, out LoadedMaterial? material, out MaterialException? error))
        {
            failures.Add($"{Prefix}{key}: '{file}' cannot be read [{error.CodeString}]: {error.Message}");
            return null;
        }

        return material;
    }

    private static bool Verifies(Func<bool> verify)
    {
        try
        {
            return verify();
        }
        catch (MaterialException)
        {
            return false;
        }
    }
}

/// <summary>Checks at start that the CA directory holds a CA and the passphrase file exists.</summary>
internal sealed class CertificateAuthorityOptionsValidator : IValidateOptions<CertificateAuthorityOptions>
{
    public ValidateOptionsResult Validate(string? name, CertificateAuthorityOptions options)
    {
        if (options.PostgreSql is { } postgreSql)
        {
            var problems = new List<string>();
            if (string.IsNullOrWhiteSpace(postgreSql.ConnectionString))
            {
                problems.Add("IoTCerts certificate authority: PostgreSql.ConnectionString is empty.");
            }

            if (postgreSql.KeyFile is not null && !File.Exists(postgreSql.KeyFile))
            {
                problems.Add($"IoTCerts certificate authority: this node's CA key file '{postgreSql.KeyFile}' does not exist.");
            }

            if (postgreSql.PasswordFile is not null && !File.Exists(postgreSql.PasswordFile))
            {
                problems.Add($"IoTCerts certificate authority: database password file '{postgreSql.PasswordFile}' does not exist.");
            }

            if (options.PassphraseFile is not null && !File.Exists(options.PassphraseFile))
            {
                problems.Add($"IoTCerts certificate authority: passphrase file '{options.PassphraseFile}' does not exist.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }

        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            return ValidateOptionsResult.Fail("IoTCerts certificate authority: Directory is not set; name the CA directory (made by 'iotcerts ca init') or call UsePostgreSql.");
        }

        var failures = new List<string>();
        if (!new IoTCerts.Issuance.DirectoryCaDatabase(options.Directory).Exists)
        {
            failures.Add($"IoTCerts certificate authority: '{options.Directory}' holds no CA (create one with 'iotcerts ca init').");
        }

        if (options.PassphraseFile is not null && !File.Exists(options.PassphraseFile))
        {
            failures.Add($"IoTCerts certificate authority: passphrase file '{options.PassphraseFile}' does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
