using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>A CA (EC P-256, fast to sign) on a fresh database of the cluster, its key file in a temporary directory.</summary>
public sealed class TestCa : IDisposable
{
    public TestCa(PostgreSqlCluster cluster, SerialNumberMode serials = SerialNumberMode.Random, string schema = "iotcerts")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("iotcerts-pgca-").FullName;
        ConnectionString = cluster.CreateDatabase();
        Schema = schema;
        KeyFile = Path.Combine(Directory, "caKey.pem");
        Database = Open();
        Authority = CertificateAuthority.CreateRoot(Database, new CaOptions
        {
            Subject = "CN=PostgreSQL Test CA",
            KeyAlgorithm = KeyAlgorithm.EcP256,
            Settings = new CaSettings { SerialNumbers = serials },
        });
    }

    public string Directory { get; }

    public string ConnectionString { get; }

    public string Schema { get; }

    public string KeyFile { get; }

    public PostgreSqlCaDatabase Database { get; }

    public CertificateAuthority Authority { get; }

    public PostgreSqlCaDatabase Open(int maxAttempts = 5) => new(new PostgreSqlCaDatabaseOptions
    {
        ConnectionString = ConnectionString,
        Schema = Schema,
        KeyFile = KeyFile,
        MaxAttempts = maxAttempts,
        RetryDelay = TimeSpan.FromMilliseconds(50),
    });

    public static IssuanceRequest Request(string commonName, string? renews = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new IssuanceRequest
        {
            Subject = new X500DistinguishedName("CN=" + commonName),
            PublicKey = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey,
            Profile = CertificateProfile.Device(),
            Renews = renews,
        };
    }

    /// <summary>Runs one SQL query on the CA's database and returns the first column of every row.</summary>
    public List<T> Query<T>(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal), connection);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(reader.GetFieldValue<T>(0));
        }

        return rows;
    }

    /// <summary>Starts a node process (the NodeHelper) on this CA.</summary>
    public Process StartNode(string prefix, int count, int batch, params string[] extra)
    {
        var helper = Path.Combine(AppContext.BaseDirectory, "IoTCerts.Issuance.PostgreSql.NodeHelper.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[helper, ConnectionString, Schema, KeyFile, prefix, count.ToString(System.Globalization.CultureInfo.InvariantCulture), batch.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra])
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    /// <summary>Runs the nodes to the end and returns each one's output lines.</summary>
    public static List<string>[] RunNodes(IReadOnlyList<Process> nodes, TimeSpan timeout)
    {
        var outputs = nodes.Select(n => (Out: n.StandardOutput.ReadToEndAsync(), Err: n.StandardError.ReadToEndAsync())).ToList();
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            foreach (var n in nodes)
            {
                var left = deadline - DateTime.UtcNow;
                Assert.True(n.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero), "a node did not finish in time");
            }

            for (var i = 0; i < nodes.Count; i++)
            {
                Assert.True(nodes[i].ExitCode == 0, $"node {i} failed: {outputs[i].Err.Result}");
            }

            return outputs.Select(o => o.Out.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList()).ToArray();
        }
        finally
        {
            foreach (var n in nodes)
            {
                if (!n.HasExited)
                {
                    n.Kill(entireProcessTree: true);
                }

                n.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Authority.Dispose();
        Database.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
