using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Issuance;

/// <summary>
/// Encodes and signs an X.509 v3 certificate (RFC 5280 section 4.1) straight to DER. Issuing this way avoids
/// building an <see cref="X509Certificate2"/> per certificate (a native parse that costs more than the signature
/// itself); callers that want one load it from the DER when they need it.
/// </summary>
internal static class CertificateEncoder
{
    public static byte[] EncodeAndSign(
        X500DistinguishedName subject,
        PublicKey subjectKey,
        IReadOnlyList<X509Extension> extensions,
        X500DistinguishedName issuer,
        X509SignatureGenerator generator,
        HashAlgorithmName hash,
        ReadOnlySpan<byte> serial,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter)
    {
        var signatureAlgorithm = generator.GetSignatureAlgorithmIdentifier(hash);
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                tbs.WriteInteger(2); // v3
            }

            tbs.WriteInteger(serial);
            tbs.WriteEncodedValue(signatureAlgorithm);
            tbs.WriteEncodedValue(issuer.RawData);
            using (tbs.PushSequence())
            {
                WriteTime(tbs, notBefore);
                WriteTime(tbs, notAfter);
            }

            tbs.WriteEncodedValue(subject.RawData);
            tbs.WriteEncodedValue(subjectKey.ExportSubjectPublicKeyInfo());
            if (extensions.Count > 0)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3)))
                using (tbs.PushSequence())
                {
                    foreach (var extension in extensions)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteObjectIdentifier(extension.Oid!.Value!);
                            if (extension.Critical)
                            {
                                tbs.WriteBoolean(true); // DEFAULT FALSE is omitted in DER
                            }

                            tbs.WriteOctetString(extension.RawData);
                        }
                    }
                }
            }
        }

        var toBeSigned = tbs.Encode();
        var signature = generator.SignData(toBeSigned, hash);
        var certificate = new AsnWriter(AsnEncodingRules.DER);
        using (certificate.PushSequence())
        {
            certificate.WriteEncodedValue(toBeSigned);
            certificate.WriteEncodedValue(signatureAlgorithm);
            certificate.WriteBitString(signature);
        }

        return certificate.Encode();
    }

    /// <summary>Times have one-second precision in certificates: what the encoder writes for <paramref name="time"/>.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always in seconds and Zulu.
    private static void WriteTime(AsnWriter writer, DateTimeOffset time)
    {
        var value = Truncate(time);
        if (value.Year < 2050)
        {
            writer.WriteUtcTime(value);
        }
        else
        {
            writer.WriteGeneralizedTime(value, omitFractionalSeconds: true);
        }
    }
}
