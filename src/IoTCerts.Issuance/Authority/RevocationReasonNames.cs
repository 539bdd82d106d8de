using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>Names of CRL reason codes (RFC 5280 section 5.3.1) as OpenSSL writes them in its index and accepts in <c>-crl_reason</c>.</summary>
public static class RevocationReasonNames
{
    /// <summary>The OpenSSL name, for example <c>keyCompromise</c>.</summary>
    public static string ToOpenSslName(this X509RevocationReason reason) => reason switch
    {
        X509RevocationReason.Unspecified => "unspecified",
        X509RevocationReason.KeyCompromise => "keyCompromise",
        X509RevocationReason.CACompromise => "CACompromise",
        X509RevocationReason.AffiliationChanged => "affiliationChanged",
        X509RevocationReason.Superseded => "superseded",
        X509RevocationReason.CessationOfOperation => "cessationOfOperation",
        X509RevocationReason.CertificateHold => "certificateHold",
        X509RevocationReason.RemoveFromCrl => "removeFromCRL",
        X509RevocationReason.PrivilegeWithdrawn => "privilegeWithdrawn",
        X509RevocationReason.AACompromise => "AACompromise",
        _ => "unspecified",
    };

    /// <summary>Parses an OpenSSL reason name (case-insensitive; <c>key-compromise</c> also accepted).</summary>
    /// <exception cref="IssuanceException">The name is not a reason.</exception>
    public static X509RevocationReason Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var reason in Enum.GetValues<X509RevocationReason>())
        {
            if (string.Equals(reason.ToOpenSslName(), normalized, StringComparison.OrdinalIgnoreCase))
            {
                return reason;
            }
        }

        throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"'{name}' is not a revocation reason: use unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn or AACompromise");
    }
}
