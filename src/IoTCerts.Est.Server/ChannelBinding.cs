using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using System.Text;
using IoTCerts.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http;

namespace IoTCerts.Est.Server;

/// <summary>How the EST server links a request's proof of possession to its TLS session (RFC 7030 section 3.5).</summary>
/// <remarks>
/// The link is the tls-unique channel binding (RFC 5929) in the CSR's challengePassword, which exists only up to TLS
/// 1.2: TLS 1.3 has no tls-unique, and .NET 10 offers no keying-material exporter for the tls-exporter binding of
/// RFC 9266, so a TLS 1.3 request cannot be linked.
/// </remarks>
public enum EstProofOfPossession
{
    /// <summary>No link is checked (the default).</summary>
    None = 0,

    /// <summary>On TLS 1.2 the challengePassword must hold the connection's tls-unique; TLS 1.3 requests are not linked.</summary>
    TlsUniqueWhenAvailable,

    /// <summary>Every enrollment must be linked: TLS 1.3 requests are refused (400) because they cannot be.</summary>
    TlsUniqueRequired,
}

/// <summary>Reads and checks the tls-unique link of RFC 7030 section 3.5.</summary>
internal static class ChannelBinding
{
    // The binding comes as a SEC_CHANNEL_BINDINGS structure (eight 32-bit fields) whose application data is the
    // RFC 5929 section 3.1 prefix "tls-unique:" and then the Finished message's verify_data.
    private const int HeaderSize = 32;
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("tls-unique:");

    /// <summary>The refusal text when <paramref name="request"/> is not linked as <paramref name="mode"/> demands, else null.</summary>
    public static string? Check(HttpContext http, CertificationRequest request, EstProofOfPossession mode)
    {
        if (mode == EstProofOfPossession.None)
        {
            return null;
        }

        var tls = http.Features.Get<ISslStreamFeature>()?.SslStream;
        var unique = tls is null ? null : TlsUnique(tls);
        if (unique is null)
        {
            return mode == EstProofOfPossession.TlsUniqueRequired
                ? "proof-of-possession: this server requires the tls-unique link of RFC 7030 section 3.5, which exists only on TLS 1.2; connect with TLS 1.2"
                : null;
        }

        var expected = Convert.ToBase64String(unique);
        return request.ChallengePassword switch
        {
            null => "proof-of-possession: the request's challengePassword must hold this TLS connection's tls-unique value in base64 (RFC 7030 section 3.5)",
            var password when password == expected => null,
            _ => "proof-of-possession: the request's challengePassword does not match this TLS connection's tls-unique value (the request was made for another session)",
        };
    }

    /// <summary>The connection's tls-unique bytes (the first Finished message), or null on TLS 1.3 or when unavailable.</summary>
    internal static byte[]? TlsUnique(SslStream tls)
    {
        if (tls.SslProtocol != SslProtocols.Tls12)
        {
            return null;
        }

        try
        {
            using var binding = tls.TransportContext?.GetChannelBinding(ChannelBindingKind.Unique);
            if (binding is null || binding.IsInvalid || binding.Size <= 0)
            {
                return null;
            }

            var bytes = new byte[binding.Size];
            Marshal.Copy(binding.DangerousGetHandle(), bytes, 0, bytes.Length);
            return ApplicationData(bytes);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The verify_data inside a SEC_CHANNEL_BINDINGS buffer, or null when it is not one.</summary>
    internal static byte[]? ApplicationData(byte[] bindings)
    {
        if (bindings.Length < HeaderSize)
        {
            return null;
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bindings.AsSpan(24));
        var offset = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bindings.AsSpan(28));
        if (offset < HeaderSize || length <= 0 || (long)offset + length > bindings.Length)
        {
            return null;
        }

        var data = bindings.AsSpan(offset, length);
        return (data.StartsWith(Prefix) ? data[Prefix.Length..] : data).ToArray();
    }
}
