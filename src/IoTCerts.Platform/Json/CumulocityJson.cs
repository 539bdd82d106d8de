using System.Text.Json.Serialization;
using IoTCerts.Platform.Cumulocity;

namespace IoTCerts.Platform.Json;

/// <summary>A page of <c>GET …/trusted-certificates</c>.</summary>
internal sealed class TrustedCertificatePage
{
    [JsonPropertyName("certificates")]
    public List<TrustedCertificate>? Certificates { get; init; }

    [JsonPropertyName("next")]
    public string? Next { get; init; }

    [JsonPropertyName("statistics")]
    public PageStatistics? Statistics { get; init; }
}

internal sealed class PageStatistics
{
    [JsonPropertyName("currentPage")]
    public int? CurrentPage { get; init; }

    [JsonPropertyName("pageSize")]
    public int? PageSize { get; init; }

    [JsonPropertyName("totalPages")]
    public int? TotalPages { get; init; }
}

internal sealed class TrustedCertificateCollection
{
    [JsonPropertyName("certificates")]
    public List<TrustedCertificate>? Certificates { get; init; }
}

internal sealed class NewTrustedCertificateCollection
{
    [JsonPropertyName("certificates")]
    public required List<NewTrustedCertificate> Certificates { get; init; }
}

internal sealed class CrlUpdate
{
    [JsonPropertyName("crls")]
    public required List<CrlRevocation> Crls { get; init; }
}

internal sealed class SignedVerificationCode
{
    [JsonPropertyName("proofOfPossessionSignedVerificationCode")]
    public required string Code { get; init; }
}

internal sealed class CurrentTenant
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }
}

/// <summary>The platform error body; every field optional because proxies and old releases differ.</summary>
internal sealed class ErrorBody
{
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("info")]
    public string? Info { get; init; }
}

/// <summary>Both spellings of the device token answer seen in the wild.</summary>
internal sealed class AccessTokenBody
{
    [JsonPropertyName("accessToken")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("access_token")]
    public string? AccessTokenSnake { get; init; }
}

/// <summary>Source-generated serialization (no reflection: the package is trimmable and AOT-compatible).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    MaxDepth = 32)]
[JsonSerializable(typeof(TrustedCertificate))]
[JsonSerializable(typeof(TrustedCertificatePage))]
[JsonSerializable(typeof(TrustedCertificateCollection))]
[JsonSerializable(typeof(NewTrustedCertificate))]
[JsonSerializable(typeof(NewTrustedCertificateCollection))]
[JsonSerializable(typeof(TrustedCertificateUpdate))]
[JsonSerializable(typeof(CertificateChainVerification))]
[JsonSerializable(typeof(CrlUpdate))]
[JsonSerializable(typeof(SignedVerificationCode))]
[JsonSerializable(typeof(CurrentTenant))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AccessTokenBody))]
[JsonSerializable(typeof(BulkRegistrationResult))]
[JsonSerializable(typeof(CertificateAuthorityFeature))]
internal sealed partial class CumulocityJsonContext : JsonSerializerContext
{
}
