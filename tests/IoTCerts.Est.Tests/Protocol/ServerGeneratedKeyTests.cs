using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Issue 18, client tolerance: an encrypted server-generated key (RFC 7030 section 4.4.2, CMS EnvelopedData for a key
/// the client supplies) is decrypted, and base64 bodies with trailing NUL bytes and whitespace are read.
/// </summary>
public sealed class ServerGeneratedKeyTests
{
    private const string AsymmetricKeyPackage = "2.16.840.1.101.2.1.2.78.5";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_EnvelopedData_key_for_the_client_s_RSA_key_is_decrypted(bool signedInside)
    {
        using var recipientKey = RSA.Create(2048);
        var recipient = SelfSigned("CN=keygen decryption", recipientKey);
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var device = TestPki.CreateLeaf(TestPki.CreateRoot("Keygen CA"), "CN=keygen-device", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), deviceKey);
        var package = new AsnWriter(AsnEncodingRules.DER);
        using (package.PushSequence())
        {
            package.WriteEncodedValue(deviceKey.ExportPkcs8PrivateKey());
        }

        var content = new ContentInfo(new Oid(AsymmetricKeyPackage), package.Encode());
        if (signedInside)
        {
            var signed = new SignedCms(content);
            signed.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, recipient));
            content = new ContentInfo(new Oid("1.2.840.113549.1.7.2"), signed.Encode());
        }

        var enveloped = new EnvelopedCms(content);
        enveloped.Encrypt(new CmsRecipient(X509CertificateLoader.LoadCertificate(recipient.RawData), RSAEncryptionPadding.OaepSHA256));
        var body = MultipartMixed.Write("kg", [
            ("application/pkcs7-mime; smime-type=server-generated-key", EstBody.EncodeBase64(enveloped.Encode())),
            ("application/pkcs7-mime; smime-type=certs-only", EstBody.EncodeBase64(CertsOnlyCodec.Write([X509CertificateLoader.LoadCertificate(device.RawData)]))),
        ]);
        var handler = new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, body, "multipart/mixed; boundary=kg"));

        var result = await ScriptedHandler.Client(handler, o => o.ServerKeyDecryptionCertificate = recipient).ServerKeyGenAsync(new byte[] { 0x30, 0x00 });
        var withoutKey = await Assert.ThrowsAsync<EstException>(() => ScriptedHandler.Client(handler).ServerKeyGenAsync(new byte[] { 0x30, 0x00 }));

        Assert.Equal(deviceKey.ExportPkcs8PrivateKey(), result.PrivateKeyPkcs8);
        Assert.Equal(device.RawData, result.Certificate!.RawData);
        Assert.Contains("ServerKeyDecryptionCertificate", withoutKey.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_encrypted_for_someone_else_is_an_invalid_response_not_a_crash()
    {
        using var ours = RSA.Create(2048);
        using var theirs = RSA.Create(2048);
        using var deviceKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var enveloped = new EnvelopedCms(new ContentInfo(deviceKey.ExportPkcs8PrivateKey()));
        enveloped.Encrypt(new CmsRecipient(SelfSigned("CN=someone else", theirs)));
        var body = MultipartMixed.Write("kg", [
            ("application/pkcs7-mime; smime-type=server-generated-key", EstBody.EncodeBase64(enveloped.Encode())),
            ("application/pkcs7-mime; smime-type=certs-only", EstBody.EncodeBase64(CertsOnlyCodec.Write([TestPki.CreateRoot("x")]))),
        ]);
        var handler = new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, body, "multipart/mixed; boundary=kg"));

        var refused = await Assert.ThrowsAsync<EstException>(() =>
            ScriptedHandler.Client(handler, o => o.ServerKeyDecryptionCertificate = SelfSigned("CN=ours", ours)).ServerKeyGenAsync(new byte[] { 0x30, 0x00 }));

        Assert.Equal(EstErrorCode.InvalidResponse, refused.Code);
    }

    [Theory]
    [InlineData("\0")]
    [InlineData("\0\0\0")]
    [InlineData("\r\n\0")]
    [InlineData(" \t\r\n")]
    public async Task Trailing_NULs_and_whitespace_after_a_base64_body_are_tolerated(string tail)
    {
        var root = TestPki.CreateRoot("NUL CA");
        var body = EstBody.EncodeBase64(CertsOnlyCodec.Write([root])) + tail;
        var handler = new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, body, "application/pkcs7-mime"));

        var certificates = await ScriptedHandler.Client(handler).GetCaCertificatesAsync();

        Assert.Equal(root.RawData, Assert.Single(certificates).RawData);
    }

    [Fact]
    public void A_NUL_inside_the_base64_is_still_refused()
    {
        Assert.Throws<FormatException>(() => EstBody.DecodeBase64("TUlJ\0QkFE"));
    }

    private static X509Certificate2 SelfSigned(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
