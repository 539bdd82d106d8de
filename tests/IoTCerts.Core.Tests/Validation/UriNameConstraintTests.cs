using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// RFC 5280 §4.2.1.10 uniformResourceIdentifier name constraints: the constraint applies to the host part of the URI;
/// "host.example.com" is one host, ".example.com" every host below the domain (not the domain itself).
/// </summary>
public sealed class UriNameConstraintTests
{
    private static readonly TestCert Root = TestPki.Root("URI Constraint Root");

    private static byte[] Constraints(string[] permitted, string[] excluded)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (list, tag) in new[] { (permitted, 0), (excluded, 1) })
            {
                if (list.Length == 0)
                {
                    continue;
                }

                using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, tag, true)))
                {
                    foreach (var uri in list)
                    {
                        using (w.PushSequence())
                        {
                            w.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
                        }
                    }
                }
            }
        }

        return w.Encode();
    }

    public static readonly TheoryData<string, string[], string[], ChainStatus?> Cases = new()
    {
        // SAN URI, permitted, excluded, expected first error (null = valid)
        { "https://host.example.com/path", ["host.example.com"], [], null },
        { "https://HOST.Example.COM:8443/x?y", ["host.example.com"], [], null },
        { "mqtts://user@host.example.com:8883", ["host.example.com"], [], null },
        { "https://www.host.example.com/", ["host.example.com"], [], ChainStatus.HasNotPermittedNameConstraint },
        { "https://device.example.com/", [".example.com"], [], null },
        { "https://a.b.example.com/", [".example.com"], [], null },
        { "https://example.com/", [".example.com"], [], ChainStatus.HasNotPermittedNameConstraint },
        { "https://example.org/", [".example.com"], [], ChainStatus.HasNotPermittedNameConstraint },
        { "https://evilexample.com/", [".example.com"], [], ChainStatus.HasNotPermittedNameConstraint },
        { "https://bad.example.com/", [".example.com"], ["bad.example.com"], ChainStatus.HasExcludedNameConstraint },
        { "https://x.bad.example.com/", [], [".bad.example.com"], ChainStatus.HasExcludedNameConstraint },
        { "https://good.example.com/", [], [".bad.example.com"], null },
        { "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", [".example.com"], [], ChainStatus.HasNotSupportedNameConstraint },
        { "https://[2001:db8::1]/", [], [".example.com"], ChainStatus.HasNotSupportedNameConstraint },
        { "https://192.0.2.1/", [".example.com"], [], ChainStatus.HasNotSupportedNameConstraint },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Uri_constraint_permits_or_excludes_by_host(string uri, string[] permitted, string[] excluded, ChainStatus? expected)
    {
        var ca = Root.Issue("URI CA " + Guid.NewGuid().ToString("N")[..6], new CertSpec { Ca = true, NameConstraints = Constraints(permitted, excluded) });
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri, UriKind.Absolute));
        var leaf = ca.Issue("uri-leaf", new CertSpec { Ca = false, ExtraExtensions = [san.Build()] });

        var result = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [ca.Certificate], TestPki.At());

        if (expected is null)
        {
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
        }
        else
        {
            Assert.False(result.IsValid);
            Assert.True(expected == result.Errors[0].Status, string.Join("\n", result.Errors));
            Assert.Equal(0, result.Errors[0].CertificateIndex);
        }
    }

    [Fact]
    public void A_uri_constraint_that_is_not_a_host_or_domain_is_an_invalid_constraint()
    {
        var ca = Root.Issue("Bad URI CA", new CertSpec { Ca = true, NameConstraints = Constraints(["https://example.com/"], []) });
        var leaf = ca.Issue("uri-leaf", new CertSpec { Ca = false, Dns = ["leaf.example"] });

        var result = new ChainValidator([Root.Certificate]).Validate(leaf.Certificate, [ca.Certificate], TestPki.At());

        Assert.Equal(ChainStatus.InvalidNameConstraints, result.Errors[0].Status);
    }
}
