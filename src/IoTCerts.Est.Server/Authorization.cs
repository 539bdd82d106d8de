using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;

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
    /// <summary>
    /// A TLS client certificate that chains to one of <paramref name="bootstrapAnchors"/> and is valid now, checked by
    /// Core's <see cref="ChainValidator"/> (purpose clientAuth). The path may go through the intermediates the client
    /// sent in the TLS handshake (manufacturer bootstrap certificates nearly always sit under one) or through
    /// <paramref name="intermediates"/>.
    /// </summary>
    public static IEstAuthorizer ClientCertificate(X509Certificate2Collection bootstrapAnchors, X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrapAnchors);
        return ClientCertificate(
            new ChainValidator(bootstrapAnchors.Select(Certificate.FromX509Certificate2).ToArray()),
            (intermediates ?? []).Select(Certificate.FromX509Certificate2).ToArray());
    }

    /// <summary>
    /// A TLS client certificate that <paramref name="validator"/> accepts for clientAuth at the request's time, with the
    /// intermediates the client sent and <paramref name="intermediates"/> as candidates: the validator's anchors are the
    /// bootstrap CAs, its policy and revocation checker those the operator configured.
    /// </summary>
    public static IEstAuthorizer ClientCertificate(ChainValidator validator, IEnumerable<Certificate>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(validator);
        return new ClientCertificateAuthorizer(validator, (intermediates ?? []).ToArray());
    }

    /// <summary>HTTP Basic credentials accepted by <paramref name="validate"/> (user name, password).</summary>
    public static IEstAuthorizer Basic(Func<string, string, bool> validate) => new BasicAuthorizer(validate);

    /// <summary>One-time passwords: the Basic password is consumed on first use.</summary>
    public static IEstAuthorizer OneTimePasswords(OneTimePasswordStore store) => new BasicAuthorizer(store.TryConsume);

    /// <summary>Validates a TLS client certificate; a refusal is the most specific chain error, with its code.</summary>
    internal static ChainValidationResult Validate(ChainValidator validator, X509Certificate2 certificate, IEnumerable<Certificate> intermediates, DateTimeOffset now) =>
        validator.Validate(Certificate.FromX509Certificate2(certificate), intermediates.ToArray(), new ValidationContext { ValidationTime = now, Purpose = CertificatePurpose.ClientAuth });

    /// <summary>One line for the log: the chain's first (most specific) error.</summary>
    internal static string Describe(ChainValidationResult result) =>
        result.Errors.Count == 0 ? "valid" : $"{result.Errors[0].Code}: {result.Errors[0].Message}";

    private sealed class ClientCertificateAuthorizer(ChainValidator validator, Certificate[] intermediates) : IEstAuthorizer
    {
        public ValueTask<bool> AuthorizeAsync(EstRequestContext context, CancellationToken cancellationToken)
        {
            if (context.ClientCertificate is not { } certificate)
            {
                return ValueTask.FromResult(false);
            }

            var result = Validate(validator, certificate, [.. context.PresentedIntermediates, .. intermediates], context.Now);
            if (!result.IsValid)
            {
                context.AddRefusalReason($"the client certificate '{certificate.Subject}' is not a valid bootstrap certificate ({Describe(result)})");
            }

            return ValueTask.FromResult(result.IsValid);
        }
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
