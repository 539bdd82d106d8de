using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// RFC 5280 §7.1 name comparison (RFC 4518 LDAP StringPrep for PrintableString and UTF8String values) in chaining,
/// trust-anchor lookup, self-issued detection and directoryName constraints: each row encodes the CA's subject one
/// way and the child's issuer another, and says whether they are the same name.
/// </summary>
public sealed class NameComparisonTests
{
    /// <summary>An attribute of a test name: type, value and the string type it is encoded with.</summary>
    public sealed record Ava(string Oid, string Value, UniversalTagNumber Type = UniversalTagNumber.UTF8String);

    private const string Cn = "2.5.4.3";
    private const string O = "2.5.4.10";
    private const string C = "2.5.4.6";

    /// <summary>Encodes a Name: each inner array is one RDN (several attributes = a multi-valued RDN).</summary>
    public static byte[] Name(params Ava[][] rdns)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                using (w.PushSetOf())
                {
                    foreach (var ava in rdn)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteObjectIdentifier(ava.Oid);
                            w.WriteCharacterString(ava.Type, ava.Value);
                        }
                    }
                }
            }
        }

        return w.Encode();
    }

    private static Ava[] Rdn(params Ava[] avas) => avas;

    public sealed record Case(string Name, byte[] CaSubject, byte[] IssuerInChild, bool SameName)
    {
        public override string ToString() => Name;
    }

    private static readonly byte[] Reference = Name(Rdn(new Ava(C, "DE", UniversalTagNumber.PrintableString)), Rdn(new Ava(O, "Example Org", UniversalTagNumber.PrintableString)), Rdn(new Ava(Cn, "Example Issuing CA", UniversalTagNumber.PrintableString)));

    private static byte[] Variant(string country, string org, string cn, UniversalTagNumber type = UniversalTagNumber.UTF8String) =>
        Name(Rdn(new Ava(C, country, UniversalTagNumber.PrintableString)), Rdn(new Ava(O, org, type)), Rdn(new Ava(Cn, cn, type)));

    public static readonly TheoryData<Case> Cases =
    [
        new("§7.1 identical encoding", Reference, Reference, true),
        new("§7.1 PrintableString -> UTF8String rollover", Reference, Variant("DE", "Example Org", "Example Issuing CA"), true),
        new("§7.1 / RFC 4518 §2.2 case folding", Reference, Variant("DE", "EXAMPLE ORG", "example issuing ca"), true),
        new("§7.1 / RFC 4518 §2.6.1 leading, trailing and internal spaces", Reference, Variant("DE", "  Example   Org ", "Example  Issuing CA  "), true),
        new("§7.1 case and spaces in PrintableString on both sides", Reference, Variant("DE", "example org", " EXAMPLE ISSUING CA", UniversalTagNumber.PrintableString), true),
        new("RFC 4518 §2.2 non-ASCII case folding", Name(Rdn(new Ava(Cn, "Finance ÉCOLE CA"))), Name(Rdn(new Ava(Cn, "finance école ca"))), true),
        new("non-ASCII letters that differ are different names", Name(Rdn(new Ava(Cn, "Finance ÉCOLE CA"))), Name(Rdn(new Ava(Cn, "finance ecole ca"))), false),
        new("RFC 4518 §2.2 soft hyphen mapped to nothing", Name(Rdn(new Ava(Cn, "Exam\u00ADple CA"))), Name(Rdn(new Ava(Cn, "Example CA"))), true),
        new("multi-valued RDN in another order", Name(Rdn(new Ava(O, "Example Org"), new Ava(Cn, "Multi CA"))), Name(Rdn(new Ava(Cn, "multi ca"), new Ava(O, "EXAMPLE ORG"))), true),
        new("a different word is a different name", Reference, Variant("DE", "Example Org", "Example Issuing CB"), false),
        new("a space inside a word is significant", Reference, Variant("DE", "Example Org", "Example Issu ing CA"), false),
        new("RDNs in another order are a different name", Reference, Name(Rdn(new Ava(O, "Example Org")), Rdn(new Ava(C, "DE", UniversalTagNumber.PrintableString)), Rdn(new Ava(Cn, "Example Issuing CA"))), false),
        new("an attribute of another type is a different name", Reference, Name(Rdn(new Ava(C, "DE", UniversalTagNumber.PrintableString)), Rdn(new Ava("2.5.4.11", "Example Org")), Rdn(new Ava(Cn, "Example Issuing CA"))), false),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Intermediate_chains_when_the_names_are_the_same_under_section_7_1(Case c)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootName = Name(Rdn(new Ava(Cn, "Name Test Root " + c.Name.Length)));
        var root = Make(rootName, rootName, rootKey, rootKey, ca: true);
        var ca = Make(c.CaSubject, rootName, caKey, rootKey, ca: true);
        var leaf = Make(Name(Rdn(new Ava(Cn, "name-leaf"))), c.IssuerInChild, leafKey, caKey, ca: false);

        var result = new ChainValidator([root]).Validate(leaf, [ca], TestPki.At());

        if (c.SameName)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.Equal(3, result.Chain.Count);
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.Equal(ChainStatus.PartialChain, result.Errors[0].Status);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trust_anchor_is_found_by_the_canonical_name(Case c)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var root = Make(c.CaSubject, c.CaSubject, rootKey, rootKey, ca: true);
        var leaf = Make(Name(Rdn(new Ava(Cn, "anchor-leaf"))), c.IssuerInChild, leafKey, rootKey, ca: false);

        var result = new ChainValidator([root]).Validate(leaf, [], TestPki.At());

        Assert.Equal(c.SameName, result.IsValid);
    }

    [Fact]
    public void A_key_rollover_certificate_with_a_differently_encoded_name_is_self_issued()
    {
        // §6.1.4 (l): a self-issued intermediate does not count toward pathLenConstraint, whatever the name's encoding.
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var oldKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootName = Name(Rdn(new Ava(Cn, "Rollover Root")));
        var root = Make(rootName, rootName, rootKey, rootKey, ca: true, pathLength: 1);
        var oldCa = Make(Reference, rootName, oldKey, rootKey, ca: true, pathLength: 0);
        var newWithOld = Make(Variant("DE", "EXAMPLE ORG", "example issuing ca"), Reference, newKey, oldKey, ca: true, pathLength: 0);
        var leaf = Make(Name(Rdn(new Ava(Cn, "rollover-leaf"))), Reference, leafKey, newKey, ca: false);

        var result = new ChainValidator([root]).Validate(leaf, [oldCa, newWithOld], TestPki.At());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(4, result.Chain.Count);
    }

    [Theory]
    [InlineData("example org", true)]
    [InlineData("  EXAMPLE   ORG ", true)]
    [InlineData("Other Org", false)]
    public void DirectoryName_constraints_compare_under_section_7_1(string organization, bool permitted)
    {
        // §4.2.1.10: the permitted subtree O=Example Org (PrintableString) against the leaf's subject.
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootName = Name(Rdn(new Ava(Cn, "Dir Constraint Root")));
        var subtree = Name(Rdn(new Ava(O, "Example Org", UniversalTagNumber.PrintableString)));
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
        using (w.PushSequence())
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, true)))
        {
            w.WriteEncodedValue(subtree);
        }

        using var intKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var root = Make(rootName, rootName, rootKey, rootKey, ca: true);
        var intName = Name(Rdn(new Ava(Cn, "Dir Constrained CA")));
        var ca = Make(intName, rootName, intKey, rootKey, ca: true, extra: new X509Extension("2.5.29.30", w.Encode(), critical: true));
        var leaf = Make(Name(Rdn(new Ava(O, organization)), Rdn(new Ava(Cn, "dir-leaf"))), intName, leafKey, intKey, ca: false);

        var result = new ChainValidator([root]).Validate(leaf, [ca], TestPki.At());

        Assert.True(permitted == result.IsValid, string.Join("\n", result.Errors));
        if (!permitted)
        {
            Assert.Equal(ChainStatus.HasNotPermittedNameConstraint, result.Errors[0].Status);
        }
    }

    private static Certificate Make(byte[] subject, byte[] issuer, ECDsa key, ECDsa signer, bool ca, int? pathLength = null, X509Extension? extra = null)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, pathLength.HasValue, pathLength ?? 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, critical: true));
        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(ski);
        var signerSki = new X509SubjectKeyIdentifierExtension(new PublicKey(signer), critical: false);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(signerSki));
        if (extra is not null)
        {
            request.CertificateExtensions.Add(extra);
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var cert = request.Create(new X500DistinguishedName(issuer), X509SignatureGenerator.CreateForECDsa(signer), TestPki.Now.AddDays(-10), TestPki.Now.AddDays(100), serial);
        return Certificate.Parse(cert.RawData);
    }
}
