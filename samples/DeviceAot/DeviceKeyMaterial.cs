using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Core;
using IoTCerts.Mqtt;

namespace IoTCerts.Samples.DeviceAot;

/// <summary>The device's certificate, private key and intermediates, read with Core's <see cref="MaterialLoader"/>.</summary>
internal sealed class DeviceKeyMaterial
{
    private DeviceKeyMaterial(Certificate leaf, PrivateKey key, IReadOnlyList<Certificate> intermediates)
    {
        Leaf = leaf;
        Key = key;
        Intermediates = intermediates;
    }

    public Certificate Leaf { get; }
    public PrivateKey Key { get; }
    public IReadOnlyList<Certificate> Intermediates { get; }

    /// <summary>
    /// Loads the three files (any format Core detects). The leaf is the certificate the key belongs to, so the
    /// certificate file may hold the whole chain in any order.
    /// </summary>
    /// <exception cref="MaterialException">A file is unreadable or malformed, or no certificate matches the key.</exception>
    public static DeviceKeyMaterial Load(string certificatePath, string keyPath, string? chainPath, string? keyPassword)
    {
        var options = new LoadOptions { Password = keyPassword };
        LoadedMaterial certificates = MaterialLoader.LoadFile(certificatePath, options);
        LoadedMaterial keys = MaterialLoader.LoadFile(keyPath, options);
        if (keys.PrivateKeys.Count != 1)
        {
            throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch,
                $"'{keyPath}' holds {keys.PrivateKeys.Count} private keys; the device needs exactly one");
        }

        PrivateKey key = keys.PrivateKeys[0];
        Certificate leaf = certificates.CertificateFor(key) ?? keys.CertificateFor(key)
            ?? throw new MaterialException(MaterialErrorCode.KeyCertificateMismatch,
                $"no certificate in '{certificatePath}' belongs to the private key in '{keyPath}'");

        var intermediates = new List<Certificate>();
        IEnumerable<Certificate> others = certificates.Certificates;
        if (chainPath is not null)
        {
            others = others.Concat(MaterialLoader.LoadFile(chainPath, options).Certificates);
        }

        foreach (Certificate c in others)
        {
            if (!ReferenceEquals(c, leaf) && !c.RawData.Span.SequenceEqual(leaf.RawData.Span))
            {
                intermediates.Add(c);
            }
        }

        return new DeviceKeyMaterial(leaf, key, intermediates);
    }

    /// <summary>The identity as the MQTT client's TLS credential (certificate with key, plus intermediates).</summary>
    public MqttClientCredential ToMqttCredential()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(Leaf.RawData.Span);
        X509Certificate2 withKey;
        if (Key.Algorithm == PrivateKeyAlgorithm.Rsa)
        {
            using RSA rsa = Key.CreateRsa();
            withKey = publicOnly.CopyWithPrivateKey(rsa);
        }
        else
        {
            using ECDsa ecdsa = Key.CreateECDsa();
            withKey = publicOnly.CopyWithPrivateKey(ecdsa);
        }

        return new MqttClientCredential(withKey, Intermediates.Select(c => X509CertificateLoader.LoadCertificate(c.RawData.Span)));
    }
}
