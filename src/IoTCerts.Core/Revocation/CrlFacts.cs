using System.Numerics;
using System.Runtime.CompilerServices;

namespace IoTCerts.Core;

/// <summary>
/// What the revocation checker needs to know about one CRL, read once per CRL instance (the CRL is immutable):
/// its RFC 5280 §5.2 usability, scope and delta numbers, and the issuer keys its signature was checked against.
/// </summary>
internal sealed class CrlFacts
{
    private static readonly ConditionalWeakTable<CertificateRevocationList, CrlFacts> s_table = new();

    // RFC 5280 §5.2: extensions a CRL may carry that this checker understands.
    private static readonly HashSet<string> s_understood =
    [
        WellKnownOids.CrlNumber, WellKnownOids.DeltaCrlIndicator, WellKnownOids.IssuingDistributionPoint,
        WellKnownOids.AuthorityKeyIdentifier, WellKnownOids.FreshestCrl, WellKnownOids.IssuerAltName,
    ];

    private readonly Dictionary<ReadOnlyMemory<byte>, bool> _signatureByIssuerKey = new(RawNameComparer.Instance);
    private Certificate? _lastVerifiedIssuer;

    private CrlFacts(CertificateRevocationList crl)
    {
        Crl = crl;
        CrlNumber = crl.CrlNumber;
        BaseCrlNumber = crl.DeltaCrlIndicator;
        IssuingDistributionPoint = crl.IssuingDistributionPoint;
        Unusable = FindUnusable(crl);
    }

    public CertificateRevocationList Crl { get; }

    public BigInteger? CrlNumber { get; }

    public BigInteger? BaseCrlNumber { get; }

    public bool IsDelta => BaseCrlNumber is not null;

    public IssuingDistributionPoint? IssuingDistributionPoint { get; }

    /// <summary>Why the CRL cannot be used at all (a structural rule of RFC 5280 §5.2), or null.</summary>
    public string? Unusable { get; }

    public static CrlFacts Of(CertificateRevocationList crl) => s_table.GetValue(crl, c => new CrlFacts(c));

    /// <summary>Checks (once per issuer key) that the CRL is signed by <paramref name="issuer"/>.</summary>
    public bool IsSignedBy(Certificate issuer)
    {
        // The same issuer instance asks again and again on the warm path: answer without hashing its key.
        if (ReferenceEquals(Volatile.Read(ref _lastVerifiedIssuer), issuer))
        {
            return true;
        }

        var key = issuer.PublicKeyRaw;
        lock (_signatureByIssuerKey)
        {
            if (_signatureByIssuerKey.TryGetValue(key, out var known))
            {
                if (known)
                {
                    Volatile.Write(ref _lastVerifiedIssuer, issuer);
                }

                return known;
            }
        }

        bool valid;
        try
        {
            valid = Crl.SignatureAlgorithmsMatch && Crl.IsSignatureValid(issuer.PublicKey);
        }
        catch (MaterialException)
        {
            valid = false;
        }

        lock (_signatureByIssuerKey)
        {
            // Bounded: a CRL is checked against a handful of issuer keys at most; a flood only clears the memo.
            if (_signatureByIssuerKey.Count >= 16)
            {
                _signatureByIssuerKey.Clear();
            }

            _signatureByIssuerKey[key] = valid;
        }

        if (valid)
        {
            Volatile.Write(ref _lastVerifiedIssuer, issuer);
        }

        return valid;
    }

    private static string? FindUnusable(CertificateRevocationList crl)
    {
        if (crl.Version != 2)
        {
            return "it is a version 1 CRL without extensions (RFC 5280 §5.1.2.1 requires v2 with cRLNumber)";
        }

        foreach (var extension in crl.Extensions)
        {
            if (extension.Oid == WellKnownOids.CrlNumber && extension.Critical)
            {
                return "its cRLNumber extension is marked critical (RFC 5280 §5.2.3: it must not be)";
            }

            if (extension.Critical && !s_understood.Contains(extension.Oid))
            {
                return $"it has an unsupported critical extension {extension.FriendlyName}";
            }
        }

        if (crl.CrlNumber is null)
        {
            return "it has no cRLNumber extension (RFC 5280 §5.2.3 requires one)";
        }

        // Indirect CRLs (RFC 5280 §5.2.5, §5.3.3) are processed: entries carry their certificateIssuer.
        if (crl.IssuingDistributionPoint is { OnlyContainsAttributeCerts: true })
        {
            return "it only covers attribute certificates";
        }

        return null;
    }
}
