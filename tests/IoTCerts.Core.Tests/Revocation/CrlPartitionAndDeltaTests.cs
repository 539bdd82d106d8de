using System.Formats.Asn1;
using System.Security.Cryptography;
using IoTCerts.Core.Tests.Validation;

namespace IoTCerts.Core.Tests.Revocation;

/// <summary>
/// RFC 5280 §6.3.3 (d)/(j) reasons_mask across CRLs partitioned by reason (issuingDistributionPoint onlySomeReasons),
/// and §5.2.4 delta CRLs (deltaCRLIndicator, removeFromCRL lifting a certificateHold). The CRLs are encoded here
/// with AsnWriter (RFC 5280 §5.1) and signed with the CA's key, independent of the parser under test.
/// </summary>
public sealed class CrlPartitionAndDeltaTests
{
    private const RevocationReasons FirstHalf = RevocationReasons.KeyCompromise | RevocationReasons.CACompromise | RevocationReasons.AffiliationChanged | RevocationReasons.Superseded;
    private const RevocationReasons SecondHalf = RevocationReasons.CessationOfOperation | RevocationReasons.CertificateHold | RevocationReasons.PrivilegeWithdrawn | RevocationReasons.AACompromise;

    private static readonly TestCert Root = TestPki.Root("Partition Root");
    private static readonly TestCert Ca = Root.IssueCa("Partition CA");

    /// <summary>One entry: serial, reason code (null for none).</summary>
    public sealed record Entry(byte[] Serial, int? Reason, byte[]? CertificateIssuer = null);

    /// <summary>What a test CRL holds.</summary>
    public sealed record CrlSpec(int Number, Entry[] Entries, RevocationReasons? OnlySomeReasons = null, int? DeltaBase = null, bool Indirect = false);

    [Fact]
    public void Reasons_split_across_two_crls_together_give_a_known_status()
    {
        var leaf = Ca.IssueLeaf("partition-leaf");
        var both = Validate(leaf, new CrlSpec(1, [], FirstHalf), new CrlSpec(2, [], SecondHalf));
        Assert.True(both.IsValid, string.Join("\n", both.Errors));

        // One half alone leaves the other reasons unknown (§6.3.3 (j)): "unknown", not "revoked".
        var half = Validate(leaf, new CrlSpec(1, [], FirstHalf));
        Assert.False(half.IsValid);
        Assert.Equal(ChainStatus.RevocationStatusUnknown, half.Errors[0].Status);
        Assert.Contains("§6.3.3 (j)", half.Errors[0].Message, StringComparison.Ordinal);

        // Overlapping partitions that miss certificateHold are not enough either.
        var overlap = Validate(leaf, new CrlSpec(1, [], FirstHalf), new CrlSpec(2, [], SecondHalf & ~RevocationReasons.CertificateHold));
        Assert.Equal(ChainStatus.RevocationStatusUnknown, overlap.Errors[0].Status);
    }

    [Fact]
    public void A_certificate_on_either_partition_is_revoked()
    {
        var leaf = Ca.IssueLeaf("partition-revoked");
        var serial = leaf.Certificate.SerialNumber.ToArray();
        var result = Validate(leaf, new CrlSpec(1, [], FirstHalf), new CrlSpec(2, [new Entry(serial, 5)], SecondHalf));

        Assert.False(result.IsValid);
        Assert.Equal(ChainStatus.Revoked, result.Errors[0].Status);
    }

    [Fact]
    public void Delta_crl_removing_a_hold_makes_the_certificate_good_again()
    {
        var leaf = Ca.IssueLeaf("held-leaf");
        var serial = leaf.Certificate.SerialNumber.ToArray();
        var baseCrl = new CrlSpec(10, [new Entry(serial, 6)]);

        // §5.3.1 certificateHold on the base CRL: revoked (on hold).
        Assert.Equal(ChainStatus.Revoked, Validate(leaf, baseCrl).Errors[0].Status);

        // §5.2.4: a delta for base 10 lists the serial with removeFromCRL (8): the hold is lifted.
        var lifted = Validate(leaf, baseCrl, new CrlSpec(11, [new Entry(serial, 8)], DeltaBase: 10));
        Assert.True(lifted.IsValid, string.Join("\n", lifted.Errors));

        // A delta that does not mention the serial leaves the hold in place.
        var other = Validate(leaf, baseCrl, new CrlSpec(11, [new Entry([0x7F, 0x01], 1)], DeltaBase: 10));
        Assert.Equal(ChainStatus.Revoked, other.Errors[0].Status);

        // A delta that turns the hold into keyCompromise keeps it revoked.
        var compromised = Validate(leaf, baseCrl, new CrlSpec(11, [new Entry(serial, 1)], DeltaBase: 10));
        Assert.Equal(ChainStatus.Revoked, compromised.Errors[0].Status);
    }

    private static ChainValidationResult Validate(TestCert leaf, params CrlSpec[] specs)
    {
        var crls = specs.Select(s => CertificateRevocationList.Parse(Encode(Ca, s))).ToList();
        var checker = new CrlRevocationChecker(new RevocationPolicy { Scope = RevocationScope.EndEntityOnly }, crls);
        return new ChainValidator([Root.Certificate], revocationChecker: checker).Validate(leaf.Certificate, [Ca.Certificate], TestPki.At());
    }

    internal static byte[] Encode(TestCert signer, CrlSpec spec)
    {
        var ecdsaWithSha256 = "1.2.840.10045.4.3.2";
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);
            using (tbs.PushSequence())
            {
                tbs.WriteObjectIdentifier(ecdsaWithSha256);
            }

            tbs.WriteEncodedValue(signer.X509.SubjectName.RawData);
            tbs.WriteUtcTime(TestPki.Now.AddDays(-1));
            tbs.WriteUtcTime(TestPki.Now.AddDays(7));
            if (spec.Entries.Length > 0)
            {
                using (tbs.PushSequence())
                {
                    foreach (var entry in spec.Entries)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteIntegerUnsigned(entry.Serial);
                            tbs.WriteUtcTime(TestPki.Now.AddDays(-2));
                            if (entry.Reason is not null || entry.CertificateIssuer is not null)
                            {
                                using (tbs.PushSequence())
                                {
                                    if (entry.Reason is { } reason)
                                    {
                                        Extension(tbs, "2.5.29.21", false, w => w.WriteEnumeratedValue((CrlReason)reason));
                                    }

                                    if (entry.CertificateIssuer is { } issuerName)
                                    {
                                        // §5.3.3 certificateIssuer: GeneralNames with the directoryName [4] of the entry's issuer; critical.
                                        Extension(tbs, "2.5.29.29", true, w =>
                                        {
                                            using (w.PushSequence())
                                            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
                                            {
                                                w.WriteEncodedValue(issuerName);
                                            }
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }

            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            using (tbs.PushSequence())
            {
                Extension(tbs, "2.5.29.35", false, w =>
                {
                    using (w.PushSequence())
                    {
                        w.WriteOctetString(signer.Ski, new Asn1Tag(TagClass.ContextSpecific, 0));
                    }
                });
                Extension(tbs, "2.5.29.20", false, w => w.WriteInteger(spec.Number));
                if (spec.DeltaBase is { } baseNumber)
                {
                    Extension(tbs, "2.5.29.27", true, w => w.WriteInteger(baseNumber));
                }

                if (spec.OnlySomeReasons is not null || spec.Indirect)
                {
                    Extension(tbs, "2.5.29.28", true, w =>
                    {
                        using (w.PushSequence())
                        {
                            if (spec.OnlySomeReasons is { } reasons)
                            {
                                w.WriteNamedBitList(reasons, new Asn1Tag(TagClass.ContextSpecific, 3));
                            }

                            if (spec.Indirect)
                            {
                                w.WriteBoolean(true, new Asn1Tag(TagClass.ContextSpecific, 4));
                            }
                        }
                    });
                }
            }
        }

        var tbsBytes = tbs.Encode();
        var signature = ((ECDsa)signer.Key).SignData(tbsBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var crl = new AsnWriter(AsnEncodingRules.DER);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(tbsBytes);
            using (crl.PushSequence())
            {
                crl.WriteObjectIdentifier(ecdsaWithSha256);
            }

            crl.WriteBitString(signature);
        }

        return crl.Encode();
    }

    private static void Extension(AsnWriter writer, string oid, bool critical, Action<AsnWriter> value)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            if (critical)
            {
                writer.WriteBoolean(true);
            }

            var inner = new AsnWriter(AsnEncodingRules.DER);
            value(inner);
            writer.WriteOctetString(inner.Encode());
        }
    }
}
