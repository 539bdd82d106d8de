using System.Formats.Asn1;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Est.Server;

namespace IoTCerts.Est.Tests;

/// <summary>
/// RFC 7030 section 3.5 proof-of-possession linking: on TLS 1.2 the CSR's challengePassword must hold the connection's
/// tls-unique value when the server asks for it; TLS 1.3 has none (and .NET 10 no exporter), so it is either not linked
/// or refused, as configured.
/// </summary>
public sealed class ChannelBindingTests
{
    [Fact]
    public async Task On_TLS_1_2_the_CSR_must_carry_this_connection_s_tls_unique()
    {
        await using var server = await StartAsync(EstProofOfPossession.TlsUniqueWhenAvailable);

        var linked = await EnrollOverAsync(server, SslProtocols.Tls12, unique => Convert.ToBase64String(unique!));
        var missing = await EnrollOverAsync(server, SslProtocols.Tls12, _ => null);
        var otherSession = await EnrollOverAsync(server, SslProtocols.Tls12, unique => Convert.ToBase64String(unique!.Select(b => (byte)~b).ToArray()));

        Assert.StartsWith("HTTP/1.1 200", linked, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", missing, StringComparison.Ordinal);
        Assert.Contains("tls-unique", missing, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", otherSession, StringComparison.Ordinal);
        Assert.Contains("does not match", otherSession, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_TLS_1_3_a_request_is_not_linked_or_refused_as_configured()
    {
        await using var lenient = await StartAsync(EstProofOfPossession.TlsUniqueWhenAvailable);
        await using var strict = await StartAsync(EstProofOfPossession.TlsUniqueRequired);

        var notLinked = await EnrollOverAsync(lenient, SslProtocols.Tls13, _ => null);
        var refused = await EnrollOverAsync(strict, SslProtocols.Tls13, _ => null);

        Assert.StartsWith("HTTP/1.1 200", notLinked, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", refused, StringComparison.Ordinal);
        Assert.Contains("TLS 1.2", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csrattrs_asks_for_challengePassword_when_linking_is_on()
    {
        await using var server = await StartAsync(EstProofOfPossession.TlsUniqueWhenAvailable);

        var attributes = await server.CreateClient().GetCsrAttributesAsync();

        Assert.True(attributes.RequestsChallengePassword);
    }

    private static Task<EstTestServer> StartAsync(EstProofOfPossession mode) =>
        EstTestServer.StartAsync(options =>
        {
            options.Authorizers.Add(EstAuthorization.Basic((user, password) => user == "pop" && password == "pop-pass"));
            options.ProofOfPossession = mode;
        });

    /// <summary>Enrolls over one TLS connection of <paramref name="protocol"/>, with the challengePassword made from its tls-unique.</summary>
    private static async Task<string> EnrollOverAsync(EstTestServer server, SslProtocols protocol, Func<byte[]?, string?> challenge)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Address.Host, server.Address.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol });
        Assert.Equal(protocol, tls.SslProtocol);
        var unique = TlsUnique(tls);
        if (protocol == SslProtocols.Tls12)
        {
            // RFC 5929 section 3.1: the verify_data of the first Finished message, 12 bytes in TLS 1.2 (16 base64 characters).
            Assert.Equal(12, unique!.Length);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pop-device-" + Guid.NewGuid().ToString("N")[..8], key, HashAlgorithmName.SHA256);
        if (challenge(unique) is { } password)
        {
            var value = new AsnWriter(AsnEncodingRules.DER);
            value.WriteCharacterString(UniversalTagNumber.UTF8String, password);
            request.OtherRequestAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.7", value.Encode()));
        }

        var body = Encoding.ASCII.GetBytes(Convert.ToBase64String(request.CreateSigningRequest()));
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes("pop:pop-pass"));
        await tls.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /.well-known/est/simpleenroll HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {credentials}\r\nContent-Type: application/pkcs10\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await tls.WriteAsync(body);
        await tls.FlushAsync();
        using var reader = new StreamReader(tls, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static byte[]? TlsUnique(SslStream tls)
    {
        using var binding = tls.TransportContext?.GetChannelBinding(ChannelBindingKind.Unique);
        if (binding is null || binding.IsInvalid || binding.Size <= 0)
        {
            return null;
        }

        // SEC_CHANNEL_BINDINGS: cbApplicationDataLength at byte 24, dwApplicationDataOffset at 28; the data is
        // "tls-unique:" followed by the Finished verify_data.
        var bytes = new byte[binding.Size];
        System.Runtime.InteropServices.Marshal.Copy(binding.DangerousGetHandle(), bytes, 0, bytes.Length);
        var length = BitConverter.ToInt32(bytes, 24);
        var offset = BitConverter.ToInt32(bytes, 28);
        var data = bytes.AsSpan(offset, length);
        var prefix = Encoding.ASCII.GetBytes("tls-unique:");
        Assert.True(data.StartsWith(prefix));
        return data[prefix.Length..].ToArray();
    }
}
