using System.Reflection;
using System.Text.Json;
using IoTCerts.Cli.Commands;

namespace IoTCerts.Cli.Tests;

/// <summary>
/// renew.json (issue #22): documented by a JSON schema in the repository that names every field the loader reads,
/// <c>"trust"</c> as one path or a list, <c>renew --now</c>, and a help text that describes the file instead of
/// pointing to itself.
/// </summary>
[Collection(OpenSslCollection.Name)]
public sealed class RenewConfigurationTests(OpenSslFixtures files)
{
    private static string SchemaPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "IoTCerts.Cli", "Schemas", "renew.schema.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("renew.schema.json not found above the test directory");
    }

    private string Config(string trust, string? extra = null)
    {
        var path = files.PathOf($"renew-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""
            {
              "$schema": "renew.schema.json",
              "credentials": [ { "name": "edge", "server": "https://127.0.0.1:1", "trust": {{trust}}, "certificate": "live.pem", "key": "live.key"{{extra}} } ]
            }
            """);
        return path;
    }

    [Fact]
    public void The_schema_names_exactly_the_fields_the_loader_reads()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath()));
        var credential = schema.RootElement.GetProperty("$defs").GetProperty("credential");
        var inSchema = credential.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var inLoader = typeof(RenewCredentialConfiguration).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(inLoader, inSchema);
        Assert.False(credential.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(2, credential.GetProperty("properties").GetProperty("trust").GetProperty("oneOf").GetArrayLength());
    }

    [Fact]
    public void Trust_is_one_path_or_a_list_and_the_schema_key_is_accepted()
    {
        var one = RenewCommand.Load(Config($"\"{files.PathOf("root.pem")}\""));
        var list = RenewCommand.Load(Config($"[\"{files.PathOf("root.pem")}\", \"{files.PathOf("int.pem")}\"]"));

        Assert.Single(Assert.Single(one).Est.TrustAnchors);
        Assert.Equal(2, Assert.Single(list).Est.TrustAnchors.Count);
    }

    [Fact]
    public void Trust_of_another_type_names_the_field_not_a_dotnet_type()
    {
        var r = CliRunner.Run("renew", "--config", Config("42"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("\"trust\" must be a path or a list of paths", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_threshold_points_at_renew_now_and_now_with_loop_is_refused()
    {
        var zero = CliRunner.Run("renew", "--config", Config($"\"{files.PathOf("root.pem")}\"", ", \"threshold\": \"0%\""));
        var both = CliRunner.Run("renew", "--config", Config($"\"{files.PathOf("root.pem")}\""), "--now", "--loop");

        Assert.Equal(2, zero.ExitCode);
        Assert.Contains("iotcerts renew --config <file> --now", zero.Error, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("[usage]", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Renew_help_describes_the_file_and_the_now_flag_instead_of_pointing_to_itself()
    {
        var help = CliRunner.Run("renew", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain("see 'iotcerts renew --help'", help.Out, StringComparison.Ordinal);
        Assert.Contains("renew.schema.json", help.Out, StringComparison.Ordinal);
        Assert.Contains("\"trust\" (a path or a list)", help.Out, StringComparison.Ordinal);
        Assert.Contains("--now", help.Out, StringComparison.Ordinal);
    }
}
