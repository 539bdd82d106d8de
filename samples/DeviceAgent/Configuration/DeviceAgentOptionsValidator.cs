using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Est;
using IoTCerts.Mqtt;
using Microsoft.Extensions.Options;

namespace IoTCerts.Samples.DeviceAgent;

/// <summary>
/// Checks the <c>DeviceAgent</c> section when the host starts, collecting every problem; each message names the
/// configuration key (and the file, for paths) so an operator can fix appsettings.json without reading code.
/// </summary>
internal sealed class DeviceAgentOptionsValidator : IValidateOptions<DeviceAgentOptions>
{
    private const string Prefix = DeviceAgentOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, DeviceAgentOptions options)
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            problems.Add($"{Prefix}Mode: must be 'generic' or 'cumulocity'");
        }

        if (string.IsNullOrWhiteSpace(options.StoreDirectory))
        {
            problems.Add($"{Prefix}StoreDirectory: required (the folder that keeps device.pem and device.key)");
        }

        ValidateEst(options, problems);
        ValidateMqtt(options, problems);
        if (options.Mode == AgentMode.Cumulocity)
        {
            ValidateCumulocity(options.Cumulocity, problems);
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void ValidateEst(DeviceAgentOptions options, List<string> problems)
    {
        EstSettings est = options.Est;
        const string Est = Prefix + "Est:";
        if (string.IsNullOrWhiteSpace(est.Server))
        {
            problems.Add($"{Est}Server: required (the EST server's https URL)");
        }
        else if (!Uri.TryCreate(est.Server, UriKind.Absolute, out Uri? server) || server.Scheme != Uri.UriSchemeHttps)
        {
            problems.Add($"{Est}Server: '{est.Server}' is not an absolute https URL (RFC 7030 requires TLS)");
        }

        if (est.Label is not null && (est.Label.Length == 0 || est.Label.Contains('/', StringComparison.Ordinal)))
        {
            problems.Add($"{Est}Label: must be one non-empty path segment");
        }

        CertificateFile(Est + "TrustFile", est.TrustFile, required: true, problems);
        CertificateFile(Est + "IssuerTrustFile", est.IssuerTrustFile, required: false, problems);
        bool hasBootstrap = est.BootstrapCertificateFile is not null || est.BootstrapKeyFile is not null;
        if (hasBootstrap)
        {
            if (CertificateFile(Est + "BootstrapCertificateFile", est.BootstrapCertificateFile, required: true, problems)
                & ExistingFile(Est + "BootstrapKeyFile", est.BootstrapKeyFile, required: true, problems)
                && !PairMatches(est.BootstrapCertificateFile!, est.BootstrapKeyFile!))
            {
                problems.Add($"{Est}BootstrapKeyFile: the key '{est.BootstrapKeyFile}' is not the key of the certificate '{est.BootstrapCertificateFile}' (or is encrypted)");
            }
        }

        bool hasBasic = est.UserName is not null || est.PasswordFile is not null;
        if (hasBasic)
        {
            if (string.IsNullOrEmpty(est.UserName) || est.UserName.Contains(':', StringComparison.Ordinal))
            {
                problems.Add($"{Est}UserName: required with PasswordFile, and must not contain ':' (RFC 7617)");
            }

            ExistingFile(Est + "PasswordFile", est.PasswordFile, required: true, problems);
        }

        bool hasIdentity = options.StoreDirectory is not null && File.Exists(options.CertificatePath) && File.Exists(options.KeyPath);
        if (!hasBootstrap && !hasBasic && !hasIdentity)
        {
            problems.Add($"{Est}BootstrapCertificateFile: the store holds no device identity yet, so a bootstrap certificate and key (or UserName and PasswordFile) are needed to enroll");
        }

        if (string.IsNullOrWhiteSpace(est.Subject))
        {
            problems.Add($"{Est}Subject: required (the subject of the first enrollment, e.g. 'CN=device-0001')");
        }
        else
        {
            try
            {
                _ = new X500DistinguishedName(est.Subject);
            }
            catch (CryptographicException)
            {
                problems.Add($"{Est}Subject: '{est.Subject}' is not a distinguished name (e.g. 'CN=device-0001, O=Example')");
            }
        }

        try
        {
            _ = RenewalSchedule.Parse(est.RenewAt, est.RetryInterval, est.Jitter);
        }
        catch (RenewalConfigurationException ex)
        {
            string key = ex.Setting switch { "threshold" => "RenewAt", "retry" => "RetryInterval", _ => "Jitter" };
            problems.Add($"{Est}{key}: {ex.Message}");
        }

        if (est.CaCheckInterval is { } interval && interval <= TimeSpan.Zero)
        {
            problems.Add($"{Est}CaCheckInterval: must be a positive time (or empty to turn the check off)");
        }
    }

    private static void ValidateMqtt(DeviceAgentOptions options, List<string> problems)
    {
        MqttSettings mqtt = options.Mqtt;
        const string Mqtt = Prefix + "Mqtt:";
        if (string.IsNullOrWhiteSpace(mqtt.Host))
        {
            problems.Add($"{Mqtt}Host: required (the broker's host name or address)");
        }

        if (mqtt.Port is < 1 or > 65535)
        {
            problems.Add($"{Mqtt}Port: {mqtt.Port} is not a TCP port (1-65535)");
        }

        CertificateFile(Mqtt + "TrustFile", mqtt.TrustFile, required: true, problems);
        if (mqtt.ClientId is { Length: 0 })
        {
            problems.Add($"{Mqtt}ClientId: must not be empty when set (leave it out to use the certificate's CN)");
        }

        if (options.Mode == AgentMode.Cumulocity && mqtt.ClientId is { Length: > 0 } id && !DeviceIdentityRules.IsCumulocityDeviceId(id))
        {
            problems.Add($"{Mqtt}ClientId: '{id}' contains ':', which Cumulocity does not allow (R-22)");
        }

        string topic = MeasurementTemplate.TopicFor(options).Replace(MeasurementTemplate.ClientIdField, "id", StringComparison.Ordinal);
        if (!MqttTopic.IsValidTopicName(topic))
        {
            problems.Add($"{Mqtt}Topic: '{MeasurementTemplate.TopicFor(options)}' is not a topic name to publish to (empty, or with '+' or '#')");
        }

        if (mqtt.QualityOfService is < 0 or > 2)
        {
            problems.Add($"{Mqtt}QualityOfService: {mqtt.QualityOfService} must be 0, 1 or 2");
        }

        if (mqtt.PublishInterval <= TimeSpan.Zero)
        {
            problems.Add($"{Mqtt}PublishInterval: must be a positive time");
        }

        if (mqtt.KeepAlive < TimeSpan.Zero || mqtt.KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            problems.Add($"{Mqtt}KeepAlive: must be between 0 and 65535 seconds");
        }

        if (mqtt.ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{Mqtt}ConnectTimeout: must be a positive time");
        }

        if (mqtt.ReconnectInitialDelay <= TimeSpan.Zero || mqtt.ReconnectMaximumDelay < mqtt.ReconnectInitialDelay)
        {
            problems.Add($"{Mqtt}ReconnectInitialDelay: needs 0 < ReconnectInitialDelay <= ReconnectMaximumDelay");
        }
    }

    private static void ValidateCumulocity(CumulocitySettings c8y, List<string> problems)
    {
        const string C8y = Prefix + "Cumulocity:";
        if (c8y.TokenAttemptTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{C8y}TokenAttemptTimeout: must be a positive time");
        }

        if (c8y.TokenMaxAttempts < 1)
        {
            problems.Add($"{C8y}TokenMaxAttempts: must be at least 1");
        }

        if (c8y.TokenRetryDelay <= TimeSpan.Zero)
        {
            problems.Add($"{C8y}TokenRetryDelay: must be a positive time");
        }
    }

    private static bool ExistingFile(string key, string? path, bool required, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            if (required)
            {
                problems.Add($"{key}: required");
            }

            return false;
        }

        if (!File.Exists(path))
        {
            problems.Add($"{key}: the file '{path}' does not exist");
            return false;
        }

        return true;
    }

    private static bool CertificateFile(string key, string? path, bool required, List<string> problems)
    {
        if (!ExistingFile(key, path, required, problems))
        {
            return false;
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path!);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{key}: the file '{path}' cannot be read as PEM certificates ({ex.Message})");
            return false;
        }

        if (certificates.Count == 0)
        {
            problems.Add($"{key}: the file '{path}' holds no PEM certificate");
            return false;
        }

        return true;
    }

    private static bool PairMatches(string certificatePath, string keyPath)
    {
        try
        {
            using X509Certificate2 pair = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return pair.HasPrivateKey;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
