using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IoTCerts.Core;

namespace IoTCerts.Cli.Rendering;

/// <summary>
/// The "certificate summary" object every producing command prints with <c>--json</c>: the same six fields, names and
/// formats as the chain entries of <c>verify --json</c>, so a script reads a certificate the same way everywhere.
/// </summary>
internal static class CertificateSummary
{
    /// <summary>Writes <c>"name": { subject, issuer, serial, notBefore, notAfter, sha256 }</c>.</summary>
    public static void Write(Utf8JsonWriter json, string name, X509Certificate2 certificate)
    {
        json.WritePropertyName(name);
        WriteValue(json, Certificate.FromX509Certificate2(certificate));
    }

    /// <summary>Writes <c>"name": [ summary, … ]</c> in the given order.</summary>
    public static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<X509Certificate2> certificates)
    {
        json.WriteStartArray(name);
        foreach (var certificate in certificates)
        {
            WriteValue(json, Certificate.FromX509Certificate2(certificate));
        }

        json.WriteEndArray();
    }

    /// <summary>Writes <c>"name": [ summary, … ]</c> in the given order.</summary>
    public static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<Certificate> certificates)
    {
        json.WriteStartArray(name);
        foreach (var certificate in certificates)
        {
            WriteValue(json, certificate);
        }

        json.WriteEndArray();
    }

    public static void WriteValue(Utf8JsonWriter json, Certificate certificate)
    {
        json.WriteStartObject();
        json.WriteString("subject", Readable(certificate.Subject));
        json.WriteString("issuer", Readable(certificate.Issuer));

        // Issued serials are minimally encoded, so the DER content bytes in hex are what `openssl x509 -serial` prints.
        json.WriteString("serial", Formats.Serial(certificate.SerialNumberHex));
        json.WriteString("notBefore", Formats.Time(certificate.NotBefore));
        json.WriteString("notAfter", Formats.Time(certificate.NotAfter));
        json.WriteString("sha256", certificate.Sha256Thumbprint.ToLowerInvariant());
        json.WriteEndObject();
    }

    /// <summary>The CLI's key type name (<c>ec-p256</c>, <c>rsa4096</c>, as <c>--key-type</c> takes it) of a public key.</summary>
    public static string KeyType(SubjectPublicKeyInfo key) => key.Kind switch
    {
        PublicKeyKind.Rsa => $"rsa{key.KeySize}",
        PublicKeyKind.EllipticCurve => key.CurveName switch
        {
            "P-256" => "ec-p256",
            "P-384" => "ec-p384",
            "P-521" => "ec-p521",
            var curve => $"ec-{curve ?? "explicit"}",
        },
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>The key type of a certificate's subject public key.</summary>
    public static string KeyType(X509Certificate2 certificate) => KeyType(Certificate.FromX509Certificate2(certificate).PublicKey);

    // verify prints an empty name this way: keep the two outputs identical.
    private static string Readable(DistinguishedName name) => name.IsEmpty ? "(empty name)" : name.Rfc4514Name;
}
