using System.Diagnostics;
using Xunit.Abstractions;

namespace IoTCerts.Issuance.Tests.Store;

/// <summary>
/// child processes issue certificates in a loop and are killed with SIGKILL at random moments, and two
/// processes issue at once: no serial appears twice, the index always loads, every certificate file is in the index,
/// and every serial a child reported as issued is in the index. The helpers compact the journal every
/// <see cref="CompactEvery"/> transactions, so kills land in journal appends, certificate publication and compactions.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Rounds = 20;
    private const int CompactEvery = 5;
    private static readonly string Helper = Path.Combine(AppContext.BaseDirectory, "IoTCerts.Issuance.CrashHelper.dll");

    [Theory]
    [InlineData(SerialNumberMode.Sequential)]
    [InlineData(SerialNumberMode.Random)]
    public async Task KilledAndConcurrentIssuersNeverCorruptTheDatabase(SerialNumberMode mode)
    {
        using var dir = new TempDir();
        var caDir = dir["ca"];
        TestCa.Root(caDir, settings: new CaSettings { SerialNumbers = mode }).Dispose();
        var database = new DirectoryCaDatabase(caDir);
        var acknowledged = new List<string>();
        var random = new Random(4711);
        var killedWhileIssuing = 0;

        for (var round = 0; round < Rounds; round++)
        {
            using var child = StartHelper(caDir, $"r{round}", 100_000);
            var lines = new List<string>();

            // A dedicated reader thread: the test must not depend on the thread pool to see the child's output.
            var reader = new Thread(() =>
            {
                while (child.StandardOutput.ReadLine() is { } line)
                {
                    lock (lines)
                    {
                        lines.Add(line);
                    }
                }
            }) { IsBackground = true };
            reader.Start();
            WaitFor(() => { lock (lines) { return lines.Count > 0; } }, child);

            // Kill somewhere in the issuing loop: after the CA is open, at a random instant.
            Thread.Sleep(random.Next(50, 600));
            child.Kill();
            child.WaitForExit();
            reader.Join(TimeSpan.FromSeconds(10));
            lock (lines)
            {
                var issued = lines.Where(l => l.StartsWith("issued ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
                acknowledged.AddRange(issued);
                killedWhileIssuing += issued.Count > 0 ? 1 : 0;
            }

            AssertConsistent(database, acknowledged);
        }

        // Two processes issuing at the same time, to completion.
        const int PerProcess = 40;
        var before = database.ReadRecords().Count;
        using (var a = StartHelper(caDir, "concurrent-a", PerProcess))
        using (var b = StartHelper(caDir, "concurrent-b", PerProcess))
        {
            var outA = a.StandardOutput.ReadToEndAsync();
            var outB = b.StandardOutput.ReadToEndAsync();
            Assert.True(a.WaitForExit(60_000) && b.WaitForExit(60_000), "the concurrent issuers did not finish");
            Assert.True(a.ExitCode == 0, a.StandardError.ReadToEnd());
            Assert.True(b.ExitCode == 0, b.StandardError.ReadToEnd());
            foreach (var text in new[] { await outA, await outB })
            {
                acknowledged.AddRange(text.Split('\n').Where(l => l.StartsWith("issued ", StringComparison.Ordinal)).Select(l => l[7..].Trim()));
            }
        }

        var records = AssertConsistent(database, acknowledged);
        Assert.Equal(before + (2 * CertificatesPerHelper(PerProcess)), records.Count);

        // After compaction, every index entry also has its certificate file.
        database.Compact();
        foreach (var record in records)
        {
            Assert.True(File.Exists(database.CertificatePath(record.SerialNumber)), $"no file for {record.SerialNumber}");
        }

        output.WriteLine($"{mode}: {Rounds} SIGKILL rounds ({killedWhileIssuing} killed after issuing at least one), {acknowledged.Count} acknowledged, {records.Count} in the index, {records.Select(r => r.SerialNumber).Distinct().Count()} distinct serials, concurrent: 2 x {CertificatesPerHelper(PerProcess)}");
    }

    // The helper issues 1, 1, then a batch of 4, and so on.
    private static int CertificatesPerHelper(int steps) => Enumerable.Range(0, steps).Sum(i => i % 3 == 2 ? 4 : 1);

    private static List<CertificateRecord> AssertConsistent(DirectoryCaDatabase database, List<string> acknowledged)
    {
        var records = database.ReadRecords().ToList();
        var serials = records.Select(r => r.SerialNumber).ToList();
        Assert.Equal(serials.Count, serials.Distinct(StringComparer.Ordinal).Count());
        var indexed = serials.ToHashSet(StringComparer.Ordinal);
        Assert.All(acknowledged, s => Assert.Contains(s, indexed));
        var files = Directory.EnumerateFiles(Path.Combine(database.Directory, "newcerts")).Select(Path.GetFileName).Where(n => n!.EndsWith(".pem", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Contains(f![..^4], indexed));
        return records;
    }

    private static Process StartHelper(string caDir, string prefix, int count)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Helper, caDir, TestCa.Password, prefix, count.ToString(System.Globalization.CultureInfo.InvariantCulture), CompactEvery.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("the helper did not start");
    }

    private static void WaitFor(Func<bool> condition, Process child)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(child.HasExited && !condition(), "the helper exited early");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the helper did not start issuing");
            Thread.Sleep(5);
        }
    }
}
