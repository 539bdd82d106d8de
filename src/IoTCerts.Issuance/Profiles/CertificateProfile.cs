using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>
/// An extension set for issued certificates, reproducing the documented <c>openssl ca</c> sections:
/// <c>v3_ca</c> (root and intermediate CAs), R-41 Edge CA, <c>v3_signed</c> (devices) and TLS servers.
/// </summary>
public sealed class CertificateProfile
{
    private const int Year = 365;

    private CertificateProfile(string name, bool isCertificateAuthority, int? pathLength, X509KeyUsageFlags keyUsages, bool keyUsageCritical, IReadOnlyList<string> extendedKeyUsages, bool authorityIssuerAndSerial, bool requiresSubjectAlternativeName, TimeSpan defaultValidity)
    {
        Name = name;
        IsCertificateAuthority = isCertificateAuthority;
        PathLength = pathLength;
        KeyUsages = keyUsages;
        KeyUsageCritical = keyUsageCritical;
        ExtendedKeyUsages = extendedKeyUsages;
        AuthorityIssuerAndSerial = authorityIssuerAndSerial;
        RequiresSubjectAlternativeName = requiresSubjectAlternativeName;
        DefaultValidity = defaultValidity;
    }

    /// <summary>The profile name: root-ca, intermediate-ca, edge-ca, device or server.</summary>
    public string Name { get; }

    /// <summary>basicConstraints CA:TRUE (critical in every profile).</summary>
    public bool IsCertificateAuthority { get; }

    /// <summary>The pathLenConstraint of a CA profile, or null for none .</summary>
    public int? PathLength { get; }

    /// <summary>The keyUsage bits.</summary>
    public X509KeyUsageFlags KeyUsages { get; }

    /// <summary>Whether keyUsage is marked critical.</summary>
    public bool KeyUsageCritical { get; }

    /// <summary>extendedKeyUsage purposes (OIDs); empty for none.</summary>
    public IReadOnlyList<string> ExtendedKeyUsages { get; }

    /// <summary>
    /// Whether authorityKeyIdentifier also carries the issuer name and serial (<c>keyid:always,issuer:always</c>);
    /// false gives the keyid only, which is what OpenSSL writes for <c>keyid:always,issuer</c>.
    /// </summary>
    public bool AuthorityIssuerAndSerial { get; }

    /// <summary>Whether at least one subject alternative name is required (TLS servers).</summary>
    public bool RequiresSubjectAlternativeName { get; }

    /// <summary>The validity used when the request gives none.</summary>
    public TimeSpan DefaultValidity { get; }

    /// <summary>Root CA, the documented <c>v3_ca</c>: SKI hash, AKI keyid, critical CA:TRUE[, pathlen], critical keyUsage digitalSignature+cRLSign+keyCertSign; 20 years .</summary>
    public static CertificateProfile RootCa(int? pathLength = null) =>
        new("root-ca", true, CheckPathLength(pathLength), CaUsages, true, [], false, false, TimeSpan.FromDays(20 * Year));

    /// <summary>Intermediate CA: the <c>v3_ca</c> extension set signed by another CA; 10 years.</summary>
    public static CertificateProfile IntermediateCa(int? pathLength = null) =>
        new("intermediate-ca", true, CheckPathLength(pathLength), CaUsages, true, [], false, false, TimeSpan.FromDays(10 * Year));

    /// <summary>
    /// Azure IoT Edge CA: SKI hash, AKI keyid:always, critical CA:TRUE pathlen 0, critical keyUsage
    /// digitalSignature+keyCertSign; 90 days, the quickstart Edge CA default.
    /// </summary>
    public static CertificateProfile EdgeCa(TimeSpan? validity = null) =>
        new("edge-ca", true, 0, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true, [], false, false, validity ?? TimeSpan.FromDays(90));

    /// <summary>
    /// Device, the documented <c>v3_signed</c>: SKI, AKI, critical CA:FALSE, keyUsage digitalSignature+keyEncipherment
    /// (+nonRepudiation unless turned off), extendedKeyUsage clientAuth; 1 year.
    /// </summary>
    public static CertificateProfile Device(bool nonRepudiation = true) =>
        new("device", false, null, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | (nonRepudiation ? X509KeyUsageFlags.NonRepudiation : 0), false, [ClientAuth], false, false, TimeSpan.FromDays(Year));

    /// <summary>TLS server (messaging servers, R-32): critical CA:FALSE, keyUsage digitalSignature+keyEncipherment, EKU serverAuth, SAN DNS/IP required; 1 year.</summary>
    public static CertificateProfile Server() =>
        new("server", false, null, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true, [ServerAuth], false, true, TimeSpan.FromDays(Year));

    /// <summary>
    /// Finds a profile by name: <c>root-ca</c>/<c>v3_ca</c>, <c>intermediate-ca</c>, <c>edge-ca</c>,
    /// <c>device</c>/<c>v3_signed</c>, <c>server</c>.
    /// </summary>
    /// <exception cref="IssuanceException">The name is unknown.</exception>
    public static CertificateProfile FromName(string name, int? pathLength = null) => name.Trim().ToLowerInvariant() switch
    {
        "root-ca" or "root" or "v3_ca" => RootCa(pathLength),
        "intermediate-ca" or "intermediate" => IntermediateCa(pathLength),
        "edge-ca" => EdgeCa(),
        "device" or "v3_signed" or "client" => Device(),
        "server" => Server(),
        _ => throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"'{name}' is not a profile: use root-ca, intermediate-ca, edge-ca, device or server"),
    };

    internal const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    internal const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    private const X509KeyUsageFlags CaUsages = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.KeyCertSign;

    private static int? CheckPathLength(int? pathLength) => pathLength is null or (>= 0 and <= 16)
        ? pathLength
        : throw new IssuanceException(IssuanceErrorCode.InvalidOption, $"a path length of {pathLength} is out of range: use 0 to 16");

    /// <summary>basicConstraints (critical), keyUsage and, when the profile has purposes, extendedKeyUsage: what both a CSR and an issued certificate carry.</summary>
    internal IEnumerable<X509Extension> CreateUsageExtensions()
    {
        yield return new X509BasicConstraintsExtension(IsCertificateAuthority, PathLength is not null, PathLength ?? 0, critical: true);
        yield return new X509KeyUsageExtension(KeyUsages, KeyUsageCritical);
        if (ExtendedKeyUsages.Count > 0)
        {
            var oids = new OidCollection();
            foreach (var oid in ExtendedKeyUsages)
            {
                oids.Add(new Oid(oid));
            }

            yield return new X509EnhancedKeyUsageExtension(oids, critical: false);
        }
    }
}
