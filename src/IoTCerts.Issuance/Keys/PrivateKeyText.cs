using System.Text;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>Reads private keys in every format the Core loader knows (PKCS#8 plain/encrypted, PKCS#1, SEC1, legacy OpenSSL PEM, PKCS#12).</summary>
internal static class PrivateKeyText
{
    public static SigningKey Read(string text, string? passphrase, string? sourceName) =>
        Read(Encoding.UTF8.GetBytes(text), passphrase, sourceName);

    public static SigningKey Read(ReadOnlyMemory<byte> data, string? passphrase, string? sourceName)
    {
        LoadedMaterial material;
        try
        {
            material = MaterialLoader.Load(data, new LoadOptions { Password = passphrase });
        }
        catch (MaterialException ex)
        {
            throw ex.WithSource(sourceName);
        }

        return material.PrivateKeys.Count switch
        {
            0 => throw new MaterialException(MaterialErrorCode.NothingFound, "the input holds no private key") { SourceName = sourceName },
            1 => SigningKey.FromKey(material.PrivateKeys[0].CreateAsymmetricAlgorithm()),
            _ => throw new MaterialException(MaterialErrorCode.TooManyObjects, "the input holds more than one private key; give a file with exactly one") { SourceName = sourceName },
        };
    }
}
