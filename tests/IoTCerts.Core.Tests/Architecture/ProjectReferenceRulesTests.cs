using System.Xml.Linq;

namespace IoTCerts.Core.Tests.Architecture;

/// <summary>
/// The packages point one way (ARCHITECTURE.md): reads every src/*/*.csproj and fails on a ProjectReference that the
/// layering forbids. Core takes nothing of ours; Issuance stays below the network packages; EST and MQTT never know
/// each other (IoTCerts.Device joins them), nor MQTT and Platform; no library references the CLI; the online
/// revocation package stays below the clients.
/// </summary>
public sealed class ProjectReferenceRulesTests
{
    private const string Core = "IoTCerts.Core";
    private const string Issuance = "IoTCerts.Issuance";
    private const string Est = "IoTCerts.Est";
    private const string EstServer = "IoTCerts.Est.Server";
    private const string Mqtt = "IoTCerts.Mqtt";
    private const string Platform = "IoTCerts.Platform";
    private const string Device = "IoTCerts.Device";
    private const string Cli = "IoTCerts.Cli";
    private const string RevocationOnline = "IoTCerts.Revocation.Online";
    private const string IssuancePostgreSql = "IoTCerts.Issuance.PostgreSql";
    private const string MqttNet = "IoTCerts.Mqtt.MQTTnet";
    private const string BouncyCastle = "IoTCerts.BouncyCastle";
    private const string OcspServer = "IoTCerts.Ocsp.Server";

    /// <summary>Third-party packages only the optional packages may take (Core and Issuance are .NET only).</summary>
    private static readonly (string Project, string Package)[] ForbiddenPackages =
    [
        (Core, "BouncyCastle.Cryptography"), (Core, "MQTTnet"), (Core, "Npgsql"),
        (Issuance, "BouncyCastle.Cryptography"), (Issuance, "MQTTnet"), (Issuance, "Npgsql"),
    ];

    /// <summary>Forbidden arrows: (from, to, why). "*" as <c>to</c> means any project of ours.</summary>
    private static readonly (string From, string To, string Why)[] Forbidden =
    [
        (Core, "*", "Core is the bottom layer: no I/O, no clock, nothing of ours"),
        (Issuance, Est, "the CA does not speak EST (Est.Server builds on both)"),
        (Issuance, EstServer, "the CA does not speak EST"),
        (Issuance, Mqtt, "the CA does not connect devices"),
        (Issuance, Platform, "the CA does not call platform REST APIs"),
        (Issuance, Device, "the CA is below the device composition"),
        (Issuance, IssuancePostgreSql, "Issuance never references Npgsql: the PostgreSQL database plugs into ICaDatabase"),
        (IssuancePostgreSql, Est, "the CA database does not speak EST"),
        (IssuancePostgreSql, EstServer, "the CA database does not speak EST"),
        (IssuancePostgreSql, Device, "the CA database is below the device composition"),
        (Est, Mqtt, "EST and MQTT never know each other: IoTCerts.Device joins them"),
        (Mqtt, Est, "EST and MQTT never know each other: IoTCerts.Device joins them"),
        (Mqtt, Platform, "the MQTT client and the REST clients are independent"),
        (Platform, Mqtt, "the MQTT client and the REST clients are independent"),
        (RevocationOnline, Est, "online revocation sits right above Core"),
        (RevocationOnline, Mqtt, "online revocation sits right above Core"),
        (RevocationOnline, Platform, "online revocation sits right above Core"),
        (RevocationOnline, Device, "online revocation sits right above Core"),
        (Issuance, BouncyCastle, "Issuance never references BouncyCastle: the package plugs into KeystoreFormats and CryptoExtensions"),
        (Issuance, OcspServer, "the CA does not serve OCSP (Ocsp.Server builds on it)"),
        (MqttNet, Mqtt, "the MQTTnet package gives MQTTnet clients IoTCerts' TLS, never our own MQTT client"),
        (MqttNet, Est, "the MQTTnet package follows any ICertificateCredentialSource, not the EST engine"),
        (MqttNet, Platform, "the MQTTnet package is independent of the REST clients"),
        (MqttNet, Device, "the MQTTnet package is below the device composition"),
        (MqttNet, Issuance, "the MQTTnet package does not issue certificates"),
    ];

    [Fact]
    public void No_src_project_has_a_forbidden_project_reference()
    {
        var projects = LoadProjects(RepositoryRoot());

        // The test means something only if it sees the packages it is about.
        Assert.Contains(Core, projects.Keys);
        Assert.Contains(Est, projects.Keys);
        Assert.Contains(Mqtt, projects.Keys);
        Assert.Contains(Device, projects.Keys);

        var violations = Violations(projects);
        Assert.True(violations.Count == 0, "forbidden project references:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Core_and_Issuance_take_no_third_party_crypto_transport_or_database_package()
    {
        var root = RepositoryRoot();
        var violations = new List<string>();
        foreach (var (project, package) in ForbiddenPackages)
        {
            var path = Path.Combine(root, "src", project, project + ".csproj");
            Assert.True(File.Exists(path), path);
            var references = XDocument.Load(path).Descendants()
                .Where(e => e.Name.LocalName == "PackageReference")
                .Select(e => (string?)e.Attribute("Include"));
            if (references.Contains(package, StringComparer.OrdinalIgnoreCase))
            {
                violations.Add($"{project} -> {package}");
            }
        }

        Assert.True(violations.Count == 0, "forbidden package references:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_rules_catch_each_kind_of_forbidden_reference()
    {
        var projects = new Dictionary<string, ProjectInfo>(StringComparer.Ordinal)
        {
            [Core] = new(Core, IsExecutable: false, [Issuance]),
            [Est] = new(Est, IsExecutable: false, [Core, Mqtt]),
            [Mqtt] = new(Mqtt, IsExecutable: false, [Core]),
            [Platform] = new(Platform, IsExecutable: false, [Core, Cli]),
            [RevocationOnline] = new(RevocationOnline, IsExecutable: false, [Core, Platform]),
            [Cli] = new(Cli, IsExecutable: true, [Core, Est, Mqtt, Platform]),
        };

        var violations = Violations(projects);

        Assert.Equal(4, violations.Count);
        Assert.Contains(violations, v => v.StartsWith("IoTCerts.Core -> IoTCerts.Issuance", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("IoTCerts.Est -> IoTCerts.Mqtt", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("IoTCerts.Platform -> IoTCerts.Cli", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("IoTCerts.Revocation.Online -> IoTCerts.Platform", StringComparison.Ordinal));
    }

    private static List<string> Violations(IReadOnlyDictionary<string, ProjectInfo> projects)
    {
        var violations = new List<string>();
        foreach (var project in projects.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            foreach (var reference in project.References)
            {
                if (!project.IsExecutable && reference == Cli)
                {
                    violations.Add($"{project.Name} -> {reference}: no library references the CLI (what it needs becomes public API of a library)");
                    continue;
                }

                foreach (var rule in Forbidden)
                {
                    if (rule.From == project.Name && (rule.To == "*" || rule.To == reference))
                    {
                        violations.Add($"{project.Name} -> {reference}: {rule.Why}");
                    }
                }
            }
        }

        return violations;
    }

    private static Dictionary<string, ProjectInfo> LoadProjects(string root)
    {
        var projects = new Dictionary<string, ProjectInfo>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var document = XDocument.Load(path);
            var name = Path.GetFileNameWithoutExtension(path);
            var references = document.Descendants()
                .Where(e => e.Name.LocalName == "ProjectReference")
                .Select(e => (string?)e.Attribute("Include"))
                .OfType<string>()
                .Select(include => Path.GetFileNameWithoutExtension(include.Replace('\\', '/')))
                .ToList();
            var isExecutable = document.Descendants().Any(e => e.Name.LocalName == "OutputType" && string.Equals(e.Value.Trim(), "Exe", StringComparison.OrdinalIgnoreCase));
            projects[name] = new ProjectInfo(name, isExecutable, references);
        }

        return projects;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IoTCerts.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"IoTCerts.sln not found above {AppContext.BaseDirectory}");
    }

    private sealed record ProjectInfo(string Name, bool IsExecutable, IReadOnlyList<string> References);
}
