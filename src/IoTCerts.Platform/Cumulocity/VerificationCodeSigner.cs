using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Platform.Cumulocity;

/// <summary>
/// The proof-of-possession signature: SHA-256 over the code's UTF-8 bytes, RSA PKCS#1 v1.5 or ECDSA as a DER
/// SEQUENCE (RFC 3279), base64 on one line: what <c>openssl dgst -sha256 -sign key code.txt | openssl base64 -A</c>
/// prints. A seam until Core offers the same signature; then this delegates to it.
/// </summary>
internal static class VerificationCodeSigner
{
    public static string Sign(string code, AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(key);
        var data = Encoding.UTF8.GetBytes(code);
        var signature = key switch
        {
            RSA rsa => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),

            // .NET's default is IEEE P1363 (r||s), which openssl and the platform do not read.
            ECDsa ecdsa => ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
            _ => throw new ArgumentException("the CA key must be RSA or ECDSA", nameof(key)),
        };
        return Convert.ToBase64String(signature);
    }
}
