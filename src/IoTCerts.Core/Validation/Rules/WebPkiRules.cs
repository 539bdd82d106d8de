namespace IoTCerts.Core;

/// <summary>
/// The per-certificate rules <see cref="ChainRuleSet.WebPki"/> adds to RFC 5280: the CA/Browser Forum Baseline
/// Requirements for TLS server certificates (BR 7.1.2), as rustls-webpki enforces them. Each rule is a small function
/// citing its section; like <see cref="CertificateRules"/>, each appends what it finds and none throws.
/// </summary>
internal static class WebPkiRules
{
    /// <summary>The rules for the end entity; they replace the RFC 5280 extendedKeyUsage check (<c>CheckPurpose</c>).</summary>
    public static void ApplyToEndEntity(CertificateFacts cert, CertificatePurpose purpose, List<RuleViolation> found)
    {
        CheckEndEntityIsNotCa(cert, found);
        CheckEndEntityExtendedKeyUsage(cert, purpose, found);
    }

    /// <summary>The rules for a trust anchor.</summary>
    public static void ApplyToTrustAnchor(CertificateFacts cert, List<RuleViolation> found) => CheckRootHasNoExtendedKeyUsage(cert, found);

    // BR 7.1.2.7.8 (basicConstraints cA MUST be false) and 7.1.2.7.11 (keyUsage keyCertSign MUST NOT be set): a
    // subscriber certificate is never a CA. RFC 5280 §4.2.1.9 lets a CA certificate end a path, which would let a
    // certificate that can issue others (a device that mints device identities) pass as a server or a device.
    private static void CheckEndEntityIsNotCa(CertificateFacts cert, List<RuleViolation> found)
    {
        var ext = cert.Extensions;
        var isCa = ext.BasicConstraints is { IsCa: true };
        var signsCertificates = ext.KeyUsage is { } ku && (ku & KeyUsage.KeyCertSign) != 0;
        if (isCa || signsCertificates)
        {
            var why = isCa && signsCertificates ? "basicConstraints CA:TRUE and keyUsage keyCertSign"
                : isCa ? "basicConstraints CA:TRUE"
                : "keyUsage keyCertSign";
            found.Add(new RuleViolation(ChainStatus.CaCertificateAsEndEntity,
                $"certificate \"{cert.SubjectText}\" is a CA certificate ({why}) presented as the end entity; the Web PKI rules (CA/B Forum BR 7.1.2.7.8, 7.1.2.7.11) forbid it because it could issue other identities"));
        }
    }

    // BR 7.1.2.7.6: extKeyUsage MUST be present and non-critical; BR 7.1.2.7.10: anyExtendedKeyUsage MUST NOT be
    // present. rustls-webpki matches the asked purpose by its own OID only, so anyExtendedKeyUsage never stands in.
    private static void CheckEndEntityExtendedKeyUsage(CertificateFacts cert, CertificatePurpose purpose, List<RuleViolation> found)
    {
        if (!cert.Extensions.HasExtendedKeyUsage)
        {
            found.Add(new RuleViolation(ChainStatus.NotValidForUsage,
                $"wrong purpose: certificate \"{cert.SubjectText}\" has no extendedKeyUsage; the Web PKI rules (CA/B Forum BR 7.1.2.7.6) require one that names its purpose"));
            return;
        }

        if (IsCritical(cert, WellKnownOids.ExtendedKeyUsage))
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension,
                $"certificate \"{cert.SubjectText}\" marks extendedKeyUsage critical; the Web PKI rules (CA/B Forum BR 7.1.2.7.6) require it non-critical"));
        }

        var eku = cert.Extensions.ExtendedKeyUsageValue;
        if (CertificateRules.ExtendedKeyUsageContains(eku, CertificateRules.AnyExtendedKeyUsageOidContent))
        {
            found.Add(new RuleViolation(ChainStatus.NotValidForUsage,
                $"wrong purpose: certificate \"{cert.SubjectText}\" allows any extended key usage (anyExtendedKeyUsage), which the Web PKI rules (CA/B Forum BR 7.1.2.7.10) forbid"));
        }

        if (purpose == CertificatePurpose.Any)
        {
            return;
        }

        var wanted = purpose == CertificatePurpose.ServerAuth ? CertificateRules.ServerAuthOidContent : CertificateRules.ClientAuthOidContent;
        if (!CertificateRules.ExtendedKeyUsageContains(eku, wanted))
        {
            var what = purpose == CertificatePurpose.ServerAuth ? "TLS server authentication (serverAuth)" : "TLS client authentication (clientAuth)";
            found.Add(new RuleViolation(ChainStatus.NotValidForUsage,
                $"wrong purpose: certificate \"{cert.SubjectText}\" is not valid for {what}: its extendedKeyUsage does not name it"));
        }
    }

    // BR 7.1.2.1.2: a root CA certificate MUST NOT carry extKeyUsage. Only a self-signed anchor is a root: an
    // intermediate configured as the trust anchor (a partial chain) follows the subordinate CA profile instead.
    private static void CheckRootHasNoExtendedKeyUsage(CertificateFacts cert, List<RuleViolation> found)
    {
        if (cert.IsSelfIssued && cert.Extensions.HasExtendedKeyUsage)
        {
            found.Add(new RuleViolation(ChainStatus.InvalidExtension,
                $"root CA certificate \"{cert.SubjectText}\" carries extendedKeyUsage, which the Web PKI rules (CA/B Forum BR 7.1.2.1.2) forbid in root certificates"));
        }
    }

    private static bool IsCritical(CertificateFacts cert, string oid)
    {
        foreach (var extension in cert.Certificate.Extensions)
        {
            if (extension.Oid == oid)
            {
                return extension.Critical;
            }
        }

        return false;
    }
}
