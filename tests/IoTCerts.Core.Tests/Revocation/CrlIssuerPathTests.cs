using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core.Tests.Validation;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>
/// RFC 5280 §6.3.3 (f): a CRL signed by another key of the CRL issuer — a rolled-over CA key (a new certificate from
/// the root, or a self-issued new-with-old certificate) or a separate CRL-signing certificate — is accepted when the
/// signer's own path validates to the same trust anchor, and refused otherwise ("unknown" stays apart from "revoked").
/// </summary>
public sealed class CrlIssuerPathTests
{
    private const string CaName = "Rollover Issuing CA";

    public enum Signer
    {
        SameKey,
        NewKeyFromRoot,
        NewWithOld,
        CrlSigningCertificate,
        NewKeyNotSupplied,
        NewKeyFromUntrustedRoot,
        SignerWithoutCrlSign,
    }

    public static readonly TheoryData<Signer, bool, ChainStatus?> Cases = new()
    {
        // signer of the CRL, leaf listed as revoked, expected first error
        { Signer.SameKey, false, null },
        { Signer.NewKeyFromRoot, false, null },
        { Signer.NewWithOld, false, null },
        { Signer.CrlSigningCertificate, false, null },
        { Signer.NewKeyFromRoot, true, ChainStatus.Revoked },
        { Signer.NewWithOld, true, ChainStatus.Revoked },
        { Signer.CrlSigningCertificate, true, ChainStatus.Revoked },
        { Signer.NewKeyNotSupplied, false, ChainStatus.CrlNotSignatureValid },
        { Signer.NewKeyFromUntrustedRoot, false, ChainStatus.CrlNotSignatureValid },
        { Signer.SignerWithoutCrlSign, false, ChainStatus.CrlNotSignatureValid },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Crl_signed_by_another_key_of_the_issuer(Signer signer, bool revoked, ChainStatus? expected)
    {
        var root = TestPki.Root("CRL Path Root " + signer);
        var ca = root.IssueCa(CaName);
        var leaf = ca.IssueLeaf("crl-path-leaf");
        TestCert crlSigner;
        var supplied = new List<TestCert> { ca };
        switch (signer)
        {
            case Signer.SameKey:
                crlSigner = ca;
                break;
            case Signer.NewKeyFromRoot:
            case Signer.NewKeyNotSupplied:
                crlSigner = root.IssueCa(CaName);
                if (signer == Signer.NewKeyFromRoot)
                {
                    supplied.Add(crlSigner);
                }

                break;
            case Signer.NewWithOld:
                crlSigner = ca.IssueCa(CaName); // self-issued: the old key certifies the new one
                supplied.Add(crlSigner);
                break;
            case Signer.CrlSigningCertificate:
                crlSigner = root.Issue(CaName, new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.CrlSign });
                supplied.Add(crlSigner);
                break;
            case Signer.NewKeyFromUntrustedRoot:
                crlSigner = TestPki.Root("Other Root").IssueCa(CaName);
                supplied.Add(crlSigner);
                break;
            default:
                crlSigner = root.Issue(CaName, new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.DigitalSignature });
                supplied.Add(crlSigner);
                break;
        }

        var crls = new List<CertificateRevocationList>
        {
            Crl(crlSigner, revoked ? leaf.Certificate.SerialNumber.ToArray() : null),
            Crl(root, null), // the root's CRL for the issuing CA
        };
        var checker = new CrlRevocationChecker(RevocationPolicy.Offline, crls);
        var validator = new ChainValidator([root.Certificate], revocationChecker: checker);

        var result = validator.Validate(leaf.Certificate, supplied.Select(s => s.Certificate).ToList(), TestPki.At());

        if (expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.Equal(3, result.Chain.Count);
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.True(expected == result.Errors[0].Status, string.Join("\n", result.Errors));
            Assert.Equal(0, result.Errors[0].CertificateIndex);
        }
    }

    private static CertificateRevocationList Crl(TestCert signer, byte[]? revokedSerial)
    {
        var builder = new CertificateRevocationListBuilder();
        if (revokedSerial is not null)
        {
            builder.AddEntry(revokedSerial, TestPki.Now.AddDays(-2), X509RevocationReason.KeyCompromise);
        }

        var generator = X509SignatureGenerator.CreateForECDsa((ECDsa)signer.Key);
        var aki = X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(signer.Ski!);
        var der = builder.Build(signer.X509.SubjectName, generator, 1, TestPki.Now.AddDays(7), HashAlgorithmName.SHA256, aki, TestPki.Now.AddDays(-1));
        return CertificateRevocationList.Parse(der);
    }
}
