using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IoTCerts.Est.Server;

/// <summary>Decides whether a client may enroll (simpleenroll, serverkeygen). Any authorizer saying yes is enough.</summary>
public interface IEstAuthorizer
{
    /// <summary>True when the request is authorized.</summary>
    ValueTask<bool> AuthorizeAsync(EstRequestContext context, CancellationToken cancellationToken);
}

/// <summary>The built-in authorizers: bootstrap client certificates, Basic credentials, one-time passwords.</summary>
public static class EstAuthorization
{
    /// <summary>A TLS client certificate that chains to one of <paramref name="bootstrapAnchors"/> and is valid now.</summary>
    public static IEstAuthorizer ClientCertificate(X509Certificate2Collection bootstrapAnchors, X509Certificate2Collection? intermediates = null) =>
        new ClientCertificateAuthorizer(new X509Certificate2Collection(bootstrapAnchors), new X509Certificate2Collection(intermediates ?? []));

    /// <summary>HTTP Basic credentials accepted by <paramref name="validate"/> (user name, password).</summary>
    public static IEstAuthorizer Basic(Func<string, string, bool> validate) => new BasicAuthorizer(validate);

    /// <summary>One-time passwords: the Basic password is consumed on first use.</summary>
    public static IEstAuthorizer OneTimePasswords(OneTimePasswordStore store) => new BasicAuthorizer(store.TryConsume);

    internal static bool Chains(X509Certificate2 certificate, X509Certificate2Collection anchors, X509Certificate2Collection intermediates, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(certificate);
    }

    private sealed class ClientCertificateAuthorizer(X509Certificate2Collection anchors, X509Certificate2Collection intermediates) : IEstAuthorizer
    {
        public ValueTask<bool> AuthorizeAsync(EstRequestContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(context.ClientCertificate is { } certificate && Chains(certificate, anchors, intermediates, context.Now));
    }

    private sealed class BasicAuthorizer(Func<string, string, bool> validate) : IEstAuthorizer
    {
        public ValueTask<bool> AuthorizeAsync(EstRequestContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(context.UserName is { } user && context.Password is { } password && validate(user, password));
    }
}

/// <summary>One-time enrollment passwords per user name, consumed on first successful use. Thread-safe; only hashes are kept.</summary>
public sealed class OneTimePasswordStore
{
    private readonly ConcurrentDictionary<string, byte[]> _hashes = new(StringComparer.Ordinal);

    /// <summary>Registers (or replaces) the one-time password of <paramref name="userName"/>.</summary>
    public void Add(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentException.ThrowIfNullOrEmpty(password);
        _hashes[userName] = Hash(userName, password);
    }

    /// <summary>True, and the password is removed, when it matches.</summary>
    public bool TryConsume(string userName, string password)
    {
        if (!_hashes.TryGetValue(userName, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, Hash(userName, password))
            && _hashes.TryRemove(new KeyValuePair<string, byte[]>(userName, expected));
    }

    private static byte[] Hash(string userName, string password) => SHA256.HashData(Encoding.UTF8.GetBytes(userName + "\0" + password));
}
