using System.Text.Json;
using System.Text.Json.Serialization;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>GET /whoami: the device as the platform sees it.</summary>
internal sealed record WhoAmI(
    string Profile,
    string DeviceId,
    string? DeviceType,
    string? ClientId,
    string IdentitySource,
    string Subject,
    string Issuer,
    string SerialNumber,
    DateTimeOffset NotAfter,
    IReadOnlyList<string> Chain,
    string TlsProtocol,
    long ValidationMicroseconds);

/// <summary>The 403 body (shaped like RFC 9457 problem details): the most specific cause first, then every cause.</summary>
internal sealed record DeviceRefusalBody(
    string Type,
    string Title,
    int Status,
    string Code,
    string Detail,
    int CertificateIndex,
    string Profile,
    IReadOnlyList<DeviceRefusal> Errors);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WhoAmI))]
[JsonSerializable(typeof(DeviceRefusalBody))]
internal sealed partial class PlatformJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the app writes with: quotes and apostrophes in IoTCerts' sentences stay readable (\u0022 helps no
    /// device log); the bodies are JSON API answers, never embedded in HTML.
    /// </summary>
    public static PlatformJsonContext Readable { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
