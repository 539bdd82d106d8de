using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace IoTCerts.Issuance.PostgreSql.Tests;

/// <summary>
/// A private PostgreSQL cluster for the tests: initdb into a temporary directory (owned by the postgres user when the
/// tests run as root, since PostgreSQL refuses to run as root), listening on 127.0.0.1 and a free port, the Unix socket
/// in the same directory. Stopped and deleted on dispose, also when a test failed.
/// </summary>
public sealed class PostgreSqlCluster : IDisposable
{
    private static int databases;
    private readonly string binDirectory;
    private readonly bool asPostgresUser = Environment.UserName == "root";

    public PostgreSqlCluster()
    {
        binDirectory = FindBinDirectory();
        Root = Path.Combine(Path.GetTempPath(), "iotcerts-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        try
        {
            if (asPostgresUser)
            {
                Run("chown", "postgres:postgres", Root);
            }

            RunAs(Path.Combine(binDirectory, "initdb"), "-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C");
            StartOnFreePort();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The temporary directory (data directory, socket and log inside).</summary>
    public string Root { get; }

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(Root, "data");

    /// <summary>A connection string to a new, empty database of this cluster.</summary>
    public string CreateDatabase()
    {
        var name = "ca" + Interlocked.Increment(ref databases);
        using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Pooling=true;Timeout=5";

    /// <summary>Stops the server (fast shutdown: sessions are terminated).</summary>
    public void Stop() => RunAs(Path.Combine(binDirectory, "pg_ctl"), "stop", "-D", DataDirectory, "-m", "fast", "-w");

    /// <summary>Starts the server again on the same port.</summary>
    public void Start()
    {
        StartServer();

        // The test's own pooled connections (CreateDatabase, queries) died with the old server.
        NpgsqlConnection.ClearAllPools();
    }

    private void StartServer() => RunAs(Path.Combine(binDirectory, "pg_ctl"), "start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(Root, "server.log"),
        "-o", $"-p {Port} -k {Root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB");

    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                RunAs(Path.Combine(binDirectory, "pg_ctl"), "stop", "-D", DataDirectory, "-m", "immediate", "-w");
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void StartOnFreePort()
    {
        // Another engineer's test may take the port between probing and binding: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            try
            {
                Start();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
            }
        }
    }

    private static string FindBinDirectory()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb"))).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL is not installed (./build.sh test installs Debian's postgresql)");
    }

    private void RunAs(string tool, params string[] arguments)
    {
        if (asPostgresUser)
        {
            Run("runuser", ["-u", "postgres", "--", tool, .. arguments]);
        }
        else
        {
            Run(tool, arguments);
        }
    }

    private static void Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish in 120 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stdout.Result} {stderr.Result}");
        }
    }
}
