using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Tests;

/// <summary>A test HTTP handler answering each request with a scripted response (fault injection without a network).</summary>
internal sealed class ScriptedHandler(Func<HttpRequestMessage, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    public ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond)
        : this(request => Task.FromResult(respond(request)))
    {
    }

    public List<HttpRequestMessage> Requests { get; } = [];

    public List<string?> Bodies { get; } = [];

    public static readonly Uri Server = new("https://est.test:8443/");

    public static EstClientOptions Options(Action<EstClientOptions>? configure = null)
    {
        var options = new EstClientOptions { Server = Server, MaxPendingWait = TimeSpan.Zero };
        options.TrustAnchors.Add(TestPki.CreateRoot("unused anchor"));
        configure?.Invoke(options);
        return options;
    }

    public static EstClient Client(ScriptedHandler handler, Action<EstClientOptions>? configure = null) =>
        new(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, Options(configure));

    public static HttpResponseMessage Text(HttpStatusCode status, string body, string? contentType = "text/plain", string? contentTransferEncoding = null, string? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(Encoding.ASCII.GetBytes(body)) };
        if (contentType is not null)
        {
            response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (contentTransferEncoding is not null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Transfer-Encoding", contentTransferEncoding);
        }

        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        return response;
    }

    public static HttpResponseMessage CertsOnly(params X509Certificate2[] certificates) =>
        Text(HttpStatusCode.OK, EstBody.EncodeBase64(CertsOnlyCodec.Write(certificates)), "application/pkcs7-mime; smime-type=certs-only");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Bodies)
        {
            Bodies.Add(body);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await respond(request);
    }
}
