using System.Formats.Asn1;
using System.Security.Cryptography.Pkcs;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>The RFC 7030 Appendix A vectors in shared/conformance/est parse to exactly what its README says, wrapped and unwrapped.</summary>
public sealed class Rfc7030VectorTests
{
    public static TheoryData<bool> Forms => new() { true, false };

    private static byte[] Body(string name, bool wrapped)
    {
        var text = File.ReadAllText(RepoPaths.EstVector(name));
        if (!wrapped)
        {
            text = new string(text.Where(c => c is not ('\r' or '\n' or ' ' or '\t')).ToArray());
        }

        return Encoding.ASCII.GetBytes(text);
    }

    private static X509Certificate2Collection CaCertificates(bool wrapped)
    {
        var blocks = EstBody.Decode(Body("rfc7030-A.1-cacerts-response.b64", wrapped));
        return CertsOnlyCodec.ReadCollection(Assert.Single(blocks).Der);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void CaCertificatesHoldTheFourRollOverCertificates(bool wrapped)
    {
        var certificates = CaCertificates(wrapped);

        Assert.Equal(4, certificates.Count);
        var byName = certificates.ToDictionary(c => c.GetNameInfo(X509NameType.SimpleName, false) + "|" + new BigInteger(c.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true).ToString("X"));
        var owo = certificates.Single(c => c.SerialNumber.TrimStart('0') == "9A58DE75193B7A9C");
        var nwn = certificates.Single(c => c.SerialNumber.TrimStart('0') == "E9AE9DC39A33B211");
        Assert.Equal(owo.SubjectName.RawData, owo.IssuerName.RawData);
        Assert.Equal(nwn.SubjectName.RawData, nwn.IssuerName.RawData);
        Assert.Contains(certificates.Cast<X509Certificate2>(), c => c.SerialNumber.TrimStart('0') == "1");
        Assert.Contains(certificates.Cast<X509Certificate2>(), c => c.SerialNumber.TrimStart('0') == "2");
        Assert.All(certificates.Cast<X509Certificate2>(), c => Assert.Contains("estExampleCA", c.Subject, StringComparison.Ordinal));
        Assert.Equal(new DateTime(2014, 5, 9), certificates.Cast<X509Certificate2>().Max(c => c.NotAfter.ToUniversalTime()).Date);
        Assert.Equal(4, byName.Count);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void CsrAttributesExampleA2HoldsSixEntries(bool wrapped)
    {
        var attributes = CsrAttributes.Parse(EstBody.DecodeBase64(Encoding.ASCII.GetString(Body("rfc7030-A.2-csrattrs-response.b64", wrapped))));

        Assert.Equal(
            ["1.3.6.1.1.1.1.22", "2.999.1", "1.2.840.113549.1.9.7", "2.999.2", "1.3.36.3.3.2.8.1.1.11", "2.16.840.1.101.3.4.2.2"],
            attributes.Entries.Select(e => e.Oid).ToArray());
        Assert.Equal([false, true, false, true, false, false], attributes.Entries.Select(e => e.IsAttribute).ToArray());
        Assert.Single(attributes.Entries[1].Values);
        Assert.Equal(0x13, attributes.Entries[1].Values[0].Span[0]); // PrintableString
        Assert.Equal(3, attributes.Entries[3].Values.Count);
        Assert.True(attributes.RequestsChallengePassword);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void CsrAttributesExample452HoldsFourEntries(bool wrapped)
    {
        var attributes = CsrAttributes.Parse(EstBody.DecodeBase64(Encoding.ASCII.GetString(Body("rfc7030-4.5.2-csrattrs-example.b64", wrapped))));

        Assert.Equal(
            ["1.2.840.113549.1.9.7", "1.2.840.10045.2.1", "1.2.840.113549.1.9.14", "1.2.840.10045.4.3.3"],
            attributes.Entries.Select(e => e.Oid).ToArray());
        Assert.Equal("06052B81040022", Convert.ToHexString(attributes.Entries[1].Values[0].Span)); // secp384r1
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void EnrollRequestAndResponseMatchAndChainToNewWithNew(bool wrapped)
    {
        var csrDer = EstBody.DecodeBase64(Encoding.ASCII.GetString(Body("rfc7030-A.3-simpleenroll-request.b64", wrapped)));
        var request = CertificateRequest.LoadSigningRequest(csrDer, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation);
        Assert.Equal("CN=demostep4 1368141352", request.SubjectName.Name);
        Assert.Equal("1.2.840.113549.1.1.1", request.PublicKey.Oid.Value);

        var issued = CertsOnlyCodec.ReadCollection(Assert.Single(EstBody.Decode(Body("rfc7030-A.3-simpleenroll-response.b64", wrapped))).Der);
        var certificate = Assert.Single(issued);
        Assert.Equal("15", certificate.SerialNumber.TrimStart('0'));
        Assert.Equal(request.PublicKey.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        var nwn = CaCertificates(wrapped).Single(c => c.SerialNumber.TrimStart('0') == "E9AE9DC39A33B211");
        Assert.Equal("CN=estExampleCA NwN", certificate.Issuer);

        // The 2013 example is signed with SHA-1, which the default policy refuses; allow it for the vector only.
        var legacy = new IoTCerts.Core.ChainPolicy { Algorithms = new IoTCerts.Core.AlgorithmPolicy { MinimumSignatureHash = IoTCerts.Core.SignatureHashStrength.Sha1 } };
        var at = new DateTimeOffset(2013, 5, 10, 0, 0, 0, TimeSpan.Zero);
        Assert.Null(IssuedCertificateCheck.ChainProblem(certificate, [], [nwn], at, legacy));
        Assert.NotNull(IssuedCertificateCheck.ChainProblem(certificate, [], [nwn], at));
        var owo = CaCertificates(wrapped).Single(c => c.SerialNumber.TrimStart('0') == "9A58DE75193B7A9C");
        Assert.NotNull(IssuedCertificateCheck.ChainProblem(certificate, [], [owo], at, legacy));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task ClientReadsVectorBodiesWithParametersAndContentTransferEncoding(bool wrapped)
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, Encoding.ASCII.GetString(Body("rfc7030-A.1-cacerts-response.b64", wrapped)), "application/pkcs7-mime; smime-type=certs-only", contentTransferEncoding: "7bit"));
        var client = ScriptedHandler.Client(handler);

        var certificates = await client.GetCaCertificatesAsync();

        Assert.Equal(4, certificates.Count);
        Assert.Equal("/.well-known/est/cacerts", handler.Requests.Single().RequestUri!.AbsolutePath);
    }

    [Fact]
    public void CertsOnlyWithEmptyEContentIsAccepted()
    {
        var certificate = TestPki.CreateRoot("eContent test");
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.7.2");
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                {
                }

                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    {
                        writer.WriteOctetString([]);
                    }
                }

                using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    writer.WriteEncodedValue(certificate.RawData);
                }

                using (writer.PushSetOf())
                {
                }
            }
        }

        var certificates = CertsOnlyCodec.ReadCertificates(writer.Encode());

        Assert.Equal(certificate.RawData, Assert.Single(certificates));
    }

    [Fact]
    public void OpenSslCertsOnlyIsAcceptedAndOurEncodingReadsBackInSignedCms()
    {
        using var temp = new TempDirectory();
        var certificate = TestPki.CreateRoot("openssl p7");
        TestPki.WritePem(temp.File("c.pem"), certificate);
        var run = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("openssl", ["crl2pkcs7", "-nocrl", "-certfile", temp.File("c.pem"), "-outform", "DER", "-out", temp.File("c.p7b")]) { RedirectStandardError = true })!;
        run.WaitForExit();
        Assert.Equal(0, run.ExitCode);

        Assert.Equal(certificate.RawData, Assert.Single(CertsOnlyCodec.ReadCertificates(File.ReadAllBytes(temp.File("c.p7b")))));
        var cms = new SignedCms();
        cms.Decode(CertsOnlyCodec.Write([certificate]));
        Assert.Equal(certificate.RawData, Assert.Single(cms.Certificates).RawData);
    }
}
