using System.Net;
using IoTCerts.Core;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>The configuration section <c>PlatformValidator</c> (appsettings.json, environment, command line).</summary>
internal sealed class PlatformValidatorOptions
{
    public const string Section = "PlatformValidator";

    /// <summary>The address Kestrel listens on: an IP address, or <c>*</c> for every interface. Default <c>*</c>.</summary>
    public string Address { get; set; } = "*";

    /// <summary>The HTTPS port; 0 picks a free one. Default 8443 (the port Cumulocity uses for REST with mTLS, R-26).</summary>
    public int Port { get; set; } = 8443;

    /// <summary>The server certificate, optionally followed by its intermediates (any format Core reads).</summary>
    public string? ServerCertificateFile { get; set; }

    /// <summary>The server's private key (PEM, DER, PKCS#8 encrypted or not, legacy OpenSSL PEM).</summary>
    public string? ServerKeyFile { get; set; }

    /// <summary>A file whose first line is the server key's passphrase; none for an unencrypted key.</summary>
    public string? ServerKeyPassphraseFile { get; set; }

    /// <summary>The CA certificates uploaded to the platform: the trust anchors devices chain up to.</summary>
    public List<string> TrustAnchorFiles { get; set; } = [];

    /// <summary>CRL files (PEM or DER) for offline revocation; in online mode they are used next to fetched CRLs.</summary>
    public List<string> CrlFiles { get; set; } = [];

    /// <summary>
    /// Certificates of the CAs below the trust anchors that sign CRL files (the device CA whose certificate devices send).
    /// They vouch for the CRL files at start only; they are not trusted for devices.
    /// </summary>
    public List<string> CrlIssuerFiles { get; set; } = [];

    /// <summary>The platform profile whose connection rules and device identity apply. Default <c>cumulocity</c>.</summary>
    public string Profile { get; set; } = "cumulocity";

    /// <summary><c>Offline</c> (CRL files, the default), <c>Online</c> (fetch from each certificate's CRL distribution points) or <c>None</c>.</summary>
    public string Revocation { get; set; } = nameof(RevocationMode.Offline);

    /// <summary><c>Deny</c> (the default: no usable CRL means no entry) or <c>Allow</c>.</summary>
    public string UnknownRevocationStatus { get; set; } = nameof(Core.UnknownRevocationStatus.Deny);

    /// <summary><c>WholeChain</c> (the default) or <c>EndEntityOnly</c>.</summary>
    public string RevocationScope { get; set; } = nameof(Core.RevocationScope.WholeChain);

    /// <summary>
    /// OCSP (RFC 6960) before CRLs: <c>None</c> (the default: no responder is asked), <c>FailClosed</c>, <c>Crl</c> (CRLs
    /// per <c>Revocation</c> decide without a verified answer) or <c>SoftFail</c>. Responders come from each certificate's
    /// authorityInfoAccess.
    /// </summary>
    public string Ocsp { get; set; } = "None";

    /// <summary>The most certificates a device may send in its TLS chain (leaf included) before it is refused unread. Default 10.</summary>
    public int MaxPresentedCertificates { get; set; } = 10;

    public RevocationMode ParseRevocationMode() => Enum.Parse<RevocationMode>(Revocation, ignoreCase: true);

    public RevocationPolicy ToRevocationPolicy() => new()
    {
        Mode = ParseRevocationMode(),
        UnknownStatus = Enum.Parse<UnknownRevocationStatus>(UnknownRevocationStatus, ignoreCase: true),
        Scope = Enum.Parse<RevocationScope>(RevocationScope, ignoreCase: true),
    };

    /// <summary>Copies this section into the companion package's options (the section itself is checked first, naming its own keys).</summary>
    public void ConfigureChainValidation(IoTCerts.Extensions.DependencyInjection.ChainValidationOptions chain)
    {
        foreach (var file in TrustAnchorFiles)
        {
            chain.TrustAnchorFiles.Add(file);
        }

        var policy = ToRevocationPolicy();
        chain.Ocsp = ParseOcsp();
        chain.Revocation = policy.Mode;
        chain.UnknownRevocationStatus = policy.UnknownStatus;
        chain.RevocationScope = policy.Scope;
        if (policy.Mode == RevocationMode.None)
        {
            return;
        }

        foreach (var file in CrlFiles)
        {
            chain.CrlFiles.Add(file);
        }

        foreach (var file in CrlIssuerFiles)
        {
            chain.CrlIssuerFiles.Add(file);
        }
    }

    /// <summary>The OCSP fallback named by <see cref="Ocsp"/>, or null for <c>None</c>.</summary>
    public OcspFallback? ParseOcsp() => string.Equals(Ocsp, "None", StringComparison.OrdinalIgnoreCase) ? null : Enum.Parse<OcspFallback>(Ocsp, ignoreCase: true);

    public PlatformProfile ResolveProfile() => PlatformProfile.Get(Profile);

    /// <summary>True when neither trust anchors nor a server certificate are configured: the demo creates both.</summary>
    public bool IsUnconfigured() => TrustAnchorFiles.Count == 0 && string.IsNullOrEmpty(ServerCertificateFile);
}

/// <summary>Checks the whole section at start and reports every problem at once, each naming its key.</summary>
internal sealed class PlatformValidatorOptionsValidator : IValidateOptions<PlatformValidatorOptions>
{
    private const string Prefix = PlatformValidatorOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, PlatformValidatorOptions options)
    {
        var failures = new List<string>();
        if (options.Address != "*" && !IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"{Prefix}Address '{options.Address}' is neither an IP address nor '*'.");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"{Prefix}Port {options.Port} is outside 0..65535.");
        }

        if (options.MaxPresentedCertificates is < 1 or > 32)
        {
            failures.Add($"{Prefix}MaxPresentedCertificates {options.MaxPresentedCertificates} is outside 1..32.");
        }

        if (!PlatformProfile.TryGet(options.Profile, out _))
        {
            failures.Add($"{Prefix}Profile '{options.Profile}' is unknown; the profiles are {string.Join(", ", PlatformProfile.All.Select(p => p.Name))}.");
        }

        CheckEnum<RevocationMode>(failures, "Revocation", options.Revocation);
        CheckEnum<UnknownRevocationStatus>(failures, "UnknownRevocationStatus", options.UnknownRevocationStatus);
        CheckEnum<RevocationScope>(failures, "RevocationScope", options.RevocationScope);
        if (!string.Equals(options.Ocsp, "None", StringComparison.OrdinalIgnoreCase))
        {
            CheckEnum<OcspFallback>(failures, "Ocsp", options.Ocsp);
        }

        CheckServerCredentials(failures, options);

        if (options.TrustAnchorFiles.Count == 0)
        {
            failures.Add($"{Prefix}TrustAnchorFiles is empty; name the CA certificates devices chain up to (or run with --demo).");
        }

        // The companion package checks these again when it builds the ChainValidator; here they are reported with the rest.
        foreach (var file in options.TrustAnchorFiles)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                failures.Add($"{Prefix}TrustAnchorFiles holds an empty path.");
            }
            else if (!MaterialLoader.TryLoadFile(file, null, out var material, out var error))
            {
                failures.Add($"{Prefix}TrustAnchorFiles: '{file}' cannot be read [{error.CodeString}]: {error.Message}");
            }
            else if (material.Certificates.Count == 0)
            {
                failures.Add($"{Prefix}TrustAnchorFiles: '{file}' holds no certificate.");
            }
        }

        foreach (var file in options.CrlFiles)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                failures.Add($"{Prefix}CrlFiles holds an empty path.");
            }
            else if (!MaterialLoader.TryLoadFile(file, null, out var material, out var error))
            {
                failures.Add($"{Prefix}CrlFiles: '{file}' cannot be read [{error.CodeString}]: {error.Message}");
            }
            else if (material.Crls.Count == 0)
            {
                failures.Add($"{Prefix}CrlFiles: '{file}' holds no CRL.");
            }
        }

        if (Enum.TryParse<RevocationMode>(options.Revocation, true, out var mode) && mode == RevocationMode.Offline && options.CrlFiles.Count == 0
            && string.Equals(options.UnknownRevocationStatus, "Deny", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{Prefix}Revocation is Offline with UnknownRevocationStatus Deny but CrlFiles is empty: every device would be refused. Name the CRL files, or set Revocation to Online or None.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckServerCredentials(List<string> failures, PlatformValidatorOptions options)
    {
        if (string.IsNullOrEmpty(options.ServerCertificateFile) || string.IsNullOrEmpty(options.ServerKeyFile))
        {
            failures.Add($"{Prefix}ServerCertificateFile and {Prefix}ServerKeyFile are both required (the HTTPS server certificate and its key).");
            return;
        }

        if (options.ServerKeyPassphraseFile is { } passphraseFile && !File.Exists(passphraseFile))
        {
            failures.Add($"{Prefix}ServerKeyPassphraseFile '{passphraseFile}' does not exist.");
            return;
        }

        try
        {
            using var credential = ServerCredential.Load(options);
        }
        catch (MaterialException ex)
        {
            failures.Add($"{Prefix}ServerCertificateFile/ServerKeyFile: [{ex.CodeString}] {ex.Message}");
        }
        catch (IOException ex)
        {
            failures.Add($"{Prefix}ServerKeyPassphraseFile cannot be read: {ex.Message}");
        }
    }

    private static void CheckEnum<T>(List<string> failures, string key, string value)
        where T : struct, Enum
    {
        if (!Enum.TryParse<T>(value, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(value, out _))
        {
            failures.Add($"{Prefix}{key} '{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}.");
        }
    }
}
