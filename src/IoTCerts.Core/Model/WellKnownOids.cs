using System.Formats.Asn1;

namespace IoTCerts.Core;

/// <summary>
/// Object identifiers the models recognise, with their encoded forms so the parser can identify them
/// without decoding (and allocating) the dotted text, plus friendly names for display.
/// </summary>
internal static class WellKnownOids
{
    // Extensions (RFC 5280 4.2, 5.2, 5.3).
    public const string SubjectKeyIdentifier = "2.5.29.14";
    public const string KeyUsage = "2.5.29.15";
    public const string SubjectAltName = "2.5.29.17";
    public const string IssuerAltName = "2.5.29.18";
    public const string BasicConstraints = "2.5.29.19";
    public const string CrlNumber = "2.5.29.20";
    public const string CrlReasonCode = "2.5.29.21";
    public const string InvalidityDate = "2.5.29.24";
    public const string DeltaCrlIndicator = "2.5.29.27";
    public const string IssuingDistributionPoint = "2.5.29.28";
    public const string CertificateIssuer = "2.5.29.29";
    public const string NameConstraints = "2.5.29.30";
    public const string CrlDistributionPoints = "2.5.29.31";
    public const string CertificatePolicies = "2.5.29.32";
    public const string PolicyMappings = "2.5.29.33";
    public const string AuthorityKeyIdentifier = "2.5.29.35";
    public const string PolicyConstraints = "2.5.29.36";
    public const string ExtendedKeyUsage = "2.5.29.37";
    public const string FreshestCrl = "2.5.29.46";
    public const string InhibitAnyPolicy = "2.5.29.54";
    public const string AuthorityInfoAccess = "1.3.6.1.5.5.7.1.1";
    public const string SubjectInfoAccess = "1.3.6.1.5.5.7.1.11";
    public const string SignedCertificateTimestamps = "1.3.6.1.4.1.11129.2.4.2";

    // Algorithms.
    public const string RsaEncryption = "1.2.840.113549.1.1.1";
    public const string Md5WithRsa = "1.2.840.113549.1.1.4";
    public const string Sha1WithRsa = "1.2.840.113549.1.1.5";
    public const string Mgf1 = "1.2.840.113549.1.1.8";
    public const string RsaPss = "1.2.840.113549.1.1.10";
    public const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    public const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    public const string Sha512WithRsa = "1.2.840.113549.1.1.13";
    public const string Sha224WithRsa = "1.2.840.113549.1.1.14";
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string EcdsaWithSha1 = "1.2.840.10045.4.1";
    public const string EcdsaWithSha224 = "1.2.840.10045.4.3.1";
    public const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    public const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";
    public const string EcdsaWithSha512 = "1.2.840.10045.4.3.4";
    public const string Ed25519 = "1.3.101.112";
    public const string Ed448 = "1.3.101.113";
    public const string X25519 = "1.3.101.110";
    public const string X448 = "1.3.101.111";
    public const string Dsa = "1.2.840.10040.4.1";
    public const string DsaWithSha1 = "1.2.840.10040.4.3";
    public const string Sha1 = "1.3.14.3.2.26";
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
    public const string Sha224 = "2.16.840.1.101.3.4.2.4";

    // Named curves.
    public const string NistP256 = "1.2.840.10045.3.1.7";
    public const string NistP384 = "1.3.132.0.34";
    public const string NistP521 = "1.3.132.0.35";
    public const string Secp256k1 = "1.3.132.0.10";
    public const string NistP224 = "1.3.132.0.33";
    public const string BrainpoolP256r1 = "1.3.36.3.3.2.8.1.1.7";
    public const string BrainpoolP384r1 = "1.3.36.3.3.2.8.1.1.11";
    public const string BrainpoolP512r1 = "1.3.36.3.3.2.8.1.1.13";

    // PKCS#9 attributes.
    public const string ChallengePassword = "1.2.840.113549.1.9.7";
    public const string ExtensionRequest = "1.2.840.113549.1.9.14";

    // Policy qualifiers (RFC 5280 4.2.1.4).
    public const string CpsQualifier = "1.3.6.1.5.5.7.2.1";
    public const string UserNoticeQualifier = "1.3.6.1.5.5.7.2.2";

    private static readonly (string Oid, string Name)[] s_names =
    [
        (SubjectKeyIdentifier, "subjectKeyIdentifier"), (KeyUsage, "keyUsage"), (SubjectAltName, "subjectAltName"),
        (IssuerAltName, "issuerAltName"), (BasicConstraints, "basicConstraints"), (CrlNumber, "cRLNumber"),
        (CrlReasonCode, "reasonCode"), (InvalidityDate, "invalidityDate"), (DeltaCrlIndicator, "deltaCRLIndicator"),
        (IssuingDistributionPoint, "issuingDistributionPoint"), (CertificateIssuer, "certificateIssuer"),
        (NameConstraints, "nameConstraints"), (CrlDistributionPoints, "cRLDistributionPoints"),
        (CertificatePolicies, "certificatePolicies"), (PolicyMappings, "policyMappings"),
        (AuthorityKeyIdentifier, "authorityKeyIdentifier"), (PolicyConstraints, "policyConstraints"),
        (ExtendedKeyUsage, "extendedKeyUsage"), (FreshestCrl, "freshestCRL"), (InhibitAnyPolicy, "inhibitAnyPolicy"),
        (AuthorityInfoAccess, "authorityInfoAccess"), (SubjectInfoAccess, "subjectInfoAccess"),
        (SignedCertificateTimestamps, "signedCertificateTimestampList"),
        (RsaEncryption, "rsaEncryption"), (Md5WithRsa, "md5WithRSAEncryption"), (Sha1WithRsa, "sha1WithRSAEncryption"),
        (Mgf1, "mgf1"), (RsaPss, "rsassaPss"), (Sha256WithRsa, "sha256WithRSAEncryption"),
        (Sha384WithRsa, "sha384WithRSAEncryption"), (Sha512WithRsa, "sha512WithRSAEncryption"),
        (Sha224WithRsa, "sha224WithRSAEncryption"), (EcPublicKey, "id-ecPublicKey"), (EcdsaWithSha1, "ecdsa-with-SHA1"),
        (EcdsaWithSha224, "ecdsa-with-SHA224"), (EcdsaWithSha256, "ecdsa-with-SHA256"),
        (EcdsaWithSha384, "ecdsa-with-SHA384"), (EcdsaWithSha512, "ecdsa-with-SHA512"), (Ed25519, "Ed25519"),
        (Ed448, "Ed448"), (X25519, "X25519"), (X448, "X448"), (Dsa, "dsaEncryption"), (DsaWithSha1, "dsa-with-SHA1"),
        (Sha1, "SHA1"), (Sha256, "SHA256"), (Sha384, "SHA384"), (Sha512, "SHA512"), (Sha224, "SHA224"),
        (NistP256, "P-256"), (NistP384, "P-384"), (NistP521, "P-521"), (Secp256k1, "secp256k1"), (NistP224, "P-224"),
        (BrainpoolP256r1, "brainpoolP256r1"), (BrainpoolP384r1, "brainpoolP384r1"), (BrainpoolP512r1, "brainpoolP512r1"),
        (ChallengePassword, "challengePassword"), (ExtensionRequest, "extensionRequest"),
        (CpsQualifier, "id-qt-cps"), (UserNoticeQualifier, "id-qt-unotice"),
        (ExtendedKeyUsageOids.ServerAuth, "serverAuth"), (ExtendedKeyUsageOids.ClientAuth, "clientAuth"),
        (ExtendedKeyUsageOids.CodeSigning, "codeSigning"), (ExtendedKeyUsageOids.EmailProtection, "emailProtection"),
        (ExtendedKeyUsageOids.TimeStamping, "timeStamping"), (ExtendedKeyUsageOids.OcspSigning, "OCSPSigning"),
        (ExtendedKeyUsageOids.AnyExtendedKeyUsage, "anyExtendedKeyUsage"),
        (ExtendedKeyUsageOids.CmcRegistrationAuthority, "cmcRA"),
        (AccessMethodOids.Ocsp, "OCSP"), (AccessMethodOids.CaIssuers, "caIssuers"),
        (CertificatePolicy.AnyPolicy, "anyPolicy"),
    ];

    private static readonly (byte[] Encoded, string Oid)[] s_encoded = BuildEncodedTable();

    private static readonly Dictionary<string, string> s_friendly = BuildFriendlyNames();

    private static readonly Dictionary<string, string> s_descriptions = s_names.ToDictionary(n => n.Oid, n => $"the {n.Name} extension", StringComparer.Ordinal);

    /// <summary>"the basicConstraints extension": a shared string, so parsing does not allocate messages it may never need.</summary>
    public static string Describe(string oid) => s_descriptions.TryGetValue(oid, out var text) ? text : "an extension";

    /// <summary>The dotted text of an encoded OID: a shared string for known OIDs, a new one otherwise.</summary>
    public static string Decode(ReadOnlySpan<byte> content)
    {
        foreach (var (encoded, oid) in s_encoded)
        {
            if (content.SequenceEqual(encoded))
            {
                return oid;
            }
        }

        return DecodeUnknown(content);
    }

    /// <summary>The OID if it is one of the known ones, without allocating; otherwise null.</summary>
    public static string? TryGetKnown(ReadOnlySpan<byte> content)
    {
        foreach (var (encoded, oid) in s_encoded)
        {
            if (content.SequenceEqual(encoded))
            {
                return oid;
            }
        }

        return null;
    }

    public static string? FriendlyName(string oid) =>
        s_friendly.TryGetValue(oid, out var name) ? name : NameAttribute.ShortNameOf(oid);

    private static string DecodeUnknown(ReadOnlySpan<byte> content)
    {
        // Re-wrap the content as a TLV: AsnDecoder only decodes whole encodings.
        var encoded = new byte[content.Length + 6];
        encoded[0] = 0x06;
        encoded[1] = 0x84;
        encoded[2] = (byte)(content.Length >> 24);
        encoded[3] = (byte)(content.Length >> 16);
        encoded[4] = (byte)(content.Length >> 8);
        encoded[5] = (byte)content.Length;
        content.CopyTo(encoded.AsSpan(6));
        try
        {
            return AsnDecoder.ReadObjectIdentifier(encoded, AsnEncodingRules.BER, out _);
        }
        catch (AsnContentException)
        {
            // Parsing refuses such OIDs (DerWalker.IsValidOid); this is the last line for content that bypassed it,
            // so a getter shows the bytes instead of throwing a foreign exception.
            return "(invalid OID " + Convert.ToHexString(content) + ")";
        }
    }

    private static (byte[], string)[] BuildEncodedTable()
    {
        var table = new List<(byte[], string)>();
        foreach (var (oid, _) in s_names)
        {
            table.Add((EncodeContent(oid), oid));
        }

        foreach (var oid in NameAttribute.KnownAttributeOids)
        {
            table.Add((EncodeContent(oid), oid));
        }

        return [.. table];
    }

    private static Dictionary<string, string> BuildFriendlyNames()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (oid, name) in s_names)
        {
            names[oid] = name;
        }

        return names;
    }

    internal static byte[] EncodeContent(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        var encoded = writer.Encode();
        return encoded[2..];
    }
}
