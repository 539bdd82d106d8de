using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core;

/// <summary>
/// Builds and signs PKCS#10 certification requests (RFC 2986): the one CSR builder of the IoTCerts packages
/// (Issuance's <c>CertificationRequests</c> and the EST client's <c>EnrollmentRequest</c> both call it). The signer may
/// be a software key or a key held in a token (any <see cref="X509SignatureGenerator"/>).
/// </summary>
public static class CertificationRequestBuilder
{
    private const string ChallengePasswordOid = "1.2.840.113549.1.9.7";

    /// <summary>A DER PKCS#10 request signed with <paramref name="key"/> (ECDSA with a hash matching the curve, or RSA PKCS#1 v1.5 with SHA-256).</summary>
    /// <exception cref="ArgumentException">The key is neither ECDSA nor RSA.</exception>
    public static byte[] Create(X500DistinguishedName subject, AsymmetricAlgorithm key, IEnumerable<X509Extension>? extensions = null, string? challengePassword = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (generator, hash) = key switch
        {
            ECDsa ecdsa => (X509SignatureGenerator.CreateForECDsa(ecdsa), ecdsa.KeySize switch
            {
                > 384 => HashAlgorithmName.SHA512,
                > 256 => HashAlgorithmName.SHA384,
                _ => HashAlgorithmName.SHA256,
            }),
            RSA rsa => (X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("only ECDSA and RSA keys are supported", nameof(key)),
        };
        return Create(subject, generator.PublicKey, generator, hash, extensions, challengePassword);
    }

    /// <summary>A DER PKCS#10 request for <paramref name="publicKey"/>, signed by <paramref name="signer"/> (its private key) with <paramref name="hash"/>.</summary>
    public static byte[] Create(X500DistinguishedName subject, PublicKey publicKey, X509SignatureGenerator signer, HashAlgorithmName hash, IEnumerable<X509Extension>? extensions = null, string? challengePassword = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(signer);
        var request = new CertificateRequest(subject, publicKey, hash);
        foreach (var extension in extensions ?? [])
        {
            request.CertificateExtensions.Add(extension);
        }

        if (challengePassword is not null)
        {
            // PKCS#9 challengePassword ::= DirectoryString; PrintableString when possible, as OpenSSL does, else UTF8String.
            var writer = new AsnWriter(AsnEncodingRules.DER);
            var printable = challengePassword.All(c => c < 0x80 && (char.IsAsciiLetterOrDigit(c) || " '()+,-./:=?".Contains(c, StringComparison.Ordinal)));
            writer.WriteCharacterString(printable ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, challengePassword);
            request.OtherRequestAttributes.Add(new AsnEncodedData(new Oid(ChallengePasswordOid), writer.Encode()));
        }

        return request.CreateSigningRequest(signer);
    }
}
