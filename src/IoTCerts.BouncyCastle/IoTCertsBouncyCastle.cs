using IoTCerts.Core;
using IoTCerts.Issuance;
using Microsoft.Extensions.DependencyInjection;

namespace IoTCerts.BouncyCastle;

/// <summary>
/// Plugs BouncyCastle.Cryptography into IoTCerts where .NET on OpenSSL 3.0 falls short: Ed25519/Ed448 signature
/// verification (chains, CRLs, CSRs) and signing, and Java JKS keystores read by <see cref="MaterialLoader"/> and written
/// through <see cref="KeystoreFormats"/>. RSA and ECDSA stay on System.Security.Cryptography (faster).
/// </summary>
public static class IoTCertsBouncyCastle
{
    /// <summary>
    /// Registers the EdDSA verifier and signer and the JKS reader and writer. Explicit and reflection-free (NativeAOT
    /// and trimming keep exactly what is registered); safe to call more than once and from several threads.
    /// </summary>
    public static void Register()
    {
        CryptoExtensions.Register(new EdDsaVerifier());
        CryptoExtensions.Register(new JksReader());
        KeystoreFormats.Register(new JksWriter());
    }

    /// <summary>Registers the package (see <see cref="Register"/>) as part of building a service collection.</summary>
    /// <returns>The same <paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddIoTCertsBouncyCastle(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Register();
        return services;
    }
}
