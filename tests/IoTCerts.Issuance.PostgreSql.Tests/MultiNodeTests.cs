using System.Diagnostics;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>
/// Several CA nodes as separate processes on one database (issue #21 "Show"): concurrent issuance, the same names tried
/// by every node, revocation and one CRL listing everything; and nodes SIGKILLed in the middle of issuing.
/// IOTCERTS_PG_CERTIFICATES sets how many certificates each run issues: 2,000 by default, so the suite stays near a
/// minute on the shared 2-core CI machine; IOTCERTS_PG_CERTIFICATES=10000 runs the issue's full count.
/// </summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class MultiNodeTests(PostgreSqlCluster cluster)
{
    private static readonly int Total = int.TryParse(Environment.GetEnvironmentVariable("IOTCERTS_PG_CERTIFICATES"), out var n) && n > 0 ? n : 2_000;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Nodes_issue_concurrently_without_duplicates_and_the_crl_lists_every_revoked_certificate(int nodes)
    {
        using var ca = new TestCa(cluster);
        const int Shared = 20;
        var processes = Enumerable.Range(0, nodes).Select(i => ca.StartNode($"n{i}", Total / nodes, batch: 50, "revoke", $"shared:{Shared}")).ToList();
        var outputs = TestCa.RunNodes(processes, TimeSpan.FromMinutes(5));

        var issued = outputs.SelectMany(o => o).Where(l => l.StartsWith("ISSUED ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        var revoked = outputs.SelectMany(o => o).Where(l => l.StartsWith("REVOKED ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();

        // Every shared name went to exactly one node; the others were refused with the policy code.
        Assert.Equal(Total + Shared, issued.Count);
        Assert.Equal(Shared * (nodes - 1), outputs.SelectMany(o => o).Count(l => l.StartsWith("REFUSED policy-violation shared-", StringComparison.Ordinal)));
        Assert.Equal(issued.Count, issued.Select(i => i[1]).Distinct().Count());
        Assert.Equal(issued.Count, issued.Select(i => i[2]).Distinct().Count());

        // The database: every reported certificate present with its DER, 0 duplicate serials, 0 duplicate valid names.
        var serials = ca.Query<string>("SELECT serial FROM {s}.certificates WHERE der IS NOT NULL").ToHashSet();
        Assert.Equal(issued.Count, serials.Count);
        Assert.Subset(serials, issued.Select(i => i[1]).ToHashSet());
        Assert.Empty(ca.Query<string>("SELECT common_name FROM {s}.certificates WHERE status = 'V' GROUP BY common_name HAVING count(*) > 1"));
        Assert.Equal(Total, revoked.Count);

        // One CRL after the revocations lists every revoked certificate (checked by openssl).
        var crl = ca.Authority.PublishCrl();
        Assert.Equal(Total, crl.RevokedCount);
        var crlFile = Path.Combine(ca.Directory, "ca.crl");
        File.WriteAllBytes(crlFile, crl.Der.ToArray());
        var listed = OpenSsl("crl", "-inform", "DER", "-in", crlFile, "-noout", "-text")
            .Split('\n').Where(l => l.TrimStart().StartsWith("Serial Number:", StringComparison.Ordinal)).Select(l => l.Split(':')[1].Trim().ToUpperInvariant()).ToHashSet();
        Assert.Equal(revoked, listed.Select(s => s.TrimStart('0')).Select(s => s.Length % 2 == 1 ? "0" + s : s).ToHashSet());
    }

    [Fact]
    public void A_node_killed_during_issuance_twenty_times_loses_nothing_it_reported_and_reuses_no_serial()
    {
        using var ca = new TestCa(cluster, SerialNumberMode.Sequential);
        var reported = new List<string>();
        for (var round = 0; round < 20; round++)
        {
            using var node = ca.StartNode($"kill{round}", count: 0, batch: 1 + (round % 3 * 4));
            var wanted = 1 + Random.Shared.Next(15);
            var seen = 0;
            while (seen < wanted && node.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("ISSUED ", StringComparison.Ordinal))
                {
                    reported.Add(line.Split(' ')[1]);
                    seen++;
                }
            }

            node.Kill(); // SIGKILL, mid-stream: the node is issuing its next certificates
            node.WaitForExit();
            Assert.Equal(wanted, seen);

            // What it printed before dying (the rest of the pipe) counts as reported too.
            foreach (var line in node.StandardOutput.ReadToEnd().Split('\n'))
            {
                if (line.StartsWith("ISSUED ", StringComparison.Ordinal) && line.Split(' ') is [_, var serial, _])
                {
                    reported.Add(serial);
                }
            }
        }

        var rows = ca.Query<string>("SELECT serial FROM {s}.certificates");
        Assert.Equal(rows.Count, rows.Distinct().Count());
        Assert.Subset(rows.ToHashSet(), reported.ToHashSet());

        // No half-recorded certificate: every row has its certificate, whose serial is the row's, and its audit row.
        Assert.Empty(ca.Query<string>("SELECT serial FROM {s}.certificates WHERE der IS NULL OR common_name IS NULL"));
        Assert.Empty(ca.Query<string>("SELECT c.serial FROM {s}.certificates c LEFT JOIN {s}.audit a ON a.serial = c.serial AND a.action = 'issue' WHERE a.id IS NULL"));
        foreach (var serial in reported.Take(50))
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(ca.Database.ReadCertificate(serial)!);
            Assert.Equal(serial, certificate.SerialNumber);
        }

        // Serials never go back: the next one is above every one the killed nodes used.
        var next = ca.Authority.Issue(TestCa.Request("after-the-kills"));
        Assert.True(Convert.ToInt64(next.SerialNumber, 16) > rows.Max(r => Convert.ToInt64(r, 16)));
    }

    [Fact]
    public void A_postgresql_restart_is_a_clear_error_then_the_same_node_recovers()
    {
        using var ca = new TestCa(cluster);
        using var database = ca.Open(maxAttempts: 2);
        using var node = CertificateAuthority.Open(database, passphrase: null);
        node.Issue(TestCa.Request("before-restart"));

        cluster.Stop();
        try
        {
            var e = Assert.Throws<IssuanceException>(() => node.Issue(TestCa.Request("during-restart")));
            Assert.Equal(IssuanceErrorCode.StoreUnavailable, e.Code);
            Assert.Contains("unavailable", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            cluster.Start();
        }

        // Same objects, no restart of the node: the pool reconnects.
        node.Issue(TestCa.Request("after-restart"));
        node.Issue(TestCa.Request("during-restart"));
        Assert.Equal(3, database.ReadRecords().Count);
    }

    private static string OpenSsl(params string[] arguments)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error.Result);
        return output.Result;
    }
}
