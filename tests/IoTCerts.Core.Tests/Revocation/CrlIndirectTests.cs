using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core.Tests.Validation;
using static IoTCerts.Core.Tests.Revocation.CrlPartitionAndDeltaTests;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>
/// RFC 5280 indirect CRLs: the certificate's distribution point names a cRLIssuer (§4.2.1.13), that issuer's CRL sets
/// indirectCRL in its issuingDistributionPoint (§5.2.5), and each entry's certificateIssuer (§5.3.3) says whose
/// certificate it revokes; the CRL issuer's own certificate is found and validated to the same anchor (§6.3.3 (b)(1), (f)).
/// </summary>
public sealed class CrlIndirectTests
{
    private const string AuthorityName = "Indirect CRL Authority";
    private static readonly TestCert Root = TestPki.Root("Indirect Root");
    private static readonly TestCert Ca = Root.IssueCa("Indirect Issuing CA");
    private static readonly TestCert OtherCa = Root.IssueCa("Indirect Other CA");
    private static readonly TestCert Authority = Root.Issue(AuthorityName, new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.CrlSign });

    public enum Listing
    {
        NotListed,
        ListedForTheIssuer,
        ListedForAnotherIssuer,
        ListedWithoutCertificateIssuer,
        ListedAfterAnEntryNamingTheIssuer,
    }

    public static readonly TheoryData<Listing, bool, ChainStatus?> Cases = new()
    {
        { Listing.NotListed, true, null },
        { Listing.ListedForTheIssuer, true, ChainStatus.Revoked },
        { Listing.ListedForAnotherIssuer, true, null },
        { Listing.ListedWithoutCertificateIssuer, true, null },
        { Listing.ListedAfterAnEntryNamingTheIssuer, true, ChainStatus.Revoked },
        { Listing.ListedForTheIssuer, false, ChainStatus.RevocationStatusUnknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Indirect_crl_with_certificate_issuer_entries(Listing listing, bool indirectFlag, ChainStatus? expected)
    {
        var leaf = Ca.Issue("indirect-leaf", new CertSpec { Ca = false, Dns = ["indirect-leaf.example"], ExtraExtensions = [CrlIssuerDistributionPoint(Authority.X509.SubjectName.RawData)] });
        var serial = leaf.Certificate.SerialNumber.ToArray();
        var caName = Ca.X509.SubjectName.RawData;
        Entry[] entries = listing switch
        {
            Listing.ListedForTheIssuer => [new Entry(serial, 1, caName)],
            Listing.ListedForAnotherIssuer => [new Entry(serial, 1, OtherCa.X509.SubjectName.RawData)],
            Listing.ListedWithoutCertificateIssuer => [new Entry(serial, 1)],
            Listing.ListedAfterAnEntryNamingTheIssuer => [new Entry([0x55, 0x01], 1, caName), new Entry(serial, 1)],
            _ => [],
        };
        var crl = CertificateRevocationList.Parse(Encode(Authority, new CrlSpec(3, entries, Indirect: indirectFlag)));
        var checker = new CrlRevocationChecker(new RevocationPolicy { Scope = RevocationScope.EndEntityOnly }, [crl]);

        var result = new ChainValidator([Root.Certificate], revocationChecker: checker)
            .Validate(leaf.Certificate, [Ca.Certificate, Authority.Certificate], TestPki.At());

        if (expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.True(expected == result.Errors[0].Status, string.Join("\n", result.Errors));
        }
    }

    [Fact]
    public void Indirect_crl_signer_must_validate_to_the_same_anchor()
    {
        var stranger = TestPki.Root("Stranger Root").Issue(AuthorityName, new CertSpec { Ca = false, KeyUsage = X509KeyUsageFlags.CrlSign });
        var leaf = Ca.Issue("indirect-leaf-2", new CertSpec { Ca = false, ExtraExtensions = [CrlIssuerDistributionPoint(stranger.X509.SubjectName.RawData)] });
        var crl = CertificateRevocationList.Parse(Encode(stranger, new CrlSpec(3, [], Indirect: true)));
        var checker = new CrlRevocationChecker(new RevocationPolicy { Scope = RevocationScope.EndEntityOnly }, [crl]);

        var result = new ChainValidator([Root.Certificate], revocationChecker: checker)
            .Validate(leaf.Certificate, [Ca.Certificate, stranger.Certificate], TestPki.At());

        Assert.Equal(ChainStatus.CrlNotSignatureValid, result.Errors[0].Status);
    }

    // cRLDistributionPoints with one DistributionPoint that has only cRLIssuer [2] (a directoryName), §4.2.1.13.
    private static X509Extension CrlIssuerDistributionPoint(byte[] crlIssuerName)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence())
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, true)))
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
        {
            w.WriteEncodedValue(crlIssuerName);
        }

        return new X509Extension("2.5.29.31", w.Encode(), critical: false);
    }
}
