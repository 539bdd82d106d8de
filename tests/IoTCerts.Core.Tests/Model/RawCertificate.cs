using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IoTCerts.Core.Tests.Model;

/// <summary>Assembles certificates with arbitrary extension bytes (unsigned: .NET's builders refuse broken extensions).</summary>
internal static class RawCertificate
{
    private static readonly Lazy<byte[]> s_spki = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportSubjectPublicKeyInfo();
    });

    public static byte[] Build(params (string Oid, bool Critical, byte[] Value)[] extensions) => Build(false, extensions);

    public static byte[] Build(bool withUniqueIds, params (string Oid, bool Critical, byte[] Value)[] extensions)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    writer.WriteInteger(2);
                }

                writer.WriteInteger(0x1234);
                WriteAlgorithm(writer);
                writer.WriteEncodedValue(new X500DistinguishedName("CN=Raw").RawData);
                using (writer.PushSequence())
                {
                    writer.WriteUtcTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    writer.WriteUtcTime(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
                }

                writer.WriteEncodedValue(new X500DistinguishedName("CN=Raw").RawData);
                writer.WriteEncodedValue(s_spki.Value);
                if (withUniqueIds)
                {
                    writer.WriteBitString([0xAA, 0xBB], 0, new Asn1Tag(TagClass.ContextSpecific, 1));
                    writer.WriteBitString([0xCC], 0, new Asn1Tag(TagClass.ContextSpecific, 2));
                }

                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 3, true)))
                using (writer.PushSequence())
                {
                    foreach (var (oid, critical, value) in extensions)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            if (critical)
                            {
                                writer.WriteBoolean(true);
                            }

                            writer.WriteOctetString(value);
                        }
                    }
                }
            }

            WriteAlgorithm(writer);
            writer.WriteBitString(new byte[64]);
        }

        return writer.Encode();
    }

    private static void WriteAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.10045.4.3.2");
        }
    }
}
