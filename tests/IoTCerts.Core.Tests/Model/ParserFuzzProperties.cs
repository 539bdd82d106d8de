using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using IoTCerts.Core.Tests.Fuzzing;
using Xunit.Abstractions;

namespace IoTCerts.Core.Tests.Model;

/// <summary>
/// FsCheck properties: arbitrary bytes and mutations of valid certificates, CSRs and CRLs never make a parser
/// throw anything but <see cref="MaterialException"/>, every lazily decoded property of an accepted object
/// works, and nothing hangs. 11,000 cases in total.
/// </summary>
public sealed class ParserFuzzProperties(ITestOutputHelper output)
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(2);

    private static readonly Lazy<byte[][]> s_certificateSeeds = new(() =>
    [
        .. TestCertificates.All.Select(c => c.Der),
        .. CertificateDifferentialTests.LimboCertificates().Where((_, i) => i % 25 == 0).Select(c => c.Der),
    ]);

    private static readonly Lazy<byte[][]> s_requestSeeds = new(BuildRequests);
    private static readonly Lazy<byte[][]> s_crlSeeds = new(BuildCrls);

    [Property(MaxTest = 2000)]
    public Property ArbitraryBytesOnlyEverGiveMaterialException()
    {
        // Half the cases start with a plausible SEQUENCE header so the parsers get past the envelope check.
        var bytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        var framed = bytes.Select(b => (byte[])[0x30, (byte)Math.Min(b.Length, 127), .. b]);
        var input = Gen.OneOf(bytes, framed);
        var counts = new Counts();
        return Prop.ForAll(Arb.From(input), data => ParseAll(data, counts));
    }

    [Property(MaxTest = 4000)]
    public Property MutatedCertificatesOnlyEverGiveMaterialException() => Mutations(s_certificateSeeds.Value, new Counts());

    [Property(MaxTest = 2500)]
    public Property MutatedRequestsOnlyEverGiveMaterialException() => Mutations(s_requestSeeds.Value, new Counts());

    [Property(MaxTest = 2500)]
    public Property MutatedCrlsOnlyEverGiveMaterialException() => Mutations(s_crlSeeds.Value, new Counts());

    [Fact]
    public void Mutations_both_keep_and_break_objects()
    {
        // The properties above are only worth their cases if mutations neither always break nor always keep a seed.
        foreach (var (seeds, what) in new[] { (s_certificateSeeds.Value, "certificates"), (s_requestSeeds.Value, "requests"), (s_crlSeeds.Value, "CRLs") })
        {
            var counts = new Counts();
            var random = new Random(17);
            for (var i = 0; i < 300; i++)
            {
                ParseAll(Fuzzing.Mutator.Mutate(seeds[random.Next(seeds.Length)], random), counts);
            }

            output.WriteLine($"mutated {what}: {counts}");
            Assert.True(counts.Rejected > 0 && counts.Accepted > 0, $"mutations of {what} should both keep and break objects: {counts}");
        }
    }

    private static Property Mutations(byte[][] seeds, Counts counts)
    {
        var mutated =
            from seed in Gen.Elements(seeds)
            from mutationCount in Gen.Choose(1, 3)
            from mutations in Gen.ArrayOf(Mutation(), mutationCount)
            select mutations.Aggregate(seed, (data, mutate) => mutate(data));
        return Prop.ForAll(Arb.From(mutated), data => ParseAll(data, counts));
    }

    /// <summary>Bit flips, truncations, insertions, length-byte corruption and chunk duplication.</summary>
    private static Gen<Func<byte[], byte[]>> Mutation() =>
        from kind in Gen.Choose(0, 5)
        from position in Gen.Choose(0, int.MaxValue)
        from value in Gen.Choose(0, 255)
        from length in Gen.Choose(1, 24)
        select (Func<byte[], byte[]>)(data =>
        {
            if (data.Length == 0)
            {
                return data;
            }

            var at = position % data.Length;
            var copy = (byte[])data.Clone();
            switch (kind)
            {
                case 0:
                    copy[at] ^= (byte)(1 << (value % 8));
                    return copy;
                case 1:
                    return copy[..at];
                case 2:
                    return [.. copy[..at], .. Enumerable.Repeat((byte)value, length), .. copy[at..]];
                case 3:
                    // Corrupt the length octet that follows a tag-like byte near the position.
                    var tagAt = Array.FindIndex(copy, at, b => b is 0x30 or 0x31 or 0x04 or 0x02 or 0x06 or 0xA0 or 0xA3);
                    if (tagAt >= 0 && tagAt + 1 < copy.Length)
                    {
                        copy[tagAt + 1] = (byte)value;
                    }

                    return copy;
                case 4:
                    var end = Math.Min(copy.Length, at + length);
                    return [.. copy[..end], .. copy[at..end], .. copy[end..]];
                default:
                    return [.. copy[..at], .. copy[Math.Min(copy.Length, at + length)..]];
            }
        });

    private static bool ParseAll(byte[] data, Counts counts)
    {
        var watch = Stopwatch.StartNew();
        Attempt(() => FuzzTarget.Touch(Certificate.Parse(data)), counts);
        Attempt(() => FuzzTarget.Touch(CertificationRequest.Parse(data)), counts);
        Attempt(() => FuzzTarget.Touch(CertificateRevocationList.Parse(data)), counts);
        Attempt(() => _ = DistinguishedName.Parse(data).Rfc4514Name, counts);
        Attempt(() => _ = SubjectPublicKeyInfo.Parse(data).ToString(), counts);
        Assert.True(watch.Elapsed < s_hangGuard, $"parsing {data.Length} bytes took {watch.Elapsed}");
        return true;
    }

    private static void Attempt(Action parse, Counts counts)
    {
        try
        {
            parse();
            counts.Accepted++;
        }
        catch (MaterialException)
        {
            counts.Rejected++;
        }
    }

    private static byte[][] BuildRequests()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rsa = TestCertificates.Rsa2048;
        var full = new CertificateRequest("CN=fuzz, O=IoTCerts", ec, HashAlgorithmName.SHA256);
        foreach (var extension in TestCertificates.AllExtensions(full.PublicKey, ec))
        {
            full.CertificateExtensions.Add(extension);
        }

        full.OtherRequestAttributes.Add(new AsnEncodedData("1.2.840.113549.1.9.7", new byte[] { 0x0C, 0x04, (byte)'p', (byte)'a', (byte)'s', (byte)'s' }));
        var pss = new CertificateRequest("CN=pss", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        pss.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        return [full.CreateSigningRequest(), pss.CreateSigningRequest(), new CertificateRequest("CN=min", ec, HashAlgorithmName.SHA384).CreateSigningRequest()];
    }

    private static byte[][] BuildCrls()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Fuzz CA", ec, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var issuer = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var builder = new CertificateRevocationListBuilder();
        for (var i = 1; i <= 6; i++)
        {
            builder.AddEntry([(byte)i, 0x42], DateTimeOffset.UtcNow, i % 2 == 0 ? X509RevocationReason.KeyCompromise : null);
        }

        var withEntries = builder.Build(issuer, 9, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        var empty = new CertificateRevocationListBuilder().Build(issuer, 10, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
        return [withEntries, empty];
    }

    private sealed class Counts
    {
        public int Accepted { get; set; }

        public int Rejected { get; set; }

        public override string ToString() => $"{Accepted} parses accepted, {Rejected} rejected with MaterialException";
    }
}
