using System.Buffers;
using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Globalization;
using System.Text;

namespace IoTCerts.Core;

/// <summary>
/// Distinguished-name comparison of RFC 5280 §7.1: the one place where chaining (issuer = subject), candidate-issuer
/// lookup, self-issued detection, directoryName constraints and CRL scope decide whether two names are the same.
/// Names are compared through a canonical form: per RDN, its attributes sorted, each as its type and either the
/// RFC 4518 (LDAP StringPrep, caseIgnoreMatch) prepared value — for PrintableString, UTF8String, BMPString,
/// UniversalString and IA5String values — or the exact encoding for other value types. Two names are equal when their
/// canonical forms are equal bytes, so lookups stay hash lookups on the canonical form (cached per certificate).
/// </summary>
internal static class NameComparison
{
    private const byte PreparedText = 0;
    private const byte ExactEncoding = 1;

    /// <summary>The canonical form of an encoded Name (a DER SEQUENCE OF RDN); a malformed name keeps its bytes (marked).</summary>
    public static byte[] Canonical(ReadOnlySpan<byte> name)
    {
        var output = new ArrayBufferWriter<byte>(name.Length + 16);
        try
        {
            var outer = new DerWalker(name, 0, name.Length);
            var rdns = outer.ReadSequence("a name");
            while (rdns.HasData)
            {
                WriteRdn(ref rdns, output);
            }

            return output.WrittenSpan.ToArray();
        }
        catch (Exception e) when (e is MaterialException or AsnContentException or ArgumentException)
        {
            // Names were validated at parse; anything else is compared byte for byte (and never equals a canonical form).
            return [0xFF, .. name];
        }
    }

    /// <summary>The canonical form of each RDN of a Name, in order (directoryName constraints compare RDN prefixes).</summary>
    public static List<byte[]> CanonicalRdns(ReadOnlySpan<byte> name)
    {
        var result = new List<byte[]>();
        try
        {
            var outer = new DerWalker(name, 0, name.Length);
            var rdns = outer.ReadSequence("a name");
            while (rdns.HasData)
            {
                var one = new ArrayBufferWriter<byte>();
                WriteRdn(ref rdns, one);
                result.Add(one.WrittenSpan.ToArray());
            }
        }
        catch (Exception e) when (e is MaterialException or AsnContentException or ArgumentException)
        {
            result.Clear();
            result.Add([0xFF, .. name]);
        }

        return result;
    }

    /// <summary>True when the two encoded names are the same name under §7.1.</summary>
    public static bool NamesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceEqual(b) || Canonical(a).AsSpan().SequenceEqual(Canonical(b));

    /// <summary>True when <paramref name="prefix"/>'s RDNs begin <paramref name="name"/>'s (RFC 5280 §4.2.1.10 directoryName subtrees).</summary>
    public static bool IsPrefixOf(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> name)
    {
        var p = CanonicalRdns(prefix);
        var n = CanonicalRdns(name);
        if (p.Count > n.Count)
        {
            return false;
        }

        for (var i = 0; i < p.Count; i++)
        {
            if (!p[i].AsSpan().SequenceEqual(n[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteRdn(ref DerWalker rdns, ArrayBufferWriter<byte> output)
    {
        var set = rdns.Enter(rdns.Read(new Asn1Tag(UniversalTagNumber.SetOf, isConstructed: true), "a relative distinguished name"));
        List<byte[]>? many = null;
        var single = new ArrayBufferWriter<byte>(64);
        while (set.HasData)
        {
            var ava = set.ReadSequence("an attribute");
            var type = ava.Slice(ava.ReadOid("an attribute type"));
            ava.ReadAny(out var encoded, out var content);
            var tag = Asn1Tag.Decode(ava.Slice(encoded), out _);
            var target = many is null && !set.HasData ? single : new ArrayBufferWriter<byte>(64);
            WriteBlock(target, type);
            WriteValue(target, tag, ava.Slice(content), ava.Slice(encoded));
            if (!ReferenceEquals(target, single))
            {
                (many ??= []).Add(target.WrittenSpan.ToArray());
            }
        }

        // A multi-valued RDN is a SET: its attributes compare in any order.
        output.GetSpan(1)[0] = 0x31;
        output.Advance(1);
        if (many is null)
        {
            output.Write(single.WrittenSpan);
            return;
        }

        if (single.WrittenCount > 0)
        {
            many.Add(single.WrittenSpan.ToArray());
        }

        many.Sort(static (x, y) => x.AsSpan().SequenceCompareTo(y));
        foreach (var item in many)
        {
            output.Write(item);
        }
    }

    private static void WriteValue(ArrayBufferWriter<byte> output, Asn1Tag tag, ReadOnlySpan<byte> content, ReadOnlySpan<byte> encoded)
    {
        if (tag.TagClass == TagClass.Universal && !tag.IsConstructed && Prepare(tag, content) is { } prepared)
        {
            output.GetSpan(1)[0] = PreparedText;
            output.Advance(1);
            WriteBlock(output, prepared);
            return;
        }

        output.GetSpan(1)[0] = ExactEncoding;
        output.Advance(1);
        WriteBlock(output, encoded);
    }

    private static void WriteBlock(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> block)
    {
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), block.Length);
        output.Advance(4);
        output.Write(block);
    }

    // RFC 4518 §2 for caseIgnoreMatch: transcode, map, fold case, normalise (NFKC), prohibit, insignificant space
    // handling. Returns the prepared value as UTF-8, or null when the value is not a string type handled here or
    // holds a prohibited code point (then it only equals an identical encoding).
    private static byte[]? Prepare(Asn1Tag tag, ReadOnlySpan<byte> content)
    {
        var number = (UniversalTagNumber)tag.TagValue;
        if (number is UniversalTagNumber.PrintableString or UniversalTagNumber.UTF8String or UniversalTagNumber.IA5String
            && !content.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E))
        {
            return PrepareAscii(content);
        }

        string text;
        try
        {
            text = number switch
            {
                UniversalTagNumber.UTF8String => new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content),
                UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String when !content.ContainsAnyExceptInRange((byte)0, (byte)0x7F) => Encoding.ASCII.GetString(content),
                UniversalTagNumber.BMPString when content.Length % 2 == 0 => new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true).GetString(content),
                UniversalTagNumber.UniversalString when content.Length % 4 == 0 => new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true).GetString(content),
                _ => null!,
            };
        }
        catch (ArgumentException)
        {
            return null;
        }

        return text is null ? null : PrepareText(text);
    }

    // The ASCII printable case of the same steps: only letters fold and spaces collapse.
    private static byte[] PrepareAscii(ReadOnlySpan<byte> content)
    {
        var start = 0;
        var end = content.Length;
        while (start < end && content[start] == (byte)' ')
        {
            start++;
        }

        while (end > start && content[end - 1] == (byte)' ')
        {
            end--;
        }

        if (start == end)
        {
            return [(byte)' '];
        }

        var result = new byte[end - start];
        var length = 0;
        for (var i = start; i < end; i++)
        {
            var b = content[i];
            if (b == (byte)' ' && result[length - 1] == (byte)' ')
            {
                continue;
            }

            result[length++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        }

        return length == result.Length ? result : result[..length];
    }

    private static byte[]? PrepareText(string text)
    {
        // §2.2 Map (with case folding, §2.2 for caseIgnoreMatch).
        var mapped = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var value = rune.Value;
            if (value is 0x00AD or 0x1806 or 0x034F or (>= 0x180B and <= 0x180D) or (>= 0xFE00 and <= 0xFE0F) or 0xFFFC or 0x200B)
            {
                continue;
            }

            if (value is (>= 0x09 and <= 0x0D) or 0x85)
            {
                mapped.Append(' ');
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                continue;
            }

            if (category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                mapped.Append(' ');
                continue;
            }

            mapped.Append(Rune.ToLowerInvariant(rune).ToString());
        }

        // §2.3 Normalize (NFKC), folding again what compatibility decomposition produced. Without normalization data
        // (InvariantGlobalization) a value that NFKC would change keeps its exact encoding: it may then compare
        // unequal to an equivalent spelling (a refused chain), never equal to a different one.
        string normalized;
        try
        {
            normalized = mapped.ToString().Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return null;
        }

        // §2.4 Prohibit: unassigned, private use, surrogates (already invalid here), non-characters and U+FFFD.
        foreach (var rune in normalized.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse || rune.Value == 0xFFFD || (rune.Value & 0xFFFE) == 0xFFFE || rune.Value is >= 0xFDD0 and <= 0xFDEF)
            {
                return null;
            }
        }

        // §2.6.1 Insignificant space handling: no leading or trailing space, one space between words.
        var words = normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Encoding.UTF8.GetBytes(words.Length == 0 ? " " : string.Join(' ', words));
    }
}
