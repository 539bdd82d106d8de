using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Mqtt;

/// <summary>How the MQTT client id is derived from the client certificate.</summary>
public enum MqttClientIdProfile
{
    /// <summary>The certificate's Common Name, as is.</summary>
    CommonName = 0,

    /// <summary>Cumulocity IoT: the Common Name, which must not contain ':' .</summary>
    Cumulocity,

    /// <summary>IBM Watson IoT: <c>d:{orgId}:{typeId}:{deviceId}</c> from a CN or SAN e-mail <c>d:{typeId}:{deviceId}</c> (R-31).</summary>
    IbmWatsonIot,
}

/// <summary>Derives the MQTT client id from a client certificate per platform rule .</summary>
public static class MqttClientIdentity
{
    private const string CommonNameOid = "2.5.4.3";
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>The client id for <paramref name="certificate"/> under <paramref name="profile"/>.</summary>
    /// <param name="certificate">The client certificate.</param>
    /// <param name="profile">The platform rule.</param>
    /// <param name="organizationId">The IBM Watson IoT organization id (required for <see cref="MqttClientIdProfile.IbmWatsonIot"/>).</param>
    /// <exception cref="MqttCredentialException">The certificate does not carry an identity valid for the profile.</exception>
    public static string FromCertificate(X509Certificate2 certificate, MqttClientIdProfile profile, string? organizationId = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        switch (profile)
        {
            case MqttClientIdProfile.CommonName:
                return CommonName(certificate) ?? throw NoCommonName(certificate);
            case MqttClientIdProfile.Cumulocity:
                string cn = CommonName(certificate) ?? throw NoCommonName(certificate);
                return cn.Contains(':', StringComparison.Ordinal)
                    ? throw new MqttCredentialException(
                        MqttCredentialError.InvalidClientIdentity,
                        $"the certificate Common Name '{cn}' contains ':', which Cumulocity does not allow in a device id (the CN is the MQTT client id)")
                    : cn;
            case MqttClientIdProfile.IbmWatsonIot:
                return WatsonClientId(certificate, organizationId);
            default:
                throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown client id profile.");
        }
    }

    /// <summary>The single Common Name of the certificate subject, or <see langword="null"/> when it has none.</summary>
    /// <exception cref="MqttCredentialException">The subject has more than one Common Name.</exception>
    public static string? CommonName(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string? found = null;
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements || rdn.GetSingleElementType().Value != CommonNameOid)
            {
                continue;
            }

            if (found is not null)
            {
                throw new MqttCredentialException(
                    MqttCredentialError.InvalidClientIdentity,
                    $"the certificate subject '{certificate.Subject}' has more than one Common Name: the client id would be ambiguous");
            }

            found = rdn.GetSingleElementValue();
        }

        return found;
    }

    private static string WatsonClientId(X509Certificate2 certificate, string? organizationId)
    {
        if (string.IsNullOrWhiteSpace(organizationId) || organizationId.Contains(':', StringComparison.Ordinal))
        {
            throw new MqttCredentialException(
                MqttCredentialError.InvalidClientIdentity,
                "IBM Watson IoT needs the organization id (6 characters, no ':') to form the client id d:{orgId}:{typeId}:{deviceId}");
        }

        var candidates = new List<string>();
        if (CommonName(certificate) is { } cn)
        {
            candidates.Add(cn);
        }

        candidates.AddRange(SanEmails(certificate));
        foreach (string candidate in candidates)
        {
            string[] parts = candidate.Split(':');
            if (parts.Length == 3 && parts[0] == "d" && parts[1].Length > 0 && parts[2].Length > 0)
            {
                return $"d:{organizationId}:{parts[1]}:{parts[2]}";
            }
        }

        throw new MqttCredentialException(
            MqttCredentialError.InvalidClientIdentity,
            $"the certificate ({certificate.Subject}) has neither a CN nor a SAN e-mail of the form d:{{typeId}}:{{deviceId}} that IBM Watson IoT requires (R-31)");
    }

    // SubjectAltName rfc822Name entries ([1] IA5String, RFC 5280 §4.2.1.6); .NET exposes only DNS names and IPs.
    private static List<string> SanEmails(X509Certificate2 certificate)
    {
        var result = new List<string>();
        X509Extension? extension = certificate.Extensions[SubjectAltNameOid];
        if (extension is null)
        {
            return result;
        }

        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            AsnReader names = reader.ReadSequence();
            while (names.HasData)
            {
                Asn1Tag tag = names.PeekTag();
                if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
                {
                    result.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 1)));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException e)
        {
            throw new MqttCredentialException(MqttCredentialError.InvalidClientIdentity, "the certificate's subject alternative name extension is malformed", e);
        }

        return result;
    }

    private static MqttCredentialException NoCommonName(X509Certificate2 certificate) =>
        new(MqttCredentialError.InvalidClientIdentity, $"the certificate subject '{certificate.Subject}' has no Common Name to use as the MQTT client id; set ClientId explicitly");
}
