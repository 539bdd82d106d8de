using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Mqtt;

/// <summary>A TLS alert received from the broker (RFC 8446 §6.2), recognised in the TLS library's error text.</summary>
internal sealed class TlsAlert
{
    // OpenSSL spells alerts "sslv3 alert certificate expired", "tlsv1 alert unknown ca", "tlsv13 alert certificate required".
    private static readonly (string Text, string Name, bool Certificate, string Meaning)[] Known =
    [
        ("unknown ca", "unknown_ca", true, "the broker does not trust the CA that issued the client certificate"),
        ("certificate expired", "certificate_expired", true, "the broker says the client certificate (or a CA in its chain) has expired"),
        ("certificate revoked", "certificate_revoked", true, "the broker says the client certificate is revoked"),
        ("bad certificate", "bad_certificate", true, "the broker rejected the client certificate (not yet valid, bad signature or unreadable)"),
        ("unsupported certificate", "unsupported_certificate", true, "the broker does not support the client certificate's type or usage"),
        ("certificate unknown", "certificate_unknown", true, "the broker rejected the client certificate"),
        ("certificate required", "certificate_required", true, "the broker requires a client certificate and received none"),
        ("access denied", "access_denied", true, "the broker denied access to this client certificate"),
        ("handshake failure", "handshake_failure", false, "the broker and the client share no TLS parameters (protocol version, cipher suite or key type)"),
        ("protocol version", "protocol_version", false, "the broker does not accept the TLS versions the client offers"),
        ("decrypt error", "decrypt_error", true, "the broker could not verify the client's signature (wrong private key for the certificate?)"),
    ];

    private TlsAlert(string name, bool isCertificateAlert, string meaning)
    {
        Name = name;
        IsCertificateAlert = isCertificateAlert;
        Meaning = meaning;
    }

    public string Name { get; }

    public bool IsCertificateAlert { get; }

    public string Meaning { get; }

    public static TlsAlert? Find(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            string message = e.Message;
            if (!message.Contains("alert", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach ((string text, string name, bool certificate, string meaning) in Known)
            {
                if (message.Contains("alert " + text, StringComparison.OrdinalIgnoreCase))
                {
                    return new TlsAlert(name, certificate, meaning);
                }
            }
        }

        return null;
    }

    public string Describe(MqttClientCredential credential)
    {
        string hint = Name == "unknown_ca" && credential.Intermediates.Count == 0
            ? ChainHint(credential)
            : Name == "unknown_ca"
                ? $"; check that the broker's CA file holds the root of this chain (client certificate issuer: '{credential.Certificate.Issuer}')"
                : string.Empty;
        return $"{Meaning} (TLS alert {Name}){hint}{LocalDiagnosis(credential)}";
    }

    /// <summary>The most frequent cause of a refusal: a leaf sent without its intermediates to a broker that trusts only the root.</summary>
    public static string ChainHint(MqttClientCredential credential) =>
        credential.Intermediates.Count == 0
            ? "; the client certificate was sent without intermediate CA certificates: if the broker trusts only the root CA, give the chain (intermediates) with the certificate"
            : string.Empty;

    /// <summary>What the client can see itself about its own chain: validity windows.</summary>
    public static string LocalDiagnosis(MqttClientCredential credential)
    {
        DateTime now = DateTime.UtcNow;
        foreach (X509Certificate2 c in credential.Intermediates.Prepend(credential.Certificate))
        {
            string who = ReferenceEquals(c, credential.Certificate) ? "the client certificate" : "the intermediate CA certificate";
            if (now < c.NotBefore.ToUniversalTime())
            {
                return $"; {who} ({c.Subject}) is not valid before {c.NotBefore.ToUniversalTime():u}";
            }

            if (now > c.NotAfter.ToUniversalTime())
            {
                return $"; {who} ({c.Subject}) expired on {c.NotAfter.ToUniversalTime():u}";
            }
        }

        return string.Empty;
    }
}
