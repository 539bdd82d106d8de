using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Mqtt;

/// <summary>How the MQTT client id is derived from the client certificate.</summary>
public enum MqttClientIdProfile
{
    /// <summary>The certificate's Common Name, as is (the <c>generic</c> platform profile).</summary>
    CommonName = 0,

    /// <summary>Cumulocity IoT: the Common Name, which must not contain ':' (R-22; the <c>cumulocity</c> profile).</summary>
    Cumulocity,

    /// <summary>IBM Watson IoT: <c>d:{orgId}:{typeId}:{deviceId}</c> from a CN or SAN e-mail <c>d:{typeId}:{deviceId}</c> (R-31; the <c>ibm-watson-iot</c> profile).</summary>
    IbmWatsonIot,
}

/// <summary>
/// Derives the MQTT client id from a client certificate per platform rule. The rules are IoTCerts.Core's
/// (<see cref="PlatformProfile.ReadDeviceIdentity"/>, <see cref="DeviceIdentityRules"/>), so the client id is the device
/// identity the platform profile reads; a subject with more than one Common Name has none.
/// </summary>
public static class MqttClientIdentity
{
    /// <summary>The client id for <paramref name="certificate"/> under <paramref name="profile"/>.</summary>
    /// <param name="certificate">The client certificate.</param>
    /// <param name="profile">The platform rule.</param>
    /// <param name="organizationId">The IBM Watson IoT organization id (required for <see cref="MqttClientIdProfile.IbmWatsonIot"/>).</param>
    /// <exception cref="MqttCredentialException">The certificate does not carry an identity valid for the profile.</exception>
    public static string FromCertificate(X509Certificate2 certificate, MqttClientIdProfile profile, string? organizationId = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string profileName = profile switch
        {
            MqttClientIdProfile.CommonName => "generic",
            MqttClientIdProfile.Cumulocity => "cumulocity",
            MqttClientIdProfile.IbmWatsonIot => "ibm-watson-iot",
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown client id profile."),
        };

        try
        {
            DeviceIdentity identity = PlatformProfile.Get(profileName).ReadDeviceIdentity(Certificate.Parse(certificate.RawDataMemory));
            return identity.ClientId(organizationId);
        }
        catch (MaterialException e) when (e.Code is MaterialErrorCode.NothingFound or MaterialErrorCode.AmbiguousCommonName)
        {
            throw new MqttCredentialException(MqttCredentialError.InvalidClientIdentity, $"no MQTT client id for the certificate ({certificate.Subject}): {e.Message}; set ClientId explicitly", e);
        }
        catch (MaterialException e)
        {
            throw new MqttCredentialException(MqttCredentialError.Malformed, $"the client certificate ({certificate.Subject}) cannot be read: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new MqttCredentialException(MqttCredentialError.InvalidClientIdentity, e.Message, e);
        }
    }

    /// <summary>The single Common Name of the certificate subject, or <see langword="null"/> when it has none (<see cref="DeviceIdentityRules.ReadCommonName(DistinguishedName)"/>).</summary>
    /// <exception cref="MqttCredentialException">The subject has more than one Common Name.</exception>
    public static string? CommonName(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            return DeviceIdentityRules.ReadCommonName(certificate.SubjectName.RawData);
        }
        catch (MaterialException e)
        {
            throw new MqttCredentialException(MqttCredentialError.InvalidClientIdentity, e.Message, e);
        }
    }
}
