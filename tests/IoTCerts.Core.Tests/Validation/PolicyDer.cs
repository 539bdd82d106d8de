using System.Formats.Asn1;

namespace IoTCerts.Core.Tests.Validation;

/// <summary>DER encoders for the policy extensions, written with AsnWriter (independent of the validator's decoder).</summary>
public static class PolicyDer
{
    public const string Any = "2.5.29.32.0";

    public static byte[] CertificatePolicies(IEnumerable<string> oids)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var oid in oids)
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(oid);
                }
            }
        }

        return w.Encode();
    }

    public static byte[] PolicyMappings(IEnumerable<(string Issuer, string Subject)> mappings)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            foreach (var (issuer, subject) in mappings)
            {
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(issuer);
                    w.WriteObjectIdentifier(subject);
                }
            }
        }

        return w.Encode();
    }

    public static byte[] PolicyConstraints(int? require, int? inhibit)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            if (require is { } r)
            {
                w.WriteInteger(r, new Asn1Tag(TagClass.ContextSpecific, 0));
            }

            if (inhibit is { } i)
            {
                w.WriteInteger(i, new Asn1Tag(TagClass.ContextSpecific, 1));
            }
        }

        return w.Encode();
    }

    public static byte[] Integer(int value)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteInteger(value);
        return w.Encode();
    }
}
