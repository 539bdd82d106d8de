using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Mqtt;

/// <summary>
/// The device's TLS client identity: its certificate with private key and the intermediate CA certificates sent with
/// it. The chain is sent in the handshake through <see cref="SslStreamCertificateContext"/>, because brokers that
/// trust only the root CA refuse a leaf sent alone. Immutable; replace it with
/// <see cref="MqttDeviceClient.UpdateCredentialAsync"/> to hot-swap.
/// </summary>
public sealed partial class MqttClientCredential
{
    private const long MaximumFileSize = 1024 * 1024;
    private readonly Lazy<SslStreamCertificateContext> _context;

    /// <summary>Creates a credential from a certificate that has its private key, and its intermediate CA certificates.</summary>
    /// <exception cref="MqttCredentialException">The certificate has no private key.</exception>
    public MqttClientCredential(X509Certificate2 certificate, IEnumerable<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new MqttCredentialException(
                MqttCredentialError.MissingPrivateKey,
                $"the client certificate ({certificate.Subject}) has no private key: give the key file too");
        }

        Certificate = certificate;
        X509Certificate2Collection chain = [];
        foreach (X509Certificate2 c in intermediates ?? [])
        {
            // A copy of the leaf adds nothing; SslStreamCertificateContext itself leaves out a trusted root.
            if (!c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                chain.Add(c);
            }
        }

        Intermediates = chain;
        _context = new Lazy<SslStreamCertificateContext>(
            () => SslStreamCertificateContext.Create(Certificate, Intermediates, offline: true),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The client (leaf) certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The intermediate CA certificates sent with the client certificate.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The context given to <see cref="SslStream"/> so that the chain is sent, built once.</summary>
    internal SslStreamCertificateContext CertificateContext => _context.Value;

    // The end of any PEM private-key BEGIN line: PKCS#8, encrypted PKCS#8, RSA and EC labels all end with it.
    private const string PrivateKeyLabelEnd = "PRIVATE KEY" + "-----";

    /// <summary>
    /// Loads a credential from PEM files: <paramref name="certificatePath"/> holds the client certificate first and
    /// optionally its intermediates; <paramref name="keyPath"/> the private key (PKCS#8, PKCS#1 or SEC1; encrypted
    /// PKCS#8 needs <paramref name="keyPassword"/>); <paramref name="chainPath"/> optionally more intermediates.
    /// </summary>
    /// <exception cref="MqttCredentialException">A file is missing, unreadable or malformed, or the key does not match.</exception>
    public static MqttClientCredential FromPemFiles(string certificatePath, string keyPath, string? chainPath = null, string? keyPassword = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        X509Certificate2Collection certificates = ReadCertificates(certificatePath);
        string keyPem = ReadText(keyPath);
        if (!keyPem.Contains(PrivateKeyLabelEnd, StringComparison.Ordinal))
        {
            throw new MqttCredentialException(MqttCredentialError.Malformed, $"'{keyPath}' holds no PEM private key");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = keyPassword is null
                ? X509Certificate2.CreateFromPem(certificates[0].ExportCertificatePem(), keyPem)
                : X509Certificate2.CreateFromEncryptedPem(certificates[0].ExportCertificatePem(), keyPem, keyPassword);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new MqttCredentialException(
                MqttCredentialError.MissingPrivateKey,
                $"the private key in '{keyPath}' cannot be read or does not match the certificate in '{certificatePath}' (wrong password, unsupported format, or another key)",
                e);
        }

        IEnumerable<X509Certificate2> chain = certificates.Skip(1);
        if (chainPath is not null)
        {
            chain = chain.Concat(ReadCertificates(chainPath));
        }

        return new MqttClientCredential(UsableKey(leaf), chain);
    }

    /// <summary>Loads a credential from a PKCS#12 (.p12/.pfx) file holding the client certificate, its key and optionally its chain.</summary>
    /// <exception cref="MqttCredentialException">The file is missing, unreadable, malformed, or the password is wrong.</exception>
    public static MqttClientCredential FromPkcs12File(string path, string? password)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data = ReadBytes(path);
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(data, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            throw new MqttCredentialException(MqttCredentialError.Malformed, $"'{path}' is not a PKCS#12 file or the password is wrong", e);
        }

        X509Certificate2? leaf = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new MqttCredentialException(MqttCredentialError.MissingPrivateKey, $"'{path}' holds no certificate with a private key");
        return new MqttClientCredential(leaf, all.Where(c => !ReferenceEquals(c, leaf)));
    }

    /// <summary>
    /// Loads a credential from a keystore in any format <see cref="MaterialLoader"/> reads: PKCS#12, or a Java JKS
    /// keystore once IoTCerts.BouncyCastle is registered (<c>IoTCertsBouncyCastle.Register()</c>). The keystore holds
    /// one private key, its certificate and optionally the chain.
    /// </summary>
    /// <param name="path">The keystore file.</param>
    /// <param name="password">The store password.</param>
    /// <param name="keyPassword">The key entry's password when it differs from the store password (keytool <c>-keypass</c>).</param>
    /// <exception cref="MqttCredentialException">The file is missing or malformed, a password is wrong (the <see cref="MaterialException"/> is the inner exception), or it holds no usable key.</exception>
    public static MqttClientCredential FromKeystoreFile(string path, string? password, string? keyPassword = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LoadedMaterial material;
        try
        {
            material = MaterialLoader.LoadFile(path, new LoadOptions { Password = password, KeyPassword = keyPassword });
        }
        catch (MaterialException e)
        {
            throw new MqttCredentialException(
                e.Code is MaterialErrorCode.FileNotFound or MaterialErrorCode.FileUnreadable ? MqttCredentialError.FileUnreadable : MqttCredentialError.Malformed,
                $"the keystore '{path}' cannot be read: {e.Message}",
                e);
        }

        if (material.PrivateKeys.Count != 1)
        {
            throw new MqttCredentialException(MqttCredentialError.MissingPrivateKey, $"the keystore '{path}' must hold exactly one private key; it holds {material.PrivateKeys.Count}");
        }

        PrivateKey key = material.PrivateKeys[0];
        Certificate leafModel = material.Certificates.FirstOrDefault(c => KeyMatch.Matches(key, c))
            ?? throw new MqttCredentialException(MqttCredentialError.MissingPrivateKey, $"no certificate in the keystore '{path}' belongs to its private key");
        X509Certificate2 leaf;
        using (X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(leafModel.RawData.Span))
        using (AsymmetricAlgorithm algorithm = key.CreateAsymmetricAlgorithm())
        {
            leaf = algorithm is RSA rsa ? certificate.CopyWithPrivateKey(rsa) : certificate.CopyWithPrivateKey((ECDsa)algorithm);
        }

        var chain = material.Certificates.Where(c => !ReferenceEquals(c, leafModel)).Select(c => X509CertificateLoader.LoadCertificate(c.RawData.Span));
        return new MqttClientCredential(UsableKey(leaf), chain);
    }

    internal static X509Certificate2Collection ReadCertificates(string path)
    {
        byte[] data = ReadBytes(path);
        var collection = new X509Certificate2Collection();
        try
        {
            ReadOnlySpan<char> text = System.Text.Encoding.UTF8.GetString(data);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                collection.ImportFromPem(text);
            }
            else
            {
                collection.Add(X509CertificateLoader.LoadCertificate(data));
            }
        }
        catch (CryptographicException e)
        {
            throw new MqttCredentialException(MqttCredentialError.Malformed, $"'{path}' holds no readable certificate (PEM or DER)", e);
        }

        return collection.Count == 0
            ? throw new MqttCredentialException(MqttCredentialError.Malformed, $"'{path}' holds no certificate")
            : collection;
    }

    private static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(ReadBytes(path));

    private static byte[] ReadBytes(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new MqttCredentialException(MqttCredentialError.FileUnreadable, $"the file '{path}' does not exist");
            }

            if (info.Length > MaximumFileSize)
            {
                throw new MqttCredentialException(MqttCredentialError.Malformed, $"the file '{path}' is larger than 1 MiB: not a certificate or key");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MqttCredentialException(MqttCredentialError.FileUnreadable, $"the file '{path}' could not be read", e);
        }
    }

    // Windows' TLS stack (SChannel) cannot use an ephemeral key from PEM; elsewhere the key is used as is.
    private static X509Certificate2 UsableKey(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}
