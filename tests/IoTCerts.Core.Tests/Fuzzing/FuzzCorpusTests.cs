using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit.Abstractions;

namespace IoTCerts.Core.Tests.Fuzzing;

/// <summary>
/// The in-repository fuzzer (issue 17). In CI: 20,000 structure-aware mutations of the committed seed corpus as
/// FsCheck properties (about a minute, bounded at 90 s), and every saved regression input replayed. Long mode:
/// <c>./build.sh fuzz [--minutes N]</c> runs <see cref="Long_fuzz_run"/>, which minimises and saves each failing input
/// under Corpus/regressions, where <see cref="Saved_regressions_only_ever_give_MaterialException"/> replays it forever.
/// </summary>
public sealed class FuzzCorpusTests(ITestOutputHelper output)
{
    private const int CasesPerProperty = 5_000;
    private static readonly TimeSpan s_perInputGuard = TimeSpan.FromSeconds(2);
    private static readonly Stopwatch s_bounded = new();

    private static Gen<byte[]> Inputs =>
        from seed in Gen.Elements(SeedCorpus.Seeds)
        from randomSeed in Gen.Choose(0, int.MaxValue)
        select Mutator.Mutate(seed, new Random(randomSeed));

    // Four properties of 5,000 cases each: 20,000 inputs, each through every public way in (FuzzTarget).
    [Property(MaxTest = CasesPerProperty, QuietOnSuccess = true)]
    public Property Mutated_material_only_ever_gives_MaterialException_1() => Bounded();

    [Property(MaxTest = CasesPerProperty, QuietOnSuccess = true)]
    public Property Mutated_material_only_ever_gives_MaterialException_2() => Bounded();

    [Property(MaxTest = CasesPerProperty, QuietOnSuccess = true)]
    public Property Mutated_material_only_ever_gives_MaterialException_3() => Bounded();

    [Property(MaxTest = CasesPerProperty, QuietOnSuccess = true)]
    public Property Mutated_material_only_ever_gives_MaterialException_4() => Bounded();

    [Fact]
    public void The_committed_seed_corpus_loads()
    {
        Assert.True(Directory.Exists(SeedCorpus.SeedDirectory), $"no seed corpus at {SeedCorpus.SeedDirectory}");
        var files = Directory.GetFiles(SeedCorpus.SeedDirectory);
        Assert.True(files.Length >= 15, $"only {files.Length} seeds");
        foreach (var file in files)
        {
            // Every seed is accepted by some way in: the fuzzer starts from valid material, not noise.
            Assert.True(FuzzTarget.Run(File.ReadAllBytes(file)) > 0, $"{Path.GetFileName(file)} is accepted by nothing");
        }
    }

    public static TheoryData<string> Regressions()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(SeedCorpus.RegressionDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Regressions))]
    public void Saved_regressions_only_ever_give_MaterialException(string file)
    {
        var watch = Stopwatch.StartNew();

        FuzzTarget.Run(File.ReadAllBytes(Path.Combine(SeedCorpus.RegressionDirectory, file)));

        Assert.True(watch.Elapsed < s_perInputGuard * 5, $"{file} took {watch.Elapsed}");
    }

    /// <summary>Rewrites Corpus/seeds (IOTCERTS_FUZZ_WRITE_SEEDS=1); the seeds are committed, so this runs only on demand.</summary>
    [SkippableFuzzFact("IOTCERTS_FUZZ_WRITE_SEEDS")]
    public void Regenerate_the_seed_corpus()
    {
        Directory.CreateDirectory(SeedCorpus.SeedDirectory);
        foreach (var (name, bytes) in SeedCorpus.Generate())
        {
            File.WriteAllBytes(Path.Combine(SeedCorpus.SeedDirectory, name), bytes);
        }
    }

    /// <summary>
    /// The long mode (IOTCERTS_FUZZ_MINUTES=N, set by <c>./build.sh fuzz --minutes N</c>): mutates seeds and saved
    /// regressions until the time is up; each foreign exception is minimised and saved under Corpus/regressions.
    /// Prints inputs run, foreign exceptions, the slowest input and the peak working set.
    /// </summary>
    [SkippableFuzzFact("IOTCERTS_FUZZ_MINUTES")]
    public void Long_fuzz_run()
    {
        var minutes = double.Parse(Environment.GetEnvironmentVariable("IOTCERTS_FUZZ_MINUTES")!, System.Globalization.CultureInfo.InvariantCulture);
        var seeds = SeedCorpus.Seeds.Concat(Directory.GetFiles(SeedCorpus.RegressionDirectory).Select(File.ReadAllBytes)).ToArray();
        var random = new Random();
        var deadline = Stopwatch.StartNew();
        long inputs = 0;
        var failures = new List<string>();
        var slowest = TimeSpan.Zero;
        var slowestSize = 0;
        while (deadline.Elapsed < TimeSpan.FromMinutes(minutes))
        {
            var input = Mutator.Mutate(seeds[random.Next(seeds.Length)], random);
            var watch = Stopwatch.StartNew();
            try
            {
                FuzzTarget.Run(input);
            }
            catch (ForeignException failure)
            {
                var minimal = FuzzTarget.Minimize(input, failure, TimeSpan.FromSeconds(30));
                var name = $"{failure.InnerException!.GetType().Name}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(minimal))[..16].ToLowerInvariant()}.bin";
                Directory.CreateDirectory(SeedCorpus.RegressionDirectory);
                File.WriteAllBytes(Path.Combine(SeedCorpus.RegressionDirectory, name), minimal);
                failures.Add($"{name}: {failure.Message}");
            }

            if (watch.Elapsed > slowest)
            {
                slowest = watch.Elapsed;
                slowestSize = input.Length;
            }

            inputs++;
        }

        using var process = Process.GetCurrentProcess();
        var summary = $"fuzz: {inputs} inputs in {deadline.Elapsed.TotalMinutes:F1} min, {failures.Count} foreign exceptions, slowest input {slowest.TotalMilliseconds:F1} ms ({slowestSize} bytes), peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MiB";
        output.WriteLine(summary);
        File.WriteAllText(Path.Combine(SeedCorpus.Directory, "..", "TestResults-fuzz-summary.txt"), summary + Environment.NewLine + string.Join(Environment.NewLine, failures) + Environment.NewLine);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n", failures));
    }

    private Property Bounded()
    {
        var cases = 0;
        var property = Prop.ForAll(Inputs.ToArbitrary(), input =>
        {
            lock (s_bounded)
            {
                s_bounded.Start();
            }

            var watch = Stopwatch.StartNew();
            try
            {
                FuzzTarget.Run(input);
            }
            catch (ForeignException failure)
            {
                // The message carries the input, so a CI failure can be saved as a regression by hand.
                throw new InvalidOperationException($"{failure.Message}\ninput (base64): {Convert.ToBase64String(input)}", failure);
            }

            Assert.True(watch.Elapsed < s_perInputGuard, $"one input took {watch.Elapsed}: {Convert.ToBase64String(input)}");
            cases++;
            return true;
        });
        output.WriteLine($"bounded fuzz: {SeedCorpus.Seeds.Length} seeds");
        return property;
    }
}

/// <summary>A fact that runs only when the named environment variable is set (the fuzzer's on-demand modes).</summary>
public sealed class SkippableFuzzFactAttribute : FactAttribute
{
    public SkippableFuzzFactAttribute(string variable)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
        {
            Skip = $"on demand: set {variable} (./build.sh fuzz)";
        }
    }
}
