using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IoTCerts.Core;

/// <summary>
/// Reads PKCS#12 / PFX (RFC 7292): OpenSSL 3 defaults (PBES2 AES-256-CBC, SHA-256 MAC), <c>-legacy</c>
/// (RC2-40 / 3DES, SHA-1 MAC), Windows and Java exports, files without a MAC, and empty passwords.
/// Parsed here rather than with Pkcs12Info so that every iteration count is checked before any key derivation
/// runs and every nesting level is bounded, including the ones that only appear after decryption.
/// </summary>
internal static class Pkcs12Reader
{
    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag Implicit0Primitive = new(TagClass.ContextSpecific, 0, false);
    private static readonly Asn1Tag Implicit0Constructed = new(TagClass.ContextSpecific, 0, true);

    public static void Read(ReadOnlyMemory<byte> data, string? password, MaterialLimits limits, MaterialCollector collector)
    {
        DerStructure.CheckNesting(data, AsnEncodingRules.BER, limits, intoOctetStrings: true);
        var pfx = new AsnReader(data, AsnEncodingRules.BER).ReadSequence();
        if (pfx.ReadInteger() != 3)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#12 file is not version 3");
        }

        var authSafe = pfx.ReadSequence();
        var contentType = authSafe.ReadObjectIdentifier();
        if (contentType != Oids.Pkcs7Data)
        {
            throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#12 file uses public-key integrity protection; IoTCerts reads password-protected files only");
        }

        var authenticatedSafe = authSafe.ReadSequence(Explicit0).ReadOctetString();
        string? chosen = password;
        bool passwordKnown = pfx.HasData || password is not null;
        if (pfx.HasData)
        {
            chosen = VerifyMac(pfx.ReadSequence(), authenticatedSafe, password, limits, collector.Kdf);
        }

        var safes = new AsnReader(authenticatedSafe, AsnEncodingRules.BER).ReadSequence();
        while (safes.HasData)
        {
            collector.CountPkcs12Bag();
            var contentInfo = safes.ReadSequence();
            var type = contentInfo.ReadObjectIdentifier();
            switch (type)
            {
                case Oids.Pkcs7Data:
                    ReadSafeContents(contentInfo.ReadSequence(Explicit0).ReadOctetString(), null, new(chosen, passwordKnown), limits, collector, 1);
                    break;
                case Oids.Pkcs7EncryptedData:
                    var (plain, protection, used) = Decrypt(contentInfo.ReadSequence(Explicit0), chosen, passwordKnown, limits, collector.Kdf);
                    chosen = used;
                    passwordKnown = true;
                    try
                    {
                        DerStructure.CheckNesting(plain, AsnEncodingRules.BER, limits, intoOctetStrings: true);
                        ReadSafeContents(plain, protection, new(chosen, passwordKnown), limits, collector, 1);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(plain);
                    }

                    break;
                case Oids.Pkcs7EnvelopedData:
                    throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#12 file encrypts its contents to a certificate (public-key privacy mode); IoTCerts reads password-protected files only");
                default:
                    collector.Skip("PKCS#12 content of type " + type, "not a data or encryptedData content");
                    break;
            }
        }
    }

    /// <summary>RFC 7292 §5.1 MacData; returns the password form (null or "") that verifies.</summary>
    private static string? VerifyMac(AsnReader macData, byte[] authenticatedSafe, string? password, MaterialLimits limits, KdfBudget budget)
    {
        var digestInfo = macData.ReadSequence();
        var algorithm = digestInfo.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        HashAlgorithmName hash = oid switch
        {
            Oids.Sha1 => HashAlgorithmName.SHA1,
            Oids.Sha256 => HashAlgorithmName.SHA256,
            Oids.Sha384 => HashAlgorithmName.SHA384,
            Oids.Sha512 => HashAlgorithmName.SHA512,
            Oids.Pbmac1 => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, "the PKCS#12 file uses a PBMAC1 integrity check (RFC 9579), which IoTCerts does not support yet"),
            _ => throw new MaterialException(MaterialErrorCode.UnsupportedAlgorithm, $"the PKCS#12 MAC uses an unsupported digest (OID {oid})"),
        };
        var expected = digestInfo.ReadOctetString();
        var salt = macData.ReadOctetString();
        // Capped before any derivation: the MAC is checked before anything says the password is right (issue 17).
        int iterations = macData.HasData ? PasswordBasedEncryption.ReadIterationCount(macData, limits.MaxPkcs12MacIterations, "PKCS#12 MAC") : 1;

        // RFC 7292 Appendix B.1 encodes "" as a lone terminator (what OpenSSL and .NET write), but some exporters use no
        // bytes at all; try both, the standard form first.
        string?[] candidates = password is null or { Length: 0 } ? [string.Empty, null] : [password];
        foreach (var candidate in candidates)
        {
            budget.Charge(iterations, speculative: password is null);
            var key = Pkcs12Kdf.Derive(hash, Pkcs12Kdf.EncodePassword(candidate), salt, iterations, Pkcs12Kdf.MacMaterial, Pkcs12Kdf.HashSize(hash));
            try
            {
                var actual = HMAC(hash, key, authenticatedSafe);
                if (CryptographicOperations.FixedTimeEquals(actual, expected))
                {
                    return candidate;
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        throw password is null
            ? new MaterialException(MaterialErrorCode.PassphraseRequired, "the PKCS#12 file is protected: a passphrase is required")
            : new MaterialException(MaterialErrorCode.WrongPassphrase, MaterialErrorCode.WrongPassphrase.DefaultMessage());
    }

    private static byte[] HMAC(HashAlgorithmName hash, byte[] key, byte[] data) =>
        hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data)
        : hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data)
        : hash == HashAlgorithmName.SHA384 ? HMACSHA384.HashData(key, data)
        : HMACSHA512.HashData(key, data);

    /// <summary>RFC 5652 §8 EncryptedData with a password-based scheme.</summary>
    private static (byte[] Plain, string Protection, string? Used) Decrypt(AsnReader encryptedData, string? password, bool passwordKnown, MaterialLimits limits, KdfBudget budget)
    {
        var sequence = encryptedData.ReadSequence();
        sequence.ReadInteger();
        var info = sequence.ReadSequence();
        info.ReadObjectIdentifier();
        var scheme = PasswordBasedEncryption.Parse(info, limits);
        var tag = info.PeekTag();
        byte[] ciphertext = tag.IsConstructed
            ? info.ReadOctetString(Implicit0Constructed)
            : info.ReadOctetString(Implicit0Primitive);
        var protection = "PKCS#12 " + scheme.Description;
        if (passwordKnown)
        {
            return (scheme.Decrypt(password, ciphertext, budget, speculative: false), protection, password);
        }

        // No MAC and no passphrase given: the file may use an empty password in either encoding.
        foreach (var candidate in new string?[] { string.Empty, null })
        {
            try
            {
                return (scheme.Decrypt(candidate, ciphertext, budget, speculative: true), protection, candidate);
            }
            catch (MaterialException ex) when (ex.Code == MaterialErrorCode.WrongPassphrase)
            {
            }
        }

        throw new MaterialException(MaterialErrorCode.PassphraseRequired, "the PKCS#12 file is encrypted: a passphrase is required");
    }

    private static void ReadSafeContents(ReadOnlyMemory<byte> safeContents, string? protection, Passphrase password, MaterialLimits limits, MaterialCollector collector, int depth)
    {
        if (depth > limits.MaxNestingDepth)
        {
            throw new MaterialException(MaterialErrorCode.NestingTooDeep, $"the PKCS#12 file nests bags more than {limits.MaxNestingDepth} levels deep");
        }

        var bags = new AsnReader(safeContents, AsnEncodingRules.BER).ReadSequence();
        while (bags.HasData)
        {
            collector.CountPkcs12Bag();
            var bag = bags.ReadSequence();
            var bagId = bag.ReadObjectIdentifier();
            var value = bag.ReadSequence(Explicit0).ReadEncodedValue();
            var (friendlyName, localKeyId) = bag.HasData ? ReadAttributes(bag.ReadSetOf(skipSortOrderValidation: true)) : (null, null);
            MaterialOrigin Origin(string? itemProtection) => new(MaterialFormat.Pkcs12, null, itemProtection, friendlyName, localKeyId);

            switch (bagId)
            {
                case Oids.Pkcs12KeyBag:
                    collector.AddKey(PrivateKey.FromPkcs8(value.Span, Origin(protection)));
                    break;
                case Oids.Pkcs12ShroudedKeyBag:
                    collector.AddKey(DecryptKey(value, password, limits, collector.Kdf, Origin));
                    break;
                case Oids.Pkcs12CertBag:
                    var certBag = new AsnReader(value, AsnEncodingRules.BER).ReadSequence();
                    var certType = certBag.ReadObjectIdentifier();
                    if (certType != Oids.Pkcs12X509Certificate)
                    {
                        collector.Skip("PKCS#12 certificate bag of type " + certType, "only X.509 certificates are read");
                        break;
                    }

                    collector.AddCertificate(Certificate.Parse(certBag.ReadSequence(Explicit0).ReadOctetString()), Origin(protection));
                    break;
                case Oids.Pkcs12CrlBag:
                    var crlBag = new AsnReader(value, AsnEncodingRules.BER).ReadSequence();
                    if (crlBag.ReadObjectIdentifier() == Oids.Pkcs12X509Crl)
                    {
                        collector.AddCrl(CertificateRevocationList.Parse(crlBag.ReadSequence(Explicit0).ReadOctetString()));
                    }

                    break;
                case Oids.Pkcs12SafeContentsBag:
                    ReadSafeContents(value, protection, password, limits, collector, depth + 1);
                    break;
                default:
                    collector.Skip("PKCS#12 bag " + bagId, "secret and unknown bags are not read");
                    break;
            }
        }
    }

    private static PrivateKey DecryptKey(ReadOnlyMemory<byte> value, Passphrase password, MaterialLimits limits, KdfBudget budget, Func<string, MaterialOrigin> origin)
    {
        if (password.Known)
        {
            return PrivateKeyDecoder.FromEncryptedPkcs8(value, password.Value, requirePassword: false, limits, budget, speculative: false, origin, "PKCS#12 ");
        }

        foreach (var candidate in new string?[] { string.Empty, null })
        {
            try
            {
                return PrivateKeyDecoder.FromEncryptedPkcs8(value, candidate, requirePassword: false, limits, budget, speculative: true, origin, "PKCS#12 ");
            }
            catch (MaterialException ex) when (ex.Code == MaterialErrorCode.WrongPassphrase)
            {
            }
        }

        throw new MaterialException(MaterialErrorCode.PassphraseRequired, "the private key in the PKCS#12 file is encrypted: a passphrase is required");
    }

    /// <summary>The passphrase in the form that verified (null and "" differ in the PKCS#12 KDF), and whether it is known.</summary>
    private readonly record struct Passphrase(string? Value, bool Known);

    private static (string? FriendlyName, ReadOnlyMemory<byte>? LocalKeyId) ReadAttributes(AsnReader attributes)
    {
        string? friendlyName = null;
        ReadOnlyMemory<byte>? localKeyId = null;
        while (attributes.HasData)
        {
            var attribute = attributes.ReadSequence();
            var type = attribute.ReadObjectIdentifier();
            var values = attribute.ReadSetOf(skipSortOrderValidation: true);
            if (!values.HasData)
            {
                continue;
            }

            if (type == Oids.FriendlyName && values.PeekTag() == new Asn1Tag(UniversalTagNumber.BMPString))
            {
                friendlyName = values.ReadCharacterString(UniversalTagNumber.BMPString);
            }
            else if (type == Oids.LocalKeyId && values.PeekTag() == Asn1Tag.PrimitiveOctetString)
            {
                localKeyId = values.ReadOctetString();
            }
        }

        return (friendlyName, localKeyId);
    }
}
