using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace IoTCerts.Core.Tests.Loading;

/// <summary>
/// Issue 17, finding 6: key-derivation work is bounded per input (a total over all objects), per object, for the PKCS#12
/// MAC before any password is known, and for empty-password attempts when no password was given; PEM blocks and
/// PKCS#12 bags are counted. Each limit stops hostile input with its own code before the work it would refuse.
/// </summary>
public sealed class KdfBudgetTests
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_defaults_are_the_documented_bounds()
    {
        var limits = MaterialLimits.Default;

        Assert.Equal(600_000, limits.MaxKdfIterations);
        Assert.Equal(2_000_000, limits.MaxKdfIterationsPerInput);
        Assert.Equal(150_000, limits.MaxKdfIterationsWithoutPassword);
        Assert.Equal(100_000, limits.MaxPkcs12MacIterations);
        Assert.Equal(1_000, limits.MaxPemBlocks);
        Assert.Equal(1_000, limits.MaxPkcs12Bags);
    }

    [Fact]
    public void Many_keys_each_within_the_per_object_limit_exceed_the_budget_of_the_input()
    {
        // Eight keys at 1,000 iterations each against a budget of 5,000: the sixth is refused before its derivation runs.
        var pem = new StringBuilder();
        for (var i = 0; i < 8; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var der = key.ExportEncryptedPkcs8PrivateKey("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1_000));
            pem.Append(PemWriter.Write("ENCRYPTED PRIVATE KEY", der));
        }

        var limits = new MaterialLimits { MaxKdfIterations = 1_000, MaxKdfIterationsPerInput = 5_000 };
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(pem.ToString()), new LoadOptions { Password = "pw", Limits = limits }));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.Contains("in total", error.Message, StringComparison.Ordinal);

        // The same input within a budget that covers it loads all eight keys: the budget, not the keys, refused it.
        var enough = new MaterialLimits { MaxKdfIterations = 1_000, MaxKdfIterationsPerInput = 8_000 };
        Assert.Equal(8, MaterialLoader.Load(Encoding.ASCII.GetBytes(pem.ToString()), new LoadOptions { Password = "pw", Limits = enough }).PrivateKeys.Count);
    }

    [Fact]
    public void A_key_above_the_OWASP_per_object_cap_is_refused_before_any_derivation()
    {
        var pem = EncryptedKeyPem(600_001);
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(pem), new LoadOptions { Password = "pw" }));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.True(watch.Elapsed < s_hangGuard);
    }

    [Fact]
    public void A_Pkcs12_MAC_iteration_count_above_the_cap_is_refused_before_the_MAC_key_is_derived()
    {
        var pfx = LimitTests.Pfx(LimitTests.EmptySequence(), macIterations: 100_001);
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(pfx));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.Contains("PKCS#12 MAC", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Without_a_password_an_expensive_encrypted_safe_asks_for_one_instead_of_trying_the_empty_one()
    {
        // No MAC, one encrypted safe at 600,000 iterations: trying "" and the no-bytes form would cost 1.2M iterations.
        var pfx = LimitTests.Pfx(EncryptedSafe(600_000), macIterations: null);
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(pfx));

        Assert.Equal(MaterialErrorCode.PassphraseRequired, error.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public void A_keystore_written_by_IoTCerts_without_a_password_still_loads_without_one()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kdf-budget", ec, HashAlgorithmName.SHA256);
        using var x509 = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificate = Certificate.Parse(x509.RawData);
        var key = MaterialLoader.Load(Encoding.ASCII.GetBytes(PemWriter.Write("PRIVATE KEY", ec.ExportPkcs8PrivateKey()))).PrivateKeys[0];
        var p12 = MaterialWriter.ToPkcs12(key, [certificate]);

        var loaded = MaterialLoader.Load(p12);

        Assert.Single(loaded.PrivateKeys);
        Assert.Single(loaded.Certificates);
    }

    [Fact]
    public void More_PEM_blocks_than_the_limit_are_refused()
    {
        var block = PemWriter.Write("UNKNOWN THING", [1, 2, 3]);
        var text = string.Concat(Enumerable.Repeat(block, 11));

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(text), new LoadOptions { Limits = new MaterialLimits { MaxPemBlocks = 10 } }));

        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("PEM blocks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_PKCS12_bags_than_the_limit_are_refused()
    {
        var bags = new AsnWriter(AsnEncodingRules.DER);
        using (bags.PushSequence())
        {
            for (var i = 0; i < 11; i++)
            {
                using (bags.PushSequence())
                {
                    bags.WriteObjectIdentifier("1.2.840.113549.1.12.10.1.5"); // secretBag: skipped, but counted
                    using (bags.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                    {
                        bags.WriteNull();
                    }
                }
            }
        }

        var safe = new AsnWriter(AsnEncodingRules.DER);
        using (safe.PushSequence())
        using (safe.PushSequence())
        {
            safe.WriteObjectIdentifier("1.2.840.113549.1.7.1");
            using (safe.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
            {
                safe.WriteOctetString(bags.Encode());
            }
        }

        var pfx = LimitTests.Pfx(safe.Encode(), macIterations: null);
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(pfx, new LoadOptions { Limits = new MaterialLimits { MaxPkcs12Bags = 10 } }));

        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.Contains("bags", error.Message, StringComparison.Ordinal);
    }

    private static string EncryptedKeyPem(long iterations)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(LimitTests.Pbes2AlgorithmIdentifier(iterations));
            writer.WriteOctetString(new byte[48]);
        }

        return PemWriter.Write("ENCRYPTED PRIVATE KEY", writer.Encode());
    }

    private static byte[] EncryptedSafe(long iterations)
    {
        var safe = new AsnWriter(AsnEncodingRules.DER);
        using (safe.PushSequence())
        {
            using (safe.PushSequence())
            {
                safe.WriteObjectIdentifier("1.2.840.113549.1.7.6");
                using (safe.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                using (safe.PushSequence())
                {
                    safe.WriteInteger(0);
                    using (safe.PushSequence())
                    {
                        safe.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                        safe.WriteEncodedValue(LimitTests.Pbes2AlgorithmIdentifier(iterations));
                        safe.WriteOctetString(new byte[32], new Asn1Tag(TagClass.ContextSpecific, 0));
                    }
                }
            }
        }

        return safe.Encode();
    }
}
