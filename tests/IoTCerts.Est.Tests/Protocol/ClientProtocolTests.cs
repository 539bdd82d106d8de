using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>EstClient protocol handling against scripted responses (est-notes interop rules).</summary>
public sealed class ClientProtocolTests
{
    private static readonly byte[] Csr = EnrollmentRequest.Create(ECDsa.Create(), new X500DistinguishedName("CN=device"));

    [Theory]
    [InlineData("https://est.test", null, "/.well-known/est/cacerts")]
    [InlineData("https://est.test/", null, "/.well-known/est/cacerts")]
    [InlineData("https://est.test/base/", "tenant-a", "/base/.well-known/est/tenant-a/cacerts")]
    [InlineData("https://est.test/base", "tenant-a", "/base/.well-known/est/tenant-a/cacerts")]
    public void UrisWorkWithAndWithoutTrailingSlash(string server, string? label, string path) =>
        Assert.Equal(path, EstClient.BuildUri(new Uri(server), label, "cacerts").AbsolutePath);

    [Theory]
    [InlineData("application/pkcs7-mime", true)]
    [InlineData("application/pkcs7-mime; smime-type=certs-only", true)]
    [InlineData("Application/PKCS7-MIME;smime-type=CMC-response", true)]
    [InlineData("application/pkcs7", false)]
    [InlineData(null, false)]
    public void MediaTypesMatchWithoutParameters(string? contentType, bool matches) =>
        Assert.Equal(matches, EstMediaTypes.Matches(contentType, EstMediaTypes.Pkcs7Mime));

    [Fact]
    public void Base64ToleratesWhitespaceAnywhere()
    {
        var der = RandomNumberGenerator.GetBytes(300);
        var base64 = Convert.ToBase64String(der);
        var noisy = new StringBuilder();
        for (var i = 0; i < base64.Length; i++)
        {
            noisy.Append(base64[i]).Append(" \t\r\n"[i % 4]);
        }

        Assert.Equal(der, EstBody.DecodeBase64(noisy.ToString()));
    }

    [Fact]
    public async Task PemBodyIsAccepted()
    {
        var ca = TestPki.CreateRoot("pem body");
        var pem = PemEncoding.WriteString("PKCS7", CertsOnlyCodec.Write([ca]));
        var client = ScriptedHandler.Client(new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, pem, "application/pkcs7-mime")));

        var certificates = await client.GetCaCertificatesAsync();

        Assert.Equal(ca.RawData, Assert.Single(certificates).RawData);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Created)]
    public async Task EnrollAccepts200And201AndSendsBase64Pkcs10(HttpStatusCode status)
    {
        var ca = TestPki.CreateRoot("status");
        var handler = new ScriptedHandler(_ =>
        {
            var response = ScriptedHandler.CertsOnly(ca);
            response.StatusCode = status;
            return response;
        });

        var result = await ScriptedHandler.Client(handler, o => o.Label = "lbl").EnrollAsync(Csr);

        Assert.False(result.IsPending);
        Assert.Equal("/.well-known/est/lbl/simpleenroll", handler.Requests[0].RequestUri!.AbsolutePath);
        Assert.Equal("application/pkcs10", handler.Requests[0].Content!.Headers.ContentType!.MediaType);
        Assert.Equal(Csr, Convert.FromBase64String(handler.Bodies[0]!.Replace("\r\n", string.Empty, StringComparison.Ordinal)));
        Assert.All(handler.Bodies[0]!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), line => Assert.True(line.Length <= 64));
    }

    [Fact]
    public async Task ErrorsCarryStatusAndServerText()
    {
        var client = ScriptedHandler.Client(new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.BadRequest, "subject not allowed\r\n")));

        var error = await Assert.ThrowsAsync<EstException>(() => client.EnrollAsync(Csr));

        Assert.Equal(EstErrorCode.ServerError, error.Code);
        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal("subject not allowed", error.ServerText);
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task PendingIsRetriedWithRetryAfterSecondsAndDatesThenSucceeds()
    {
        var ca = TestPki.CreateRoot("pending");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var calls = 0;
        var handler = new ScriptedHandler(_ => ++calls switch
        {
            1 => ScriptedHandler.Text(HttpStatusCode.Accepted, string.Empty, retryAfter: "3"),
            2 => ScriptedHandler.Text(HttpStatusCode.Accepted, string.Empty, retryAfter: clock.GetUtcNow().AddSeconds(5).ToString("r")),
            _ => ScriptedHandler.CertsOnly(ca),
        });
        var client = ScriptedHandler.Client(handler, o =>
        {
            o.MaxPendingWait = TimeSpan.FromMinutes(1);
            o.TimeProvider = clock;
        });

        var task = client.EnrollAsync(Csr);
        while (!task.IsCompleted)
        {
            await Task.Delay(5);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var result = await task;
        Assert.False(result.IsPending);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(handler.Bodies[0], handler.Bodies[2]);
    }

    [Fact]
    public async Task PendingForeverIsCappedAndSurfacedAsPending()
    {
        for (var run = 0; run < 20; run++)
        {
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var handler = new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.Accepted, "waiting", retryAfter: "10"));
            var client = ScriptedHandler.Client(handler, o =>
            {
                o.MaxPendingWait = TimeSpan.FromSeconds(35);
                o.TimeProvider = clock;
            });

            var task = client.ReenrollAsync(Csr);
            while (!task.IsCompleted)
            {
                await Task.Delay(1);
                clock.Advance(TimeSpan.FromSeconds(5));
            }

            var result = await task;
            Assert.True(result.IsPending);
            Assert.Equal(TimeSpan.FromSeconds(10), result.RetryAfter);
            Assert.Equal(4, handler.Requests.Count); // 0 s, 10 s, 20 s, 30 s; the next wait would pass 35 s.
        }
    }

    [Fact]
    public async Task CsrAttributesNoneFor204And404()
    {
        foreach (var status in new[] { HttpStatusCode.NoContent, HttpStatusCode.NotFound })
        {
            var client = ScriptedHandler.Client(new ScriptedHandler(_ => ScriptedHandler.Text(status, string.Empty)));
            Assert.Empty((await client.GetCsrAttributesAsync()).Entries);
        }
    }

    [Fact]
    public async Task OversizedResponsesAreRefused()
    {
        var client = ScriptedHandler.Client(new ScriptedHandler(_ => ScriptedHandler.Text(HttpStatusCode.OK, new string('A', 5000), "application/pkcs7-mime")), o => o.MaxResponseBytes = 4096);

        var error = await Assert.ThrowsAsync<EstException>(() => client.GetCaCertificatesAsync());

        Assert.Equal(EstErrorCode.ResponseTooLarge, error.Code);
    }

    [Fact]
    public async Task BasicIsSentAfterChallengeOrPreemptively()
    {
        var ca = TestPki.CreateRoot("basic");
        var handler = new ScriptedHandler(request =>
        {
            if (request.Headers.Authorization is null)
            {
                var challenge = ScriptedHandler.Text(HttpStatusCode.Unauthorized, "who are you");
                challenge.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"est\"");
                return challenge;
            }

            return ScriptedHandler.CertsOnly(ca);
        });
        var client = ScriptedHandler.Client(handler, o =>
        {
            o.UserName = "device";
            o.Password = "s3cret";
        });

        await client.EnrollAsync(Csr);
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("device:s3cret")), handler.Requests[1].Headers.Authorization!.ToString());

        handler.Requests.Clear();
        var preemptive = ScriptedHandler.Client(handler, o =>
        {
            o.UserName = "device";
            o.Password = "s3cret";
            o.PreemptiveBasicAuthentication = true;
        });
        await preemptive.EnrollAsync(Csr);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public void OptionsCollectEveryProblemAndNeverAcceptAnything()
    {
        var options = new EstClientOptions { Server = new Uri("http://est.test"), Label = "a/b", UserName = "x" };

        var error = Assert.Throws<EstException>(options.Validate);

        Assert.Equal(EstErrorCode.InvalidConfiguration, error.Code);
        Assert.Contains("https", error.Message, StringComparison.Ordinal);
        Assert.Contains("Label", error.Message, StringComparison.Ordinal);
        Assert.Contains("TrustAnchors", error.Message, StringComparison.Ordinal);
        Assert.Contains("Password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultipartRoundTripsAndIgnoresTransferEncoding()
    {
        var key = RandomNumberGenerator.GetBytes(100);
        var body = MultipartMixed.Write("b0undary", [("application/pkcs8", EstBody.EncodeBase64(key)), ("application/pkcs7-mime; smime-type=certs-only", "QUJD\r\n")]);

        var parts = MultipartMixed.Read(body, "b0undary");

        Assert.Equal(2, parts.Count);
        Assert.Equal(key, EstBody.DecodeBase64(parts[0].Body));
        Assert.Equal("b0undary", MultipartMixed.GetBoundary("multipart/mixed; boundary=\"b0undary\""));
    }
}
