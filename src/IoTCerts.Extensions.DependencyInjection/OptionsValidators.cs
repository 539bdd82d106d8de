using IoTCerts.Core;
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
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks at start that the CA directory holds a CA and the passphrase file exists.</summary>
internal sealed class CertificateAuthorityOptionsValidator : IValidateOptions<CertificateAuthorityOptions>
{
    public ValidateOptionsResult Validate(string? name, CertificateAuthorityOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            return ValidateOptionsResult.Fail("IoTCerts certificate authority: Directory is not set; name the CA directory (made by 'iotcerts ca init').");
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
