using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Mqtt;

public sealed partial class MqttClientCredential
{
    /// <summary>
    /// Loads a credential whose private key stays in a PKCS#11 token: the certificate (and optionally its
    /// intermediates) from <paramref name="certificatePath"/>, more intermediates from <paramref name="chainPath"/>, and
    /// the key from the token named by <paramref name="keyUri"/>, for example
    /// <c>pkcs11:token=device;object=mqtt-key;type=private</c>. The TLS handshake signs in the token through OpenSSL's
    /// pkcs11 engine (see <see cref="Pkcs11Key"/>), so this works where .NET uses OpenSSL (Linux), not on Windows.
    /// </summary>
    /// <param name="certificatePath">The client certificate (PEM, DER, PKCS#7), first, optionally followed by intermediates.</param>
    /// <param name="keyUri">The RFC 7512 URI of the private key.</param>
    /// <param name="pin">The token's user PIN when <paramref name="keyUri"/> carries no <c>pin-value</c>; never printed.</param>
    /// <param name="chainPath">Optionally a file with more intermediate CA certificates.</param>
    /// <exception cref="MqttCredentialException">
    /// A certificate file cannot be read (<see cref="MqttCredentialError.FileUnreadable"/>, <see cref="MqttCredentialError.Malformed"/>),
    /// the token key cannot be opened (<see cref="MqttCredentialError.TokenKeyUnavailable"/>, with the
    /// <see cref="MaterialException"/> naming the cause, such as <c>wrong-pin</c>), or the key does not belong to the
    /// certificate (<see cref="MqttCredentialError.MissingPrivateKey"/>).
    /// </exception>
    public static MqttClientCredential FromPkcs11(string certificatePath, string keyUri, string? pin = null, string? chainPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyUri);
        List<X509Certificate2> certificates = LoadCertificates(certificatePath);
        if (chainPath is not null)
        {
            certificates.AddRange(LoadCertificates(chainPath));
        }

        AsymmetricAlgorithm key;
        try
        {
            key = Pkcs11Key.Open(keyUri, pin);
        }
        catch (MaterialException e)
        {
            throw new MqttCredentialException(MqttCredentialError.TokenKeyUnavailable, e.Message, e);
        }

        X509Certificate2 leaf = certificates[0];
        X509Certificate2 withKey;
        try
        {
            // The certificate keeps its own reference to the token key (an OpenSSL EVP_PKEY from the engine).
            withKey = key switch
            {
                ECDsa ec => leaf.CopyWithPrivateKey(ec),
                RSA rsa => leaf.CopyWithPrivateKey(rsa),
                _ => throw new CryptographicException("only RSA and ECDSA token keys can authenticate a TLS client"),
            };
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException)
        {
            throw new MqttCredentialException(
                MqttCredentialError.MissingPrivateKey,
                $"the token key '{Pkcs11Key.WithoutPin(keyUri)}' does not belong to the certificate in '{certificatePath}' ({leaf.Subject})",
                e);
        }
        finally
        {
            key.Dispose();
        }

        return new MqttClientCredential(withKey, certificates.Skip(1));
    }

    private static List<X509Certificate2> LoadCertificates(string path)
    {
        LoadedMaterial material;
        try
        {
            material = MaterialLoader.LoadFile(path, new LoadOptions { Limits = new MaterialLimits { MaxInputBytes = MaximumFileSize } });
        }
        catch (MaterialException e)
        {
            throw new MqttCredentialException(
                e.Code is MaterialErrorCode.FileNotFound or MaterialErrorCode.FileUnreadable ? MqttCredentialError.FileUnreadable : MqttCredentialError.Malformed,
                $"'{path}': {e.Message}",
                e);
        }

        return material.Certificates.Count == 0
            ? throw new MqttCredentialException(MqttCredentialError.Malformed, $"'{path}' holds no certificate")
            : [.. material.Certificates.Select(c => X509CertificateLoader.LoadCertificate(c.RawData.Span))];
    }
}
