using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

/// <summary>Compares our model field by field with what X509Certificate2 reports; returns the disagreements.</summary>
internal static class PlatformComparison
{
    public static List<string> Compare(Certificate ours, X509Certificate2 theirs)
    {
        var problems = new List<string>();
        void Check(bool agree, string what)
        {
            if (!agree)
            {
                problems.Add(what);
            }
        }

        Check(ours.Subject.RawData.Span.SequenceEqual(theirs.SubjectName.RawData), "subject bytes");
        Check(ours.Issuer.RawData.Span.SequenceEqual(theirs.IssuerName.RawData), "issuer bytes");
        CompareNames(ours.Subject, theirs.SubjectName, "subject", problems);
        CompareNames(ours.Issuer, theirs.IssuerName, "issuer", problems);
        Check(ours.SerialNumberHex == theirs.SerialNumber, $"serial {ours.SerialNumberHex} vs {theirs.SerialNumber}");
        Check(ours.NotBefore.UtcDateTime == theirs.NotBefore.ToUniversalTime(), $"notBefore {ours.NotBefore:o} vs {theirs.NotBefore.ToUniversalTime():o}");
        Check(ours.NotAfter.UtcDateTime == theirs.NotAfter.ToUniversalTime(), $"notAfter {ours.NotAfter:o} vs {theirs.NotAfter.ToUniversalTime():o}");
        Check(ours.Version == theirs.Version, $"version {ours.Version} vs {theirs.Version}");
        // X509Certificate2.SignatureAlgorithm reports the TBSCertificate's signature field (visible when it differs, RFC 5280 4.1.1.2).
        Check(ours.TbsSignatureAlgorithm.Oid == theirs.SignatureAlgorithm.Value, "signature algorithm");
        Check(ours.PublicKey.AlgorithmOid == theirs.PublicKey.Oid.Value, "public key algorithm");
        Check(ours.PublicKey.RawData.Span.SequenceEqual(theirs.PublicKey.ExportSubjectPublicKeyInfo()), "SPKI bytes");
        Check(ours.PublicKey.PublicKey.Span.SequenceEqual(theirs.PublicKey.EncodedKeyValue.RawData), "public key bits");
        var theirSize = KeySize(theirs);
        Check(theirSize is null || theirSize == ours.PublicKey.KeySize, $"key size {ours.PublicKey.KeySize} vs {theirSize}");
        Check(ours.Sha256Thumbprint == theirs.GetCertHashString(HashAlgorithmName.SHA256), "SHA-256 thumbprint");

        Check(ours.Extensions.Count == theirs.Extensions.Count, $"extension count {ours.Extensions.Count} vs {theirs.Extensions.Count}");
        for (var i = 0; i < Math.Min(ours.Extensions.Count, theirs.Extensions.Count); i++)
        {
            var a = ours.Extensions[i];
            var b = theirs.Extensions[i];
            Check(a.Oid == b.Oid!.Value && a.Critical == b.Critical && a.Value.Span.SequenceEqual(b.RawData), $"extension {i} ({a.Oid} vs {b.Oid!.Value})");
        }

        try
        {
            CompareTyped(ours, theirs, problems);
        }
        catch (CryptographicException ex)
        {
            problems.Add("X509Certificate2 cannot decode a typed extension: " + ex.Message);
        }
        return problems;
    }

    /// <summary>Counts how many typed extension values were compared (to report figures).</summary>
    public static int TypedComparisons { get; private set; }

    private static void CompareTyped(Certificate ours, X509Certificate2 theirs, List<string> problems)
    {
        foreach (var extension in theirs.Extensions)
        {
            TypedComparisons++;
            switch (extension)
            {
                case X509BasicConstraintsExtension bc:
                    var ourBc = ours.BasicConstraints;
                    if (ourBc is null || ourBc.Value.IsCertificateAuthority != bc.CertificateAuthority
                        || ourBc.Value.PathLengthConstraint.HasValue != bc.HasPathLengthConstraint
                        || (bc.HasPathLengthConstraint && ourBc.Value.PathLengthConstraint != bc.PathLengthConstraint))
                    {
                        problems.Add("basicConstraints");
                    }

                    break;
                case X509KeyUsageExtension ku:
                    if (ours.KeyUsage is not { } usage || ToPlatform(usage) != ku.KeyUsages)
                    {
                        problems.Add($"keyUsage {ours.KeyUsage} vs {ku.KeyUsages}");
                    }

                    break;
                case X509EnhancedKeyUsageExtension eku:
                    var theirOids = eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
                    if (ours.ExtendedKeyUsages is null || !ours.ExtendedKeyUsages.SequenceEqual(theirOids))
                    {
                        problems.Add("extendedKeyUsage");
                    }

                    break;
                case X509SubjectKeyIdentifierExtension ski:
                    if (ours.SubjectKeyIdentifier is not { } id || !id.Span.SequenceEqual(ski.SubjectKeyIdentifierBytes.Span))
                    {
                        problems.Add("subjectKeyIdentifier");
                    }

                    break;
                case X509AuthorityKeyIdentifierExtension aki:
                    var ourAki = ours.AuthorityKeyIdentifier;
                    if (ourAki is null
                        || ourAki.KeyIdentifier.HasValue != aki.KeyIdentifier.HasValue
                        || (aki.KeyIdentifier.HasValue && !ourAki.KeyIdentifier!.Value.Span.SequenceEqual(aki.KeyIdentifier.Value.Span))
                        || ourAki.AuthorityCertSerialNumber.HasValue != aki.SerialNumber.HasValue
                        || (aki.SerialNumber.HasValue && !ourAki.AuthorityCertSerialNumber!.Value.Span.SequenceEqual(aki.SerialNumber.Value.Span)))
                    {
                        problems.Add("authorityKeyIdentifier");
                    }

                    if (aki.NamedIssuer is { } named && (ourAki?.AuthorityCertIssuer.FirstOrDefault()?.DirectoryName is not { } dn || !dn.RawData.Span.SequenceEqual(named.RawData)))
                    {
                        problems.Add("authorityKeyIdentifier issuer");
                    }

                    break;
                case X509SubjectAlternativeNameExtension san:
                    var names = ours.SubjectAlternativeNames ?? [];
                    var dns = names.Where(n => n.Kind == GeneralNameKind.DnsName).Select(n => n.Value).ToList();
                    var ips = names.Where(n => n.Kind == GeneralNameKind.IPAddress).Select(n => n.IPAddress).ToList();
                    if (!dns.SequenceEqual(san.EnumerateDnsNames()) || !ips.SequenceEqual(san.EnumerateIPAddresses()))
                    {
                        problems.Add("subjectAltName");
                    }

                    break;
                default:
                    TypedComparisons--;
                    break;
            }
        }
    }

    private static void CompareNames(DistinguishedName ours, X500DistinguishedName theirs, string what, List<string> problems)
    {
        var theirRdns = theirs.EnumerateRelativeDistinguishedNames(reversed: false).ToList();
        if (theirRdns.Count != ours.RelativeNames.Count)
        {
            problems.Add($"{what} RDN count");
            return;
        }

        for (var i = 0; i < theirRdns.Count; i++)
        {
            if (theirRdns[i].HasMultipleElements)
            {
                continue;
            }

            var attribute = ours.RelativeNames[i].Attributes[0];
            var value = theirRdns[i].GetSingleElementValue();
            if (attribute.Oid != theirRdns[i].GetSingleElementType().Value || (value is not null && attribute.IsString && attribute.Value != value))
            {
                problems.Add($"{what} RDN {i}: {attribute.Oid}={attribute.Value} vs {theirRdns[i].GetSingleElementType().Value}={value}");
            }
        }
    }

    private static int? KeySize(X509Certificate2 certificate)
    {
        try
        {
            using var rsa = certificate.GetRSAPublicKey();
            if (rsa is not null)
            {
                return rsa.KeySize;
            }

            using var ec = certificate.GetECDsaPublicKey();
            return ec?.KeySize;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static X509KeyUsageFlags ToPlatform(KeyUsage usage)
    {
        var flags = X509KeyUsageFlags.None;
        if (usage.HasFlag(KeyUsage.DigitalSignature)) flags |= X509KeyUsageFlags.DigitalSignature;
        if (usage.HasFlag(KeyUsage.NonRepudiation)) flags |= X509KeyUsageFlags.NonRepudiation;
        if (usage.HasFlag(KeyUsage.KeyEncipherment)) flags |= X509KeyUsageFlags.KeyEncipherment;
        if (usage.HasFlag(KeyUsage.DataEncipherment)) flags |= X509KeyUsageFlags.DataEncipherment;
        if (usage.HasFlag(KeyUsage.KeyAgreement)) flags |= X509KeyUsageFlags.KeyAgreement;
        if (usage.HasFlag(KeyUsage.KeyCertSign)) flags |= X509KeyUsageFlags.KeyCertSign;
        if (usage.HasFlag(KeyUsage.CrlSign)) flags |= X509KeyUsageFlags.CrlSign;
        if (usage.HasFlag(KeyUsage.EncipherOnly)) flags |= X509KeyUsageFlags.EncipherOnly;
        if (usage.HasFlag(KeyUsage.DecipherOnly)) flags |= X509KeyUsageFlags.DecipherOnly;
        return flags;
    }
}
