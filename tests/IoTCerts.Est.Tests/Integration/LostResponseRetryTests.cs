using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Est.Server;
using IoTCerts.Issuance;

namespace IoTCerts.Est.Tests;

/// <summary>
/// Issue 18: a device whose enrollment answer was lost (it hung up before reading it) retries the same CSR and gets the
/// certificate already issued, not a commonName clash from the CA's unique-name rule.
/// </summary>
public sealed class LostResponseRetryTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly X509Certificate2 _bootstrapRoot = TestPki.CreateRoot("Retry Bootstrap CA");
    private X509Certificate2 _bootstrap = null!;
    private CertificateAuthority _authority = null!;
    private EstTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _bootstrap = TestPki.CreateLeaf(_bootstrapRoot, "CN=bootstrap retry-device", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _authority = CertificateAuthority.CreateRoot(new DirectoryCaDatabase(_temp.File("ca")), new CaOptions { Subject = "CN=Retry CA", KeyAlgorithm = KeyAlgorithm.EcP256 });
        _server = await EstTestServer.StartAsync(new CertificateAuthorityIssuer(_authority), TestPki.CreateRoot("Retry TLS Root"), options =>
            options.Authorizers.Add(EstAuthorization.ClientCertificate([_bootstrapRoot])));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _authority.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task The_retry_of_a_lost_answer_gets_the_same_certificate_and_no_commonName_clash()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=retry-device"));

        var issuedWhileAway = await SendAndHangUpAsync(csr);
        var retried = (await _server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(csr)).Certificate!;

        // Serials compare as numbers: one side may keep a leading zero nibble (openssl's even-length form), the other not.
        Assert.Equal(issuedWhileAway.Single().SerialNumber.TrimStart('0'), retried.SerialNumber.TrimStart('0'), ignoreCase: true);
        Assert.Single(_authority.Database.ReadRecords());

        // The same name with another CSR is still a clash: the replay is keyed by the exact request, not the name.
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clash = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient(o => o.ClientCertificate = _bootstrap)
            .EnrollAsync(EnrollmentRequest.Create(otherKey, new X500DistinguishedName("CN=retry-device"))));
        Assert.Equal(HttpStatusCode.BadRequest, clash.Status);
    }

    [Fact]
    public async Task Another_client_sending_the_same_CSR_is_not_answered_from_the_cache()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = EnrollmentRequest.Create(key, new X500DistinguishedName("CN=replay-other-client"));
        var first = (await _server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(csr)).Certificate!;
        var otherBootstrap = TestPki.CreateLeaf(_bootstrapRoot, "CN=bootstrap other", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var replayedToSameClient = (await _server.CreateClient(o => o.ClientCertificate = _bootstrap).EnrollAsync(csr)).Certificate!;
        var other = await Assert.ThrowsAsync<EstException>(() => _server.CreateClient(o => o.ClientCertificate = otherBootstrap).EnrollAsync(csr));

        Assert.Equal(first.RawData, replayedToSameClient.RawData);
        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Contains("commonName", other.ServerText, StringComparison.Ordinal);
    }

    /// <summary>Sends the enrollment over mutual TLS and, once the CA has recorded it, hangs up without reading the answer.</summary>
    private async Task<IReadOnlyList<CertificateRecord>> SendAndHangUpAsync(byte[] csr)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.Address.Host, _server.Address.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [_bootstrap],
        });
        var body = Encoding.ASCII.GetBytes(Convert.ToBase64String(csr));
        var head = Encoding.ASCII.GetBytes(
            $"POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/pkcs10\r\nContent-Length: {body.Length}\r\n\r\n");
        await tls.WriteAsync(head);
        await tls.WriteAsync(body);
        await tls.FlushAsync();
        return await WaitForRecordsAsync(1);
    }

    private async Task<IReadOnlyList<CertificateRecord>> WaitForRecordsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var records = _authority.Database.ReadRecords();
            if (records.Count >= count || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(50);
        }
    }
}
