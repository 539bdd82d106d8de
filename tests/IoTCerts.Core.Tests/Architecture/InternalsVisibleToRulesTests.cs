using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace IoTCerts.Core.Tests.Architecture;

/// <summary>
/// Issue #15: what our CLI, server and samples build, a user can build — no shipped assembly reaches a library's
/// internals. A library may grant InternalsVisibleTo to tests and benchmarks only.
/// </summary>
public sealed partial class InternalsVisibleToRulesTests
{
    [Fact]
    public void No_project_grants_internals_to_a_shipped_assembly()
    {
        var root = RepositoryRoot();
        var projects = ShippedProjects(root);
        Assert.Contains("IoTCerts.Core", projects.Keys);
        Assert.Contains("iotcerts", projects.Keys);
        Assert.True(projects.Count >= 10, $"only {projects.Count} shipped projects found under src/ and samples/");

        var shipped = projects.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var violations = new List<string>();
        foreach (var (assembly, project) in projects)
        {
            foreach (var grantee in Grants(project, assembly))
            {
                if (shipped.Contains(grantee))
                {
                    violations.Add($"{Path.GetRelativePath(root, project.Path)} grants its internals to the shipped assembly '{grantee}'");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_rule_sees_grants_in_a_project_file_and_in_source()
    {
        var directory = Directory.CreateTempSubdirectory("ivt-rule-");
        try
        {
            var csproj = Path.Combine(directory.FullName, "Lib.csproj");
            File.WriteAllText(csproj, """
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <InternalsVisibleTo Include="Lib.Tests" />
                    <InternalsVisibleTo Include="iotcerts" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(directory.FullName, "AssemblyInfo.cs"), """
                [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("IoTCerts.Est.Server, PublicKey=00")]
                [assembly:InternalsVisibleTo( "$(AssemblyName).Benchmarks" )]
                """);

            var grants = Grants(new ProjectFile(csproj, XDocument.Load(csproj)), "Lib").ToList();

            Assert.Equal(["Lib.Tests", "iotcerts", "IoTCerts.Est.Server", "Lib.Benchmarks"], grants);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Walks up from the test's directory to the one holding IoTCerts.sln.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IoTCerts.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no IoTCerts.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Every project under src/ and samples/, by assembly name: what we ship or show users.</summary>
    private static Dictionary<string, ProjectFile> ShippedProjects(string root)
    {
        var projects = new Dictionary<string, ProjectFile>(StringComparer.OrdinalIgnoreCase);
        foreach (var folder in new[] { "src", "samples" })
        {
            foreach (var path in Directory.EnumerateFiles(Path.Combine(root, folder), "*.csproj", SearchOption.AllDirectories))
            {
                if (IsBuildOutput(path))
                {
                    continue;
                }

                var document = XDocument.Load(path);
                var assembly = document.Descendants("AssemblyName").Select(e => e.Value.Trim()).LastOrDefault()
                    ?? Path.GetFileNameWithoutExtension(path);
                projects[assembly] = new ProjectFile(path, document);
            }
        }

        return projects;
    }

    /// <summary>The assemblies a project grants its internals to: InternalsVisibleTo items and attributes in its sources.</summary>
    private static IEnumerable<string> Grants(ProjectFile project, string assemblyName)
    {
        var items = project.Document.Descendants("InternalsVisibleTo")
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>();
        var directory = Path.GetDirectoryName(project.Path)!;
        var attributes = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .SelectMany(f => AttributePattern().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value));
        foreach (var grant in items.Concat(attributes))
        {
            var name = grant.Split(',')[0].Trim()
                .Replace("$(AssemblyName)", assemblyName, StringComparison.Ordinal)
                .Replace("$(MSBuildProjectName)", Path.GetFileNameWithoutExtension(project.Path), StringComparison.Ordinal);
            yield return name;
        }
    }

    private static bool IsBuildOutput(string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar);
        return parts.Contains("bin") || parts.Contains("obj");
    }

    [GeneratedRegex(@"\[\s*assembly\s*:\s*(?:System\.Runtime\.CompilerServices\.)?InternalsVisibleTo(?:Attribute)?\s*\(\s*""(?<name>[^""]+)""")]
    private static partial Regex AttributePattern();

    private sealed record ProjectFile(string Path, XDocument Document);
}
