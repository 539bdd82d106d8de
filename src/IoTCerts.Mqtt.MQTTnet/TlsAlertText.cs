namespace IoTCerts.Mqtt.MQTTnet;

/// <summary>
/// A TLS alert from the broker (RFC 8446 §6.2) as the TLS library spells it in its error text (OpenSSL: "tlsv13 alert
/// certificate required", "sslv3 alert bad certificate").
/// </summary>
internal sealed record TlsAlertText(string Name, bool AboutCertificate)
{
    private static readonly string[] CertificateAlerts =
    [
        "unknown ca", "certificate expired", "certificate revoked", "bad certificate", "unsupported certificate",
        "certificate unknown", "certificate required", "access denied", "decrypt error",
    ];

    public static TlsAlertText? Find(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            int at = e.Message.IndexOf("alert ", StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                continue;
            }

            string rest = e.Message[(at + 6)..].TrimEnd('.', ' ');
            foreach (string name in CertificateAlerts)
            {
                if (rest.StartsWith(name, StringComparison.OrdinalIgnoreCase))
                {
                    return new TlsAlertText(name.Replace(' ', '_'), true);
                }
            }

            int end = rest.IndexOfAny([':', '.', '(', ')']);
            return new TlsAlertText((end < 0 ? rest : rest[..end]).Trim().Replace(' ', '_'), false);
        }

        return null;
    }
}
