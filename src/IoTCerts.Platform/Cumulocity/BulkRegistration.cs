using System.Text.Json.Serialization;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>How a bulk-registered device authenticates.</summary>
public enum DeviceAuthenticationType
{
    /// <summary><c>CERTIFICATES</c>: X.509 client certificate; the CREDENTIALS cell stays empty .</summary>
    Certificates,

    /// <summary><c>BASIC</c>: user and password; CREDENTIALS holds the password.</summary>
    Basic,
}

/// <summary>One row of the bulk registration CSV.</summary>
public sealed class DeviceRegistration
{
    /// <summary>The device id (for certificate devices: the certificate CN, R-22). Required.</summary>
    public required string Id { get; init; }

    /// <summary>Certificates (default) or Basic.</summary>
    public DeviceAuthenticationType AuthenticationType { get; init; } = DeviceAuthenticationType.Certificates;

    /// <summary>The password of a Basic device; must be null for certificate devices.</summary>
    public string? Credentials { get; init; }

    /// <summary>A one-time password (8-32 characters) for enrollment with the certificate-authority feature.</summary>
    public string? EnrollmentOneTimePassword { get; init; }

    /// <summary>The tenant to register in (management tenant only).</summary>
    public string? Tenant { get; init; }

    /// <summary>The device's managed-object type; required when ICCID, IDTYPE, PATH or SHELL are used.</summary>
    public string? Type { get; init; }

    /// <summary>The device name; required when ICCID, IDTYPE, PATH or SHELL are used.</summary>
    public string? Name { get; init; }

    /// <summary>The SIM card id.</summary>
    public string? Iccid { get; init; }

    /// <summary>The external id type (platform default <c>c8y_Serial</c>).</summary>
    public string? IdType { get; init; }

    /// <summary>The group path, for example <c>Region/Site</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Whether the device supports the shell (<c>SHELL=1</c>).</summary>
    public bool Shell { get; init; }

    /// <summary>Custom (dotted) properties, for example <c>c8y_Hardware.model</c>.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>More external ids: type to value, written as <c>external-&lt;type&gt;</c> columns (placed last).</summary>
    public IReadOnlyDictionary<string, string> ExternalIds { get; init; } = new Dictionary<string, string>();
}

/// <summary>The platform's answer to a bulk registration.</summary>
public sealed class BulkRegistrationResult
{
    /// <summary>Rows read.</summary>
    [JsonPropertyName("numberOfAll")]
    public int NumberOfAll { get; init; }

    /// <summary>Devices created.</summary>
    [JsonPropertyName("numberOfCreated")]
    public int NumberOfCreated { get; init; }

    /// <summary>Rows that failed.</summary>
    [JsonPropertyName("numberOfFailed")]
    public int NumberOfFailed { get; init; }

    /// <summary>Rows that succeeded (created or credentials updated).</summary>
    [JsonPropertyName("numberOfSuccessful")]
    public int NumberOfSuccessful { get; init; }

    /// <summary>Devices that existed and whose credentials were updated.</summary>
    [JsonPropertyName("credentialUpdatedList")]
    public IReadOnlyList<BulkRegistrationLine> CredentialUpdated { get; init; } = [];

    /// <summary>Rows that failed, with the reason and the CSV line.</summary>
    [JsonPropertyName("failedCreationList")]
    public IReadOnlyList<BulkRegistrationLine> FailedCreation { get; init; } = [];
}

/// <summary>One device in a bulk registration answer.</summary>
public sealed class BulkRegistrationLine
{
    /// <summary>The device id.</summary>
    [JsonPropertyName("deviceId")]
    public string? DeviceId { get; init; }

    /// <summary><c>CREATED</c>, <c>FAILED</c> or <c>CREDENTIAL_UPDATED</c>.</summary>
    [JsonPropertyName("bulkNewDeviceStatus")]
    public string? Status { get; init; }

    /// <summary>Why the row failed.</summary>
    [JsonPropertyName("failureReason")]
    public string? FailureReason { get; init; }

    /// <summary>The CSV line the failure refers to.</summary>
    [JsonPropertyName("line")]
    public string? Line { get; init; }
}
