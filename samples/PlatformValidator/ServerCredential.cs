using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;

namespace IoTCerts.Samples.PlatformValidator;

/// <summary>The HTTPS server certificate with its key and intermediates, read with Core's <see cref="MaterialLoader"/> (any format, R-01/R-02).</summary>
internal sealed class ServerCredential : IDisposable
{
    private ServerCredential(X509Certificate2 certificate, X509Certificate2Collection intermediates)
    {
        Certificate = certificate;
        Intermediates = intermediates;
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Intermediates { get; }

    /// <exception cref="MaterialException">A file is unreadable, the passphrase is wrong, or no certificate belongs to the key.</exception>
    /// <exception cref="IOException">The passphrase file cannot be read.</exception>
    public static ServerCredential Load(PlatformValidatorOptions options)
    {
        string? passphrase = null;
        if (options.ServerKeyPassphraseFile is { } passphraseFile)
        {
            using var reader = new StreamReader(passphraseFile);
            passphrase = reader.ReadLine() ?? string.Empty;
        }

        var loadOptions = new LoadOptions { Password = passphrase };
        var certificates = MaterialLoader.LoadFile(options.ServerCertificateFile!, loadOptions);
        var keys = MaterialLoader.LoadFile(options.ServerKeyFile!, loadOptions);
        if (keys.PrivateKeys.Count != 1)
        {
            throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch,
                $"'{options.ServerKeyFile}' holds {keys.PrivateKeys.Count} private keys; the server needs exactly one");
        }

        var key = keys.PrivateKeys[0];
        var leaf = certificates.CertificateFor(key)
            ?? throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch,
                $"no certificate in '{options.ServerCertificateFile}' belongs to the private key in '{options.ServerKeyFile}' (certificate and key do not match)");

        using var publicOnly = leaf.ToX509Certificate2();
        X509Certificate2 withKey;
        using (var algorithm = key.CreateAsymmetricAlgorithm())
        {
            withKey = algorithm is RSA rsa ? publicOnly.CopyWithPrivateKey(rsa) : publicOnly.CopyWithPrivateKey((ECDsa)algorithm);
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in certificates.Certificates)
        {
            if (!ReferenceEquals(certificate, leaf) && !certificate.IsSelfIssued)
            {
                intermediates.Add(certificate.ToX509Certificate2());
            }
        }

        return new ServerCredential(withKey, intermediates);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Intermediates)
        {
            certificate.Dispose();
        }
    }
}
