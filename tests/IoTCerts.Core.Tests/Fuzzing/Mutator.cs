using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core.Tests.Fuzzing;

/// <summary>
/// Structure-aware mutations of certificate material, driven by one <see cref="Random"/> so that a case is reproduced
/// from its seed: DER length and tag tampering on real TLV boundaries, OID arcs (wide, non-minimal, empty), deep
/// nesting, PEM framing (labels, headers, END lines, line lengths) and PKCS#12 counts (bags, MAC and KDF iterations),
/// plus plain byte flips, truncations, insertions and duplications.
/// </summary>
internal static class Mutator
{
    private static readonly string[] s_labels =
    [
        "CERTIFICATE", "X509 CRL", "CERTIFICATE REQUEST", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY",
        "EC PRIVATE KEY", "PKCS7", "TRUSTED CERTIFICATE", "EC PARAMETERS", "UNKNOWN",
    ];

    private static readonly byte[] s_tags = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x16, 0x17, 0x18, 0x1E, 0x30, 0x31, 0x80, 0x81, 0x82, 0x86, 0x87, 0xA0, 0xA1, 0xA3, 0xBF];

    /// <summary>The largest input a mutation produces.</summary>
    public const int MaxInputBytes = 1024 * 1024;

    /// <summary>One to three mutations of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, Random random)
    {
        var data = seed;
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            data = MutateOnce(data, random);

            // Repetition and nesting compound; beyond 1 MiB (the certificate limit) a case only measures the allocator.
            if (data.Length > MaxInputBytes)
            {
                data = data[..MaxInputBytes];
            }
        }

        return data;
    }

    private static byte[] MutateOnce(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return [0x30, 0x00];
        }

        return random.Next(14) switch
        {
            0 => FlipBit(data, random),
            1 => data[..random.Next(data.Length)],
            2 => Insert(data, random),
            3 => Duplicate(data, random),
            4 or 5 => TamperLength(data, random),
            6 => TamperTag(data, random),
            7 => TamperOid(data, random),
            8 => Nest(data, random),
            9 => Pem(data, random),
            10 => Pkcs12(random),
            11 => DropOrRepeatElement(data, random),
            12 => PemFraming(data, random),
            _ => Delete(data, random),
        };
    }

    private static byte[] FlipBit(byte[] data, Random random)
    {
        var copy = (byte[])data.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] Insert(byte[] data, Random random)
    {
        var at = random.Next(data.Length + 1);
        var chunk = new byte[random.Next(1, 24)];
        random.NextBytes(chunk);
        return [.. data[..at], .. chunk, .. data[at..]];
    }

    private static byte[] Duplicate(byte[] data, Random random)
    {
        var at = random.Next(data.Length);
        var end = Math.Min(data.Length, at + random.Next(1, 64));
        return [.. data[..end], .. data[at..end], .. data[end..]];
    }

    private static byte[] Delete(byte[] data, Random random)
    {
        var at = random.Next(data.Length);
        return [.. data[..at], .. data[Math.Min(data.Length, at + random.Next(1, 24))..]];
    }

    /// <summary>Every TLV header found by a tolerant BER walk: (offset of tag, offset of length, header size, content length).</summary>
    internal static List<(int Tag, int Length, int Header, int Content)> Elements(byte[] data)
    {
        var found = new List<(int, int, int, int)>();
        Walk(data, 0, data.Length, found, 0);
        return found;
    }

    private static void Walk(byte[] data, int start, int end, List<(int, int, int, int)> found, int depth)
    {
        var position = start;
        while (position < end && depth < 64 && found.Count < 4096)
        {
            var tag = data[position];
            if ((tag & 0x1F) == 0x1F || position + 1 >= end)
            {
                return;
            }

            var lengthAt = position + 1;
            int content;
            int header;
            var first = data[lengthAt];
            if (first < 0x80)
            {
                content = first;
                header = 2;
            }
            else
            {
                var octets = first & 0x7F;
                if (octets is 0 or > 3 || lengthAt + octets >= end)
                {
                    return;
                }

                content = 0;
                for (var i = 1; i <= octets; i++)
                {
                    content = (content << 8) | data[lengthAt + i];
                }

                header = 2 + octets;
            }

            if (position + header + content > end)
            {
                return;
            }

            found.Add((position, lengthAt, header, content));
            if ((tag & 0x20) != 0)
            {
                Walk(data, position + header, position + header + content, found, depth + 1);
            }
            else if (tag is 0x04 or 0x03 && content > 2)
            {
                // OCTET and BIT STRINGs often wrap DER (extension values, keys): walk them when they parse.
                Walk(data, position + header + (tag == 0x03 ? 1 : 0), position + header + content, found, depth + 1);
            }

            position += header + content;
        }
    }

    private static byte[] TamperLength(byte[] data, Random random)
    {
        var elements = Elements(data);
        if (elements.Count == 0)
        {
            return FlipBit(data, random);
        }

        var (tag, lengthAt, header, content) = elements[random.Next(elements.Count)];
        byte[] replacement = random.Next(7) switch
        {
            0 => [0x80], // indefinite
            1 => [0x84, 0x7F, 0xFF, 0xFF, 0xFF], // huge
            2 => [0x81, (byte)Math.Min(content, 255)], // non-minimal
            3 => [0x82, (byte)(content >> 8), (byte)content], // non-minimal long form
            4 => EncodeLength(content + 1),
            5 => EncodeLength(Math.Max(0, content - 1)),
            _ => EncodeLength(random.Next(0, content * 2 + 2)),
        };
        _ = tag;
        return [.. data[..lengthAt], .. replacement, .. data[(lengthAt + header - 1)..]];
    }

    private static byte[] EncodeLength(int length) => length switch
    {
        < 0x80 => [(byte)length],
        < 0x100 => [0x81, (byte)length],
        < 0x10000 => [0x82, (byte)(length >> 8), (byte)length],
        _ => [0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length],
    };

    private static byte[] TamperTag(byte[] data, Random random)
    {
        var elements = Elements(data);
        if (elements.Count == 0)
        {
            return FlipBit(data, random);
        }

        var copy = (byte[])data.Clone();
        copy[elements[random.Next(elements.Count)].Tag] = s_tags[random.Next(s_tags.Length)];
        return copy;
    }

    private static byte[] TamperOid(byte[] data, Random random)
    {
        var oids = Elements(data).Where(e => data[e.Tag] == 0x06).ToList();
        if (oids.Count == 0)
        {
            return TamperTag(data, random);
        }

        var (tag, _, header, content) = oids[random.Next(oids.Count)];
        byte[] arcs = random.Next(6) switch
        {
            0 => [.. Enumerable.Repeat((byte)0xFF, random.Next(16, 40)), 0x01], // an arc wider than 128 bits (issue 17)
            1 => [0x2A, 0x83, .. Enumerable.Repeat((byte)0xFF, 17), 0x7F], // exactly 128 bits: must stay accepted
            2 => [0x2A, 0x80, 0x01], // non-minimal arc
            3 => [], // empty
            4 => [0x2A, 0x86, 0x48], // ends inside an arc
            _ => [.. data.AsSpan(tag + header, content).ToArray(), (byte)(0x80 | random.Next(0x7F)), 0x01],
        };
        return [.. data[..tag], 0x06, .. EncodeLength(arcs.Length), .. arcs, .. data[(tag + header + content)..]];
    }

    private static byte[] Nest(byte[] data, Random random)
    {
        var levels = random.Next(2) == 0 ? random.Next(1, 40) : random.Next(40, 2000);
        var result = data;
        for (var i = 0; i < levels; i++)
        {
            result = [(byte)(random.Next(4) == 0 ? 0xA0 : 0x30), .. EncodeLength(result.Length), .. result];
        }

        return result;
    }

    private static byte[] DropOrRepeatElement(byte[] data, Random random)
    {
        var elements = Elements(data);
        if (elements.Count == 0)
        {
            return Delete(data, random);
        }

        var (tag, _, header, content) = elements[random.Next(elements.Count)];
        var end = tag + header + content;
        var repeat = random.Next(2) == 0 ? 0 : random.Next(2, 300);
        var element = data[tag..end];
        var repeated = Enumerable.Repeat(element, repeat).SelectMany(e => e).ToArray();
        return [.. data[..tag], .. repeated, .. data[end..]];
    }

    private static byte[] Pem(byte[] data, Random random)
    {
        var label = s_labels[random.Next(s_labels.Length)];
        var builder = new StringBuilder();
        var blocks = random.Next(4) == 0 ? random.Next(2, 50) : 1;
        for (var i = 0; i < blocks; i++)
        {
            builder.Append("-----BEGIN ").Append(label).Append("-----\n");
            if (random.Next(5) == 0)
            {
                builder.Append("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,").Append(Convert.ToHexString(RandomBytes(random, 16))).Append("\n\n");
            }

            var base64 = Convert.ToBase64String(data);
            var width = random.Next(3) == 0 ? random.Next(1, 200) : 64;
            for (var at = 0; at < base64.Length; at += width)
            {
                builder.Append(base64, at, Math.Min(width, base64.Length - at)).Append(random.Next(10) == 0 ? "\r\n" : "\n");
            }

            builder.Append("-----END ").Append(label).Append("-----\n");
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static byte[] PemFraming(byte[] data, Random random)
    {
        var text = data.Length > 0 && data[0] == (byte)'-' ? Encoding.Latin1.GetString(data) : Encoding.ASCII.GetString(Pem(data, random));
        text = random.Next(6) switch
        {
            0 => text.Replace("-----END ", "-----END X", StringComparison.Ordinal),
            1 => text[..Math.Max(0, text.LastIndexOf("-----END", StringComparison.Ordinal))],
            2 => "Bag Attributes\n    friendlyName: x\n" + text + "\ntrailing text\n",
            3 => text.Replace("\n", "\n ", StringComparison.Ordinal),
            4 => text + text,
            _ => text.Insert(random.Next(text.Length + 1), new string((char)random.Next(32, 127), random.Next(1, 100))),
        };
        return Encoding.Latin1.GetBytes(text);
    }

    /// <summary>A synthetic PFX: a random number of bags of random kinds, random MAC and KDF iteration counts.</summary>
    private static byte[] Pkcs12(Random random)
    {
        var bags = new AsnWriter(AsnEncodingRules.DER);
        using (bags.PushSequence())
        {
            var count = random.Next(3) == 0 ? random.Next(100, 1500) : random.Next(0, 8);
            for (var i = 0; i < count; i++)
            {
                using (bags.PushSequence())
                {
                    bags.WriteObjectIdentifier(random.Next(5) switch
                    {
                        0 => "1.2.840.113549.1.12.10.1.1",
                        1 => "1.2.840.113549.1.12.10.1.2",
                        2 => "1.2.840.113549.1.12.10.1.3",
                        3 => "1.2.840.113549.1.12.10.1.6",
                        _ => "1.2.840.113549.1.12.10.1.5",
                    });
                    using (bags.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    using (bags.PushSequence())
                    {
                        bags.WriteObjectIdentifier("1.2.840.113549.1.9.22.1");
                        bags.WriteOctetString(RandomBytes(random, random.Next(0, 40)));
                    }
                }
            }
        }

        var safes = new AsnWriter(AsnEncodingRules.DER);
        using (safes.PushSequence())
        {
            using (safes.PushSequence())
            {
                safes.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                using (safes.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    safes.WriteOctetString(bags.Encode());
                }
            }

            if (random.Next(2) == 0)
            {
                using (safes.PushSequence())
                {
                    safes.WriteObjectIdentifier("1.2.840.113549.1.7.6");
                    using (safes.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    using (safes.PushSequence())
                    {
                        safes.WriteInteger(0);
                        using (safes.PushSequence())
                        {
                            safes.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                            safes.WriteEncodedValue(Loading.LimitTests.Pbes2AlgorithmIdentifier(Iterations(random)));
                            safes.WriteOctetString(RandomBytes(random, 16 * random.Next(0, 4)), new Asn1Tag(TagClass.ContextSpecific, 0));
                        }
                    }
                }
            }
        }

        int? mac = random.Next(3) == 0 ? null : (int)Math.Min(int.MaxValue, Iterations(random));
        return Loading.LimitTests.Pfx(safes.Encode(), mac);
    }

    private static long Iterations(Random random) => random.Next(4) switch
    {
        0 => random.Next(1, 2048),
        1 => random.Next(2048, 200_000),
        2 => random.Next(200_000, 3_000_000),
        _ => random.NextInt64(1, 1L << 40),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
