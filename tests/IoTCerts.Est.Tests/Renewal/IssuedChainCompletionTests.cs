using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Tests;

/// <summary>
/// RFC 7030 servers answer an enrollment with the issued certificate alone. The renewal engine stores what the device
/// later presents over TLS, so it completes the chain with the intermediates of /cacerts along the validated path.
/// </summary>
public sealed class IssuedChainCompletionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static X509Certificate2 Ca(string name, ECDsa key, X509Certificate2? issuer, ECDsa? issuerKey)
    {
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(Now.AddDays(-1), Now.AddYears(5));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey!), Now.AddDays(-1), Now.AddYears(4), [1, 2, 3]);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }

    [Fact]
    public void A_leaf_only_answer_gets_its_intermediate_from_cacerts_and_never_the_root()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issuingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = Ca("CN=Completion Root", rootKey, null, null);
        using var issuing = Ca("CN=Completion Issuing CA", issuingKey, root, rootKey);
        var request = new CertificateRequest("CN=device-1", deviceKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuing, true, false));
        using var leaf = X509CertificateLoader.LoadCertificate(request.Create(issuing.SubjectName, X509SignatureGenerator.CreateForECDsa(issuingKey), Now.AddHours(-1), Now.AddDays(90), [4, 5, 6]).RawData);

        var (selected, chain, problem) = IssuedCertificateCheck.Select([leaf], deviceKey, [root, issuing], Now);

        Assert.Null(problem);
        Assert.Equal(leaf.Thumbprint, selected!.Thumbprint);
        Assert.Equal([leaf.Thumbprint, issuing.Thumbprint], chain.Select(c => c.Thumbprint));

        // An answer that carries its chain keeps exactly what the server sent.
        var (_, sent, sentProblem) = IssuedCertificateCheck.Select([leaf, issuing, root], deviceKey, [root], Now);
        Assert.Null(sentProblem);
        Assert.Equal([leaf.Thumbprint, issuing.Thumbprint], sent.Select(c => c.Thumbprint));

        // With the root alone in /cacerts a leaf-only answer cannot chain: it is discarded, as before.
        var (_, _, missing) = IssuedCertificateCheck.Select([leaf], deviceKey, [root], Now);
        Assert.NotNull(missing);
    }
}
