using System.Diagnostics.CodeAnalysis;

namespace IoTCerts.Core;

/// <summary>
/// The one home of the platform identity rules that several packages apply: which Common Name a device certificate
/// has, the Cumulocity device-id rule and the IBM Watson IoT client id. The CA (IoTCerts.Issuance), the platform
/// profiles, the MQTT client (IoTCerts.Mqtt) and the Cumulocity REST client (IoTCerts.Platform) all call these, so a
/// certificate the CA issues and the profile accepts is one the MQTT client can connect with.
/// </summary>
/// <remarks>
/// Several Common Names: a subject with more than one commonName attribute (in any relative distinguished name) names
/// no device. Platforms disagree on which one they would take (first, last, or refuse), so IoTCerts refuses it
/// everywhere with <see cref="MaterialErrorCode.AmbiguousCommonName"/>: the CA does not issue it, the profiles report
/// no identity, and the MQTT client derives no client id.
/// </remarks>
public static class DeviceIdentityRules
{
    /// <summary>The commonName attribute type (2.5.4.3).</summary>
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The device's Common Name: the one commonName of <paramref name="subject"/>, or null when it has none.</summary>
    /// <exception cref="MaterialException">The subject has more than one Common Name (<see cref="MaterialErrorCode.AmbiguousCommonName"/>).</exception>
    public static string? ReadCommonName(DistinguishedName subject) => TryReadCommonName(subject, out var commonName, out var error)
        ? commonName
        : throw new MaterialException(MaterialErrorCode.AmbiguousCommonName, error);

    /// <summary>Like <see cref="ReadCommonName(DistinguishedName)"/> for a DER-encoded Name (for example <c>X500DistinguishedName.RawData</c>).</summary>
    /// <exception cref="MaterialException">The bytes are not a Name, or it has more than one Common Name.</exception>
    public static string? ReadCommonName(ReadOnlyMemory<byte> subjectDer) => ReadCommonName(DistinguishedName.Parse(subjectDer));

    /// <summary>Reads the device's Common Name without throwing.</summary>
    /// <param name="subject">The certificate (or request) subject.</param>
    /// <param name="commonName">The one Common Name, or null when the subject has none.</param>
    /// <param name="error">When there are several: a sentence naming them.</param>
    /// <returns>False only when the subject has more than one Common Name.</returns>
    public static bool TryReadCommonName(DistinguishedName subject, out string? commonName, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(subject);
        commonName = null;
        error = null;
        var count = 0;
        foreach (var attribute in subject.Attributes)
        {
            if (attribute.Oid != CommonNameOid)
            {
                continue;
            }

            count++;
            commonName ??= attribute.Value;
        }

        if (count > 1)
        {
            error = $"the subject \"{subject.Rfc4514Name}\" has more than one Common Name ({count}): the device identity would be ambiguous, so IoTCerts refuses it";
            commonName = null;
            return false;
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="deviceId"/> can be a Cumulocity certificate device's id: the id is the
    /// certificate's Common Name and the MQTT ClientId, so it must be non-empty and must not contain ':'.
    /// </summary>
    public static bool IsCumulocityDeviceId([NotNullWhen(true)] string? deviceId) =>
        !string.IsNullOrEmpty(deviceId) && !deviceId.Contains(':', StringComparison.Ordinal);

    /// <summary>The IBM Watson IoT MQTT client id <c>d:{orgId}:{typeId}:{deviceId}</c> (R-31, R-80).</summary>
    /// <exception cref="ArgumentException">A part is empty or the organization id contains ':'.</exception>
    public static string IbmWatsonClientId(string? organizationId, string deviceType, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceType);
        ArgumentNullException.ThrowIfNull(deviceId);
        if (string.IsNullOrWhiteSpace(organizationId) || organizationId.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("the IBM Watson IoT ClientId d:{orgId}:{typeId}:{deviceId} needs the organization id (without ':')", nameof(organizationId));
        }

        if (deviceType.Length == 0 || deviceId.Length == 0)
        {
            throw new ArgumentException("the IBM Watson IoT ClientId needs a device type and a device id", deviceType.Length == 0 ? nameof(deviceType) : nameof(deviceId));
        }

        return $"d:{organizationId}:{deviceType}:{deviceId}";
    }
}
