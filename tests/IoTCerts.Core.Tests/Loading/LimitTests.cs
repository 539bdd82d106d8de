using System.Diagnostics;
using System.Formats.Asn1;
using System.Text;

namespace IoTCerts.Core.Tests.Loading;

/// <summary>One test per <see cref="MaterialLimits"/> bound, each showing it stops hostile input.</summary>
public sealed class LimitTests
{
    // A hang guard, not a performance assertion: running the refused KDF (2^31 iterations) would take minutes.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public void InputLargerThanTheLimitIsInputTooLarge()
    {
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(new byte[(16 * 1024 * 1024) + 1]));
        Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);

        var small = new LoadOptions { Limits = new MaterialLimits { MaxInputBytes = 100 } };
        Assert.Equal(MaterialErrorCode.InputTooLarge, Assert.Throws<MaterialException>(() => MaterialLoader.Load(new byte[101], small)).Code);
    }

    [Fact]
    public void FileLargerThanTheLimitIsRefusedBeforeReading()
    {
        var path = Path.Combine(Path.GetTempPath(), "iotcerts-huge-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = File.Create(path))
            {
                stream.SetLength(17L * 1024 * 1024); // sparse: costs no disk
            }

            var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile(path));
            Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);
            Assert.Equal(path, error.SourceName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EndlessDeviceFileIsInputTooLargeNotAHang()
    {
        Assert.True(File.Exists("/dev/zero") || OperatingSystem.IsWindows());
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // /dev/zero reports length 0 and never ends; reading must stop at the limit.
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.LoadFile("/dev/zero", new LoadOptions { Limits = new MaterialLimits { MaxInputBytes = 1 << 20 } }));
        Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);
    }

    [Fact]
    public void HundredThousandPemBlocksAreTooManyObjects()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 100_000; i++)
        {
            text.Append("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
        }

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(text.ToString())));

        Assert.Equal(MaterialErrorCode.TooManyObjects, error.Code);
        Assert.True(watch.Elapsed < HangGuard);
    }

    [Fact]
    public void OverlongPemLineIsRefused()
    {
        var text = "-----BEGIN CERTIFICATE-----\n" + new string('A', 100_000) + "\n-----END CERTIFICATE-----\n";
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(text)));

        Assert.Equal(MaterialErrorCode.InputTooLarge, error.Code);
        Assert.Contains("PEM line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedDerIsNestingTooDeep()
    {
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(NestedSequences(100_000)));

        Assert.Equal(MaterialErrorCode.NestingTooDeep, error.Code);
        Assert.True(watch.Elapsed < HangGuard);
    }

    [Fact]
    public void DeeplyNestedIndefiniteLengthBerIsRefusedWithoutOverflowingTheStack()
    {
        const int depth = 100_000;
        var ber = new byte[depth * 4];
        for (int i = 0; i < depth; i++)
        {
            ber[2 * i] = 0x30;
            ber[(2 * i) + 1] = 0x80;
        }

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(ber));

        Assert.Contains(error.Code, new[] { MaterialErrorCode.NestingTooDeep, MaterialErrorCode.Malformed });
    }

    [Fact]
    public void HugeRsaKeyIsRefusedBeforeImport()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.1");
                writer.WriteNull();
            }

            writer.WriteOctetString(new byte[64 * 1024]);
        }

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(writer.Encode()));

        Assert.Equal(MaterialErrorCode.UnsupportedAlgorithm, error.Code);
    }

    [Fact]
    public void DeepNestingHiddenInsidePkcs12OctetStringsIsNestingTooDeep()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(3);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    writer.WriteOctetString(NestedSequences(50_000));
                }
            }
        }

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(writer.Encode()));

        Assert.Equal(MaterialErrorCode.NestingTooDeep, error.Code);
    }

    [Fact]
    public void Pkcs12MacWithHostileIterationCountIsRefusedWithoutRunningTheKdf()
    {
        var pfx = Pfx(authenticatedSafe: EmptySequence(), macIterations: int.MaxValue);

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(pfx, new LoadOptions { Password = "pw" }));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.True(watch.Elapsed < HangGuard);
    }

    [Fact]
    public void Pkcs12EncryptedContentWithHostileIterationCountIsRefusedWithoutRunningTheKdf()
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
                        safe.WriteEncodedValue(Pbes2AlgorithmIdentifier(int.MaxValue));
                        safe.WriteOctetString(new byte[32], new Asn1Tag(TagClass.ContextSpecific, 0));
                    }
                }
            }
        }

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Pfx(safe.Encode(), macIterations: null), new LoadOptions { Password = "pw" }));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.True(watch.Elapsed < HangGuard);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1_000_001)]
    public void Pbes2KeyWithHostileIterationCountIsRefusedWithoutRunningTheKdf(int iterations)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(Pbes2AlgorithmIdentifier(iterations));
            writer.WriteOctetString(new byte[48]);
        }

        var pem = PemWriter.Write("ENCRYPTED PRIVATE KEY", writer.Encode());
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(Encoding.ASCII.GetBytes(pem), new LoadOptions { Password = "pw" }));

        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
        Assert.True(watch.Elapsed < HangGuard);
    }

    [Fact]
    public void IterationCountAboveTheInt32RangeIsWorkFactorTooHigh()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(Pbes2AlgorithmIdentifier(1L << 40));
            writer.WriteOctetString(new byte[48]);
        }

        var error = Assert.Throws<MaterialException>(() => MaterialLoader.Load(writer.Encode(), new LoadOptions { Password = "pw" }));
        Assert.Equal(MaterialErrorCode.WorkFactorTooHigh, error.Code);
    }

    internal static byte[] NestedSequences(int depth)
    {
        // content[1] = 0 (the innermost SEQUENCE is empty); content[i + 1] = whole size of level i.
        var content = new long[depth + 1];
        for (int i = 1; i < depth; i++)
        {
            content[i + 1] = HeaderSize(content[i]) + content[i];
        }

        var output = new List<byte>();
        for (int level = depth; level >= 1; level--)
        {
            WriteHeader(output, content[level]);
        }

        return output.ToArray();
    }

    private static int HeaderSize(long length) => length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;

    private static void WriteHeader(List<byte> output, long length)
    {
        output.Add(0x30);
        if (length < 0x80)
        {
            output.Add((byte)length);
        }
        else if (length < 0x100)
        {
            output.Add(0x81);
            output.Add((byte)length);
        }
        else if (length < 0x10000)
        {
            output.Add(0x82);
            output.Add((byte)(length >> 8));
            output.Add((byte)length);
        }
        else
        {
            output.Add(0x83);
            output.Add((byte)(length >> 16));
            output.Add((byte)(length >> 8));
            output.Add((byte)length);
        }
    }

    internal static byte[] EmptySequence()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.PushSequence().Dispose();
        return writer.Encode();
    }

    internal static byte[] Pbes2AlgorithmIdentifier(long iterations)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.5.13");
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.113549.1.5.12");
                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString(new byte[8]);
                        writer.WriteInteger(iterations);
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier("1.2.840.113549.2.9");
                            writer.WriteNull();
                        }
                    }
                }

                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("2.16.840.1.101.3.4.1.42");
                    writer.WriteOctetString(new byte[16]);
                }
            }
        }

        return writer.Encode();
    }

    internal static byte[] Pfx(byte[] authenticatedSafe, int? macIterations)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(3);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)))
                {
                    writer.WriteOctetString(authenticatedSafe);
                }
            }

            if (macIterations is { } iterations)
            {
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                            writer.WriteNull();
                        }

                        writer.WriteOctetString(new byte[32]);
                    }

                    writer.WriteOctetString(new byte[8]);
                    writer.WriteInteger(iterations);
                }
            }
        }

        return writer.Encode();
    }
}
