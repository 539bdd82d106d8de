using IoTCerts.Core.Tests.Model;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>
/// The validator reads an end entity from raw views and recorded offsets (no names, keys, algorithm objects or OID
/// text on the warm path). On every certificate of the test corpus and of x509-limbo, those raw readings must agree
/// with what the decoded model says.
/// </summary>
public sealed class WarmPathFactsTests
{
    private static readonly Lazy<List<Certificate>> s_corpus = new(() =>
    [
        .. TestCertificates.All.Select(c => Certificate.Parse(c.Der)),
        .. CertificateDifferentialTests.LimboCertificates()
            .Select(c => Certificate.TryParse(c.Der, out var certificate, out _) ? certificate : null)
            .OfType<Certificate>(),
    ]);

    [Fact]
    public void RawReadingsAgreeWithTheDecodedModel()
    {
        var corpus = s_corpus.Value;
        Assert.True(corpus.Count > 500, $"only {corpus.Count} certificates");
        foreach (var certificate in corpus)
        {
            var what = certificate.Sha256Thumbprint;
            Assert.Equal(SignatureAlgorithmFacts.From(certificate.SignatureAlgorithm), SignatureAlgorithmFacts.From(certificate));
            Assert.Equal(PublicKeyFacts.From(certificate.PublicKey), PublicKeyFacts.From(certificate.PublicKeyRaw.Span));
            Assert.True(certificate.Issuer.IsEmpty == certificate.IssuerIsEmpty, what);
            Assert.True(certificate.Subject.IsEmpty == certificate.SubjectIsEmpty, what);
            Assert.True(certificate.Issuer.RawData.Span.SequenceEqual(certificate.IssuerRaw.Span), what);
            Assert.True(certificate.Subject.RawData.Span.SequenceEqual(certificate.SubjectRaw.Span), what);
            Assert.True(certificate.PublicKey.RawData.Span.SequenceEqual(certificate.PublicKeyRaw.Span), what);

            var facts = CertificateFacts.Read(certificate);
            var aki = certificate.AuthorityKeyIdentifier;
            Assert.True(aki is null == facts.Extensions.AuthorityKeyId is null, what);
            if (aki is not null)
            {
                var raw = facts.Extensions.AuthorityKeyId!.Value;
                Assert.True(aki.KeyIdentifier is null == raw.KeyId is null, what);
                Assert.True(aki.KeyIdentifier is null || aki.KeyIdentifier.Value.Span.SequenceEqual(raw.KeyId!.Value.Span), what);
                Assert.True((aki.AuthorityCertIssuer.Count > 0 || aki.AuthorityCertSerialNumber is not null) == raw.HasIssuerAndSerial, what);
            }

            var ekus = certificate.ExtendedKeyUsages;
            Assert.True(ekus is null == !facts.Extensions.HasExtendedKeyUsage, what);
            if (ekus is not null)
            {
                foreach (var (purpose, oid) in new[] { (CertificatePurpose.ServerAuth, ExtendedKeyUsageOids.ServerAuth), (CertificatePurpose.ClientAuth, ExtendedKeyUsageOids.ClientAuth) })
                {
                    bool? expected = ekus.Count == 0 ? null : ekus.Contains(oid) || ekus.Contains(ExtendedKeyUsageOids.AnyExtendedKeyUsage);
                    Assert.True(expected == CertificateRules.AllowsPurpose(facts.Extensions.ExtendedKeyUsageValue, purpose), what);
                }
            }

            var unknownCritical = facts.Extensions.UnknownCritical ?? [];
            Assert.Equal(certificate.Extensions.Where(e => e.Critical && unknownCritical.Contains(e.Oid)).Select(e => e.Oid), unknownCritical);
        }
    }

    [Fact]
    public void TheSameSubjectAndKeyIsFoundByBytesAsByHashes()
    {
        var corpus = s_corpus.Value.Take(400).Select(CertificateFacts.Read).ToList();
        var copies = corpus.Select(f => CertificateFacts.Read(Certificate.Parse(f.Certificate.RawData.ToArray()))).ToList();
        for (var i = 0; i < corpus.Count; i++)
        {
            Assert.True(corpus[i].IsSameSubjectAndKey(copies[i]));
            var j = (i * 7 + 3) % corpus.Count;
            var byHashes = Sha256Key.Of(corpus[i].Subject.Span) == Sha256Key.Of(corpus[j].Subject.Span) && corpus[i].SpkiHash == corpus[j].SpkiHash;
            Assert.Equal(byHashes, corpus[i].IsSameSubjectAndKey(corpus[j]));
        }
    }
}
