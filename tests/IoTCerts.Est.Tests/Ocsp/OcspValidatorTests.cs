using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Ocsp.Server;
using IoTCerts.Revocation.Online;
using Microsoft.AspNetCore.Builder;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using BcExtension = Org.BouncyCastle.Asn1.X509.X509Extension;

namespace IoTCerts.Est.Tests.Ocsp;

/// <summary>
/// Core's ChainValidator with OCSP (RFC 6960): OcspClient against a live MapOcsp responder backed by a CA directory
/// (good, revoked with reason, unknown, pre-signed reuse, out-of-date answers) and against hostile responders (another
/// CA's signature, a replayed nonce), with each fallback policy.
/// </summary>
public sealed class OcspValidatorTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly HttpClient _http = new(CrlFetcher.CreateHandler());
    private CertificateAuthority _ca = null!;
    private Certificate _anchor = null!;

    public Task InitializeAsync()
    {
        _ca = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(_temp.File("ca")), new CaOptions { Subject = "CN=OCSP Test CA", KeyAlgorithm = KeyAlgorithm.EcP256 });
        _anchor = Certificate.FromX509Certificate2(_ca.Certificate);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        _ca.Dispose();
        _temp.Dispose();
        return Task.CompletedTask;
    }

    private Certificate Device(string name)
    {
        var (issued, key) = _ca.IssueWithNewKey("CN=" + name, CertificateProfile.Device());
        key.Dispose();
        return Certificate.FromX509Certificate2(issued.Certificate);
    }

    private OcspClient Client(Uri url, bool nonce = true, OcspRequestMethod method = OcspRequestMethod.Auto) =>
        new(_http, new OcspClientOptions { ResponderOverride = url, RequestMethod = method, UseNonce = nonce });

    private ChainValidator Validator(IOcspSource source, OcspFallback fallback = OcspFallback.FailClosed, CrlRevocationChecker? crl = null) =>
        new([_anchor], ChainPolicy.Default, new OcspRevocationChecker(source, fallback, crl));

    private static string Describe(ChainValidationResult result) => string.Join("\n", result.Errors.Select(e => $"{e.Status}: {e.Message}"));

    [Fact]
    public async Task A_good_certificate_validates_and_turns_revoked_with_its_reason_after_revocation()
    {
        var responder = new OcspResponder(_ca, new OcspResponderOptions { IndexRefreshInterval = TimeSpan.Zero });
        await using var host = await OcspTestHost.StartAsync(app => app.MapOcsp("/", responder));
        var device = Device("ocsp-good");

        var good = await Validator(Client(host.Url)).ValidateAsync(device, null, new ValidationContext());
        Assert.True(good.IsValid, Describe(good));

        // The answer is pre-signed: a second client gets the same signed bytes without a new signature.
        var again = await Client(host.Url, nonce: false, method: OcspRequestMethod.Post).FetchAsync(device, _anchor);
        Assert.Equal(OcspCertificateStatus.Good, again.Status);
        Assert.Equal(1, responder.SignatureCount);

        _ca.Revoke(device.SerialNumberHex, X509RevocationReason.KeyCompromise);
        var revoked = await Validator(Client(host.Url)).ValidateAsync(device, null, new ValidationContext());

        Assert.False(revoked.IsValid);
        var error = Assert.Single(revoked.Errors);
        Assert.Equal(ChainStatus.Revoked, error.Status);
        Assert.Contains("keyCompromise", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, responder.SignatureCount);
    }

    [Fact]
    public async Task A_certificate_the_CA_never_recorded_is_unknown_and_no_fallback_accepts_it()
    {
        var responder = new OcspResponder(_ca);
        await using var host = await OcspTestHost.StartAsync(app => app.MapOcsp("/", responder));
        // Signed with the CA key but not in its database (a forged or lost certificate).
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=not-recorded", key, HashAlgorithmName.SHA256);
        using var unrecorded = request.Create(_ca.Certificate.SubjectName, _ca.Key.CreateSignatureGenerator(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [0x42, 0x42, 0x42, 0x42]);
        var device = Certificate.FromX509Certificate2(unrecorded);

        var result = await Validator(Client(host.Url), OcspFallback.SoftFail).ValidateAsync(device, null, new ValidationContext());

        Assert.False(result.IsValid);
        Assert.Equal(ChainStatus.RevocationStatusUnknown, Assert.Single(result.Errors).Status);
        Assert.Contains("does not know", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_past_its_nextUpdate_is_refused_when_fetched_and_when_validating_later()
    {
        // A responder whose clock is three hours behind: its one-hour answers are out of date on arrival.
        var behind = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-3));
        var stale = new OcspResponder(_ca, new OcspResponderOptions { ResponseValidity = TimeSpan.FromHours(1) }, behind);
        await using var staleHost = await OcspTestHost.StartAsync(app => app.MapOcsp("/", stale));
        var device = Device("ocsp-stale");

        var refused = await Validator(Client(staleHost.Url)).ValidateAsync(device, null, new ValidationContext());
        Assert.Equal(ChainStatus.RevocationStatusUnknown, Assert.Single(refused.Errors).Status);
        Assert.Contains("out of date", refused.Errors[0].Message, StringComparison.Ordinal);

        // A fresh answer, then a validation two hours later than its nextUpdate (plus skew) allows.
        var fresh = new OcspResponder(_ca, new OcspResponderOptions { ResponseValidity = TimeSpan.FromHours(1) });
        await using var freshHost = await OcspTestHost.StartAsync(app => app.MapOcsp("/", fresh));
        var validator = Validator(Client(freshHost.Url));
        Assert.True((await validator.ValidateAsync(device, null, new ValidationContext())).IsValid);
        var later = validator.Validate(device, null, new ValidationContext { ValidationTime = DateTimeOffset.UtcNow.AddHours(3) });
        Assert.Equal(ChainStatus.RevocationStatusUnknown, Assert.Single(later.Errors).Status);
        Assert.Contains("out of date", later.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_responder_signing_with_another_CA_key_is_refused_and_each_fallback_decides()
    {
        using var otherTemp = new TempDirectory();
        using var impostor = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(otherTemp.File("ca")), new CaOptions { Subject = "CN=OCSP Test CA", KeyAlgorithm = KeyAlgorithm.EcP256 });
        var wrong = new OcspResponder(impostor);
        await using var host = await OcspTestHost.StartAsync(app => app.MapOcsp("/", wrong));
        var device = Device("ocsp-wrong-responder");

        var closed = await Validator(Client(host.Url)).ValidateAsync(device, null, new ValidationContext());
        Assert.Equal(ChainStatus.RevocationStatusUnknown, Assert.Single(closed.Errors).Status);
        Assert.Contains("signature verifies neither", closed.Errors[0].Message, StringComparison.Ordinal);

        var soft = await Validator(Client(host.Url), OcspFallback.SoftFail).ValidateAsync(device, null, new ValidationContext());
        Assert.True(soft.IsValid, Describe(soft));

        // CRL fallback: the real CA's CRL decides (the device is on it).
        _ca.Revoke(device.SerialNumberHex, X509RevocationReason.Superseded);
        var crl = CertificateRevocationList.Parse(_ca.PublishCrl().Der);
        var withCrl = await Validator(Client(host.Url), OcspFallback.Crl, new CrlRevocationChecker(RevocationPolicy.Offline, [crl])).ValidateAsync(device, null, new ValidationContext());
        Assert.Equal(ChainStatus.Revoked, Assert.Single(withCrl.Errors).Status);
    }

    [Fact]
    public void A_delegated_responder_certificate_without_OCSPSigning_is_refused()
    {
        var (issued, key) = _ca.IssueWithNewKey("CN=not a responder", CertificateProfile.Device());
        using (key)
        {
            var error = Assert.Throws<ArgumentException>(() => new OcspResponder(_ca, issued.Certificate, key));
            Assert.Contains("id-kp-OCSPSigning", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_response_with_another_nonce_is_refused_and_the_same_response_with_the_right_nonce_is_accepted()
    {
        var device = Device("ocsp-nonce");
        var caKey = PrivateKeyFactory.CreateKey(((ECDsa)_ca.Key.Key).ExportPkcs8PrivateKey());
        var caBc = new BcCertificate(_ca.Certificate.RawData);
        byte[] Answer(byte[] requestDer, bool echo)
        {
            var request = new OcspReq(requestDer);
            var nonce = echo
                ? request.GetExtensionValue(OcspObjectIdentifiers.PkixOcspNonce).GetOctets()
                : new DerOctetString(RandomNumberGenerator.GetBytes(32)).GetEncoded();
            var generator = new BasicOcspRespGenerator(new RespID(caBc.SubjectDN));
            generator.AddResponse(request.GetRequestList()[0].GetCertID(), Org.BouncyCastle.Ocsp.CertificateStatus.Good, DateTime.UtcNow, DateTime.UtcNow.AddHours(1), null);
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, BcExtension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new BcExtension(false, new DerOctetString(nonce)),
            }));
            var basic = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", caKey), null, DateTime.UtcNow);
            return new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
        }

        await using var replaying = await OcspTestHost.StartRawAsync(body => Answer(body, echo: false));
        await using var echoing = await OcspTestHost.StartRawAsync(body => Answer(body, echo: true));
        var mismatch = await Validator(Client(replaying.Url, method: OcspRequestMethod.Post)).ValidateAsync(device, null, new ValidationContext());
        Assert.Equal(ChainStatus.RevocationStatusUnknown, Assert.Single(mismatch.Errors).Status);
        Assert.Contains("nonce does not match", mismatch.Errors[0].Message, StringComparison.Ordinal);

        var matched = await Validator(Client(echoing.Url, method: OcspRequestMethod.Post)).ValidateAsync(device, null, new ValidationContext());
        Assert.True(matched.IsValid, Describe(matched));
    }
}
