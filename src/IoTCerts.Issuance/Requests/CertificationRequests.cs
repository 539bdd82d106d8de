using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IoTCerts.Core;

namespace IoTCerts.Issuance;

/// <summary>What a new CSR asks for.</summary>
public sealed class CertificationRequestOptions
{
    /// <summary>The subject name.</summary>
    public required X500DistinguishedName Subject { get; init; }

    /// <summary>Subject alternative names (<c>DNS:…</c>, <c>IP:…</c>, <c>email:…</c>, <c>URI:…</c>); empty for none.</summary>
    public IReadOnlyList<string> SubjectAlternativeNames { get; init; } = [];

    /// <summary>
    /// A profile whose basicConstraints, keyUsage and extendedKeyUsage go into the extension request; null asks for
    /// subjectAltName only.
    /// </summary>
    public CertificateProfile? Profile { get; init; }

    /// <summary>A challengePassword attribute (PKCS#9), for CAs that use it to authorise revocation or enrolment.</summary>
    public string? ChallengePassword { get; init; }
}

/// <summary>Creates and verifies PKCS#10 certification requests for devices and messaging servers .</summary>
public static class CertificationRequests
{
    /// <summary>Creates a CSR signed by <paramref name="key"/> (which may live in a PKCS#11 token); returns its DER encoding.</summary>
    public static byte[] Create(SigningKey key, CertificationRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        var extensions = new List<X509Extension>();
        if (options.Profile is { } profile)
        {
            extensions.AddRange(profile.CreateUsageExtensions());
        }

        if (options.SubjectAlternativeNames.Count > 0)
        {
            extensions.Add(SubjectAlternativeNames.Build(options.SubjectAlternativeNames));
        }
        else if (options.Profile?.RequiresSubjectAlternativeName == true)
        {
            throw new IssuanceException(IssuanceErrorCode.InvalidSubjectAlternativeName, $"the {options.Profile.Name} profile needs at least one subject alternative name (--san DNS:host or IP:address)");
        }

        // Core's one CSR builder signs (the key may live in a PKCS#11 token: it signs through its generator).
        return CertificationRequestBuilder.Create(options.Subject, key.PublicKey, key.CreateSignatureGenerator(), key.HashAlgorithm, extensions, options.ChallengePassword);
    }

    /// <summary>Creates a CSR and returns it as PEM (<c>-----BEGIN CERTIFICATE REQUEST-----</c>).</summary>
    public static string CreatePem(SigningKey key, CertificationRequestOptions options) =>
        PemEncoding.WriteString("CERTIFICATE REQUEST", Create(key, options)) + "\n";

    /// <summary>True when the CSR (PEM or DER) is well formed and its self-signature verifies.</summary>
    public static bool Verify(ReadOnlySpan<byte> pemOrDer)
    {
        try
        {
            Load(pemOrDer);
            return true;
        }
        catch (IssuanceException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses a CSR with Core's managed PKCS#10 model and verifies its proof-of-possession signature (RFC 2986 3).
    /// Issuance reads CSRs the way every other IoTCerts package does, and the managed parse avoids building .NET
    /// objects per request that the issuer never uses.
    /// </summary>
    internal static CertificationRequest Load(ReadOnlySpan<byte> pemOrDer)
    {
        if (pemOrDer.Length > IssuanceRequest.MaxCertificationRequestBytes)
        {
            throw new IssuanceException(IssuanceErrorCode.RequestSignatureInvalid, $"the certificate request is larger than {IssuanceRequest.MaxCertificationRequestBytes / 1024} KB");
        }

        var der = pemOrDer.ToArray();
        var text = Encoding.ASCII.GetString(der);
        if (PemEncoding.TryFind(text, out var fields))
        {
            var label = text[fields.Label];
            if (label is not ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"))
            {
                throw new IssuanceException(IssuanceErrorCode.RequestSignatureInvalid, $"the file holds a '{label}' PEM block, not a CERTIFICATE REQUEST");
            }

            der = Convert.FromBase64String(text[fields.Base64Data]);
        }

        CertificationRequest request;
        try
        {
            request = CertificationRequest.Parse(der);
        }
        catch (MaterialException ex)
        {
            throw new IssuanceException(IssuanceErrorCode.RequestSignatureInvalid, $"the certificate request is malformed ({ex.Message})", ex);
        }

        if (!request.VerifySignature())
        {
            throw new IssuanceException(IssuanceErrorCode.RequestSignatureInvalid, "the certificate request's self-signature does not verify (it was altered or signed by another key)");
        }

        return request;
    }
}
