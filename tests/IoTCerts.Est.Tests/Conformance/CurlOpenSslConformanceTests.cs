using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>
/// RFC 7030 / RFC 8951 conformance of <c>iotcerts est serve</c> (a separate process) as seen by a client made of curl
/// and openssl only, like the plain-shell EST clients of issue 18: no IoTCerts code on the client side. Every answer is
/// checked on the wire (HTTP/1.1): status, Content-Type, Content-Transfer-Encoding, Content-Length equal to the body,
/// never chunked.
/// </summary>
[Trait("Category", "Conformance")]
public sealed class CurlOpenSslConformanceTests(EstConformanceFixture fixture) : IClassFixture<EstConformanceFixture>
{
    private const string Pkcs10 = "application/pkcs10";

    [Fact]
    public void Cacerts_answers_a_base64_certs_only_with_the_CA()
    {
        var answer = Curl("cacerts");

        answer.AssertFramed(200, "application/pkcs7-mime");
        Assert.Equal("base64", answer.Header("content-transfer-encoding"));
        var subjects = CertificateSubjects(answer);
        Assert.Contains(subjects, s => s.Contains("Conformance EST CA", StringComparison.Ordinal));
    }

    [Fact]
    public void Csrattrs_without_attributes_is_204_with_an_empty_framed_body()
    {
        var answer = Curl("csrattrs");

        Assert.Equal(204, answer.Status);
        Assert.Empty(answer.Body);
        Assert.Null(answer.Header("transfer-encoding"));
    }

    [Fact]
    public void Simpleenroll_with_a_bootstrap_certificate_under_an_intermediate_returns_only_the_issued_certificate()
    {
        var csr = NewCsr("ec", "enroll-1");

        var answer = Curl("simpleenroll", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(200, "application/pkcs7-mime");
        Assert.Contains("smime-type=certs-only", answer.Header("content-type"), StringComparison.Ordinal);
        Assert.Equal("base64", answer.Header("content-transfer-encoding"));
        var subject = Assert.Single(CertificateSubjects(answer));
        Assert.Contains("CN=enroll-1", subject.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Simplereenroll_with_the_issued_certificate_returns_only_the_new_certificate()
    {
        var csr = NewCsr("ec", "reenroll-1");
        var enrolled = Curl("simpleenroll", [.. BootstrapChain(), .. PostCsr(csr)]);
        enrolled.AssertFramed(200, "application/pkcs7-mime");
        File.WriteAllText(fixture.File("reenroll-1.pem"), WriteCertificatePem(enrolled));

        var renewal = Curl("simplereenroll", ["--cert", fixture.File("reenroll-1.pem"), "--key", fixture.File("reenroll-1.key"), .. PostCsr(csr)]);

        renewal.AssertFramed(200, "application/pkcs7-mime");
        Assert.Contains("smime-type=certs-only", renewal.Header("content-type"), StringComparison.Ordinal);
        Assert.Single(CertificateSubjects(renewal));
        Assert.NotEqual(Serial(fixture.File("reenroll-1.pem")), Serial(WriteFile("reenroll-2.pem", WriteCertificatePem(renewal))));
    }

    [Fact]
    public void Serverkeygen_returns_a_framed_multipart_with_a_pkcs8_key_and_one_certificate()
    {
        var csr = NewCsr("ec", "keygen-1");

        var answer = Curl("serverkeygen", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(200, "multipart/mixed");
        var boundary = answer.Header("content-type")!.Split("boundary=")[1].Trim('"', ' ');
        var parts = answer.Text.Split("--" + boundary, StringSplitOptions.None).Where(p => p.Contains("Content-Type", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Equal(2, parts.Count);
        var keyPart = Assert.Single(parts, p => p.Contains("application/pkcs8", StringComparison.OrdinalIgnoreCase));
        var certPart = Assert.Single(parts, p => p.Contains("application/pkcs7-mime", StringComparison.OrdinalIgnoreCase));
        File.WriteAllBytes(fixture.File("keygen-1.key.der"), Convert.FromBase64String(PartBody(keyPart)));
        Assert.Contains("ASN1 OID: prime256v1", fixture.Ssl("pkey", "-inform", "DER", "-in", "keygen-1.key.der", "-noout", "-text"), StringComparison.Ordinal);
        File.WriteAllBytes(fixture.File("keygen-1.p7"), Convert.FromBase64String(PartBody(certPart)));
        Assert.Single(SubjectLines(fixture.Ssl("pkcs7", "-inform", "DER", "-in", "keygen-1.p7", "-print_certs", "-noout")));
    }

    [Fact]
    public void An_unauthenticated_garbage_body_is_401_before_anything_is_parsed()
    {
        File.WriteAllText(fixture.File("garbage.b64"), "this is not a certification request \u0001\u0002");

        var answer = Curl("simpleenroll", ["-H", "Content-Type: " + Pkcs10, "--data-binary", "@garbage.b64"]);

        answer.AssertFramed(401, "text/plain");
        Assert.Contains("Basic", answer.Header("www-authenticate"), StringComparison.Ordinal);
        Assert.DoesNotContain("base64", answer.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Wrong_Basic_credentials_are_401_and_right_ones_enroll()
    {
        var csr = NewCsr("ec", "basic-1");

        var wrong = Curl("simpleenroll", ["-u", "basic-device:wrong", .. PostCsr(csr)]);
        var right = Curl("simpleenroll", ["-u", "basic-device:conformance-secret", .. PostCsr(csr)]);

        wrong.AssertFramed(401, "text/plain");
        right.AssertFramed(200, "application/pkcs7-mime");
        Assert.Single(CertificateSubjects(right));
    }

    [Fact]
    public void A_bootstrap_certificate_sent_without_its_intermediate_is_401()
    {
        var csr = NewCsr("ec", "no-intermediate");

        var answer = Curl("simpleenroll", ["--cert", fixture.File("bootstrap-leaf.pem"), "--key", fixture.File("bootstrap.key"), .. PostCsr(csr)]);

        answer.AssertFramed(401, "text/plain");
    }

    [Fact]
    public void Reenroll_with_a_certificate_this_CA_did_not_issue_is_403()
    {
        var csr = NewCsr("ec", "bootstrap conformance");

        var answer = Curl("simplereenroll", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(403, "text/plain");
    }

    [Fact]
    public void A_GET_on_an_enrollment_operation_is_405()
    {
        var answer = Curl("simpleenroll", BootstrapChain());

        Assert.Equal(405, answer.Status);
        Assert.Null(answer.Header("transfer-encoding"));
    }

    [Fact]
    public void A_body_over_the_limit_is_413()
    {
        File.WriteAllText(fixture.File("huge.b64"), new string('A', 100_000));

        var answer = Curl("simpleenroll", [.. BootstrapChain(), "-H", "Content-Type: " + Pkcs10, "--data-binary", "@huge.b64"]);

        answer.AssertFramed(413, "text/plain");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    public void A_valid_CSR_with_another_Content_Type_is_415(string contentType)
    {
        var csr = NewCsr("ec", "media-" + contentType.Replace('/', '-'));

        var answer = Curl("simpleenroll", [.. BootstrapChain(), "-H", "Content-Type: " + contentType, "--data-binary", "@" + csr]);

        answer.AssertFramed(415, "text/plain");
        Assert.Contains(Pkcs10, answer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ec-sha1", "SHA-1 signature")]
    [InlineData("secp256k1", "secp256k1")]
    [InlineData("rsa1024", "weak key")]
    [InlineData("ec-tampered", "bad signature")]
    public void A_refused_CSR_is_400_with_its_reason(string kind, string reason)
    {
        var csr = NewCsr(kind, "refused-" + kind);

        var answer = Curl("simpleenroll", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(400, "text/plain");
        Assert.Contains(reason, answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_RFC_7030_A3_example_request_is_refused_for_its_SHA1_signature()
    {
        var vector = RepoPaths.EstVector("rfc7030-A.3-simpleenroll-request.b64");

        var answer = Curl("simpleenroll", [.. BootstrapChain(), "-H", "Content-Type: " + Pkcs10, "--data-binary", "@" + vector]);

        answer.AssertFramed(400, "text/plain");
        Assert.Contains("SHA-1 signature", answer.Text, StringComparison.Ordinal);
    }

    // Issue 19: the interim 400 for Ed25519 (issue 9) flips; the server verifies the CSR through IoTCerts.BouncyCastle.
    [Fact]
    public void An_Ed25519_CSR_made_by_openssl_is_verified_and_enrolled()
    {
        var csr = NewCsr("ed25519", "ed25519-1");

        var answer = Curl("simpleenroll", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(200, "application/pkcs7-mime");
        Assert.Equal("subject=CN = ed25519-1", Assert.Single(CertificateSubjects(answer)));
        var pem = fixture.File("ed25519-1.issued.pem");
        File.WriteAllText(pem, WriteCertificatePem(answer));
        Assert.Contains("Public Key Algorithm: ED25519", fixture.Ssl("x509", "-in", pem, "-noout", "-text"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_RSA_PSS_CSR_is_verified_and_enrolled()
    {
        var csr = NewCsr("rsa-pss", "pss-1");

        var answer = Curl("simpleenroll", [.. BootstrapChain(), .. PostCsr(csr)]);

        answer.AssertFramed(200, "application/pkcs7-mime");
        Assert.Single(CertificateSubjects(answer));
    }

    private string[] BootstrapChain() => ["--cert", fixture.File("bootstrap-chain.pem"), "--key", fixture.File("bootstrap.key")];

    private static string[] PostCsr(string csrFile) => ["-H", "Content-Type: " + Pkcs10, "--data-binary", "@" + csrFile];

    /// <summary>A base64 DER CSR made by openssl for CN=<paramref name="name"/>; its key is in <c>name.key</c>.</summary>
    private string NewCsr(string kind, string name)
    {
        var key = name + ".key";
        var der = name + ".csr.der";
        string[] sign = [];
        switch (kind)
        {
            case "ec" or "ec-sha1" or "ec-tampered":
                fixture.Ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
                sign = kind == "ec-sha1" ? ["-sha1"] : ["-sha256"];
                break;
            case "secp256k1":
                fixture.Ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", key);
                sign = ["-sha256"];
                break;
            case "ed25519":
                fixture.Ssl("genpkey", "-algorithm", "ED25519", "-out", key);
                break;
            case "rsa1024":
                fixture.Ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", key);
                sign = ["-sha256"];
                break;
            case "rsa-pss":
                fixture.Ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
                sign = ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }

        fixture.Ssl(["req", "-new", "-key", key, "-subj", "/CN=" + name, "-outform", "DER", "-out", der, .. sign]);
        var bytes = File.ReadAllBytes(fixture.File(der));
        if (kind == "ec-tampered")
        {
            bytes[^5] ^= 0x01;
        }

        return WriteFile(name + ".csr.b64", Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n");
    }

    private string WriteFile(string name, string text)
    {
        File.WriteAllText(fixture.File(name), text);
        return fixture.File(name);
    }

    private CurlAnswer Curl(string operation, params string[] arguments)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var headers = fixture.File($"headers-{id}.txt");
        var body = fixture.File($"body-{id}.bin");
        var result = ShellTool.Run(fixture.WorkingDirectory, "curl",
        [
            "-sS", "--http1.1", "--max-time", "60", "--cacert", fixture.CaCertificate, "-D", headers, "-o", body, "-w", "%{http_code}",
            .. arguments, $"{fixture.Url}/.well-known/est/{operation}",
        ]);
        Assert.True(result.ExitCode == 0, $"curl {operation}: {result}\nserver: {fixture.ServerOutput}");
        return new CurlAnswer(int.Parse(result.Out.Trim(), System.Globalization.CultureInfo.InvariantCulture), ParseHeaders(File.ReadAllLines(headers)), File.Exists(body) ? File.ReadAllBytes(body) : []);
    }

    private static Dictionary<string, string> ParseHeaders(string[] lines)
    {
        // The last response's block (curl may print an interim one): reset at each status line.
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            if (line.StartsWith("HTTP/", StringComparison.Ordinal))
            {
                headers.Clear();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return headers;
    }

    /// <summary>The subjects openssl prints for the certs-only body of <paramref name="answer"/>.</summary>
    private List<string> CertificateSubjects(CurlAnswer answer)
    {
        var p7 = fixture.File("answer-" + Guid.NewGuid().ToString("N")[..8] + ".p7");
        File.WriteAllBytes(p7, Convert.FromBase64String(answer.Text));
        return SubjectLines(fixture.Ssl("pkcs7", "-inform", "DER", "-in", p7, "-print_certs", "-noout"));
    }

    private string WriteCertificatePem(CurlAnswer answer)
    {
        var p7 = fixture.File("answer-" + Guid.NewGuid().ToString("N")[..8] + ".p7");
        File.WriteAllBytes(p7, Convert.FromBase64String(answer.Text));
        return fixture.Ssl("pkcs7", "-inform", "DER", "-in", p7, "-print_certs");
    }

    private string Serial(string pemFile) => fixture.Ssl("x509", "-in", pemFile, "-noout", "-serial").Trim();

    private static List<string> SubjectLines(string printed) =>
        printed.Split('\n').Where(l => l.StartsWith("subject=", StringComparison.Ordinal)).ToList();

    private static string PartBody(string part)
    {
        var blank = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return part[(blank + 4)..].Trim();
    }

    private sealed record CurlAnswer(int Status, Dictionary<string, string> Headers, byte[] Body)
    {
        public string Text => Encoding.ASCII.GetString(Body);

        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        /// <summary>The status, the media type, and the framing RFC 7230 gives a body of known length.</summary>
        public void AssertFramed(int status, string mediaType)
        {
            Assert.True(status == Status, $"expected {status}, got {Status}: {Text}");
            Assert.StartsWith(mediaType, Header("content-type") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            Assert.Null(Header("transfer-encoding"));
            Assert.Equal(Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header("content-length"));
        }
    }
}
