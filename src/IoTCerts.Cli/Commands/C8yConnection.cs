using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IoTCerts.Cli.Infrastructure;
using IoTCerts.Core;
using IoTCerts.Issuance;
using IoTCerts.Platform.Cumulocity;

namespace IoTCerts.Cli.Commands;

/// <summary>
/// Where and as whom <c>iotcerts c8y</c> talks to Cumulocity: flags first, then the go-c8y-cli environment
/// (C8Y_BASEURL or C8Y_HOST, C8Y_TENANT, C8Y_USER, C8Y_PASSWORD, C8Y_TOKEN). Secrets never come from flags' echo.
/// </summary>
internal sealed class C8yConnection
{
    public Option<string> Url { get; } = new("--url") { Description = "Tenant base URL (default $C8Y_BASEURL or $C8Y_HOST)." };

    public Option<string> Tenant { get; } = new("--tenant") { Description = "Tenant id, e.g. t12345 (default $C8Y_TENANT; read from /tenant/currentTenant when absent)." };

    public Option<string> User { get; } = new("--user") { Description = "User name (default $C8Y_USER)." };

    public Option<string?> Password { get; } = CommonOptions.Password("The password (default $C8Y_PASSWORD).");

    public Option<string> PasswordFile { get; } = new("--password-file") { Description = "File holding the password (default $C8Y_PASSWORD)." };

    public Option<string> TokenFile { get; } = new("--token-file") { Description = "File holding a Bearer token used instead of user and password (default $C8Y_TOKEN)." };

    public Option<string[]> Trust { get; } = new("--trust") { Description = "Trust anchors for the platform's TLS certificate (PEM/DER/PKCS#7; repeatable). Default: the system store." };

    public Option<int> Retries { get; } = new("--retries") { Description = "Retries for 429/502/503/504 and connection failures (default 4).", DefaultValueFactory = _ => 4 };

    public void AddTo(Command command, bool credentials = true)
    {
        command.Add(Url);
        command.Add(Trust);
        if (credentials)
        {
            foreach (var option in new Option[] { Tenant, User, Password, PasswordFile, TokenFile, Retries })
            {
                command.Add(option);
            }
        }
    }

    public Uri BaseUri(ParseResult parse)
    {
        var text = parse.GetValue(Url) ?? Environment.GetEnvironmentVariable("C8Y_BASEURL") ?? Environment.GetEnvironmentVariable("C8Y_HOST")
            ?? throw new CliException("missing-url", "give --url or set C8Y_BASEURL");
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
            ? uri
            : throw new CliException("invalid-url", $"'{text}' is not an https URL");
    }

    public X509Certificate2Collection TrustAnchors(ParseResult parse)
    {
        var anchors = new X509Certificate2Collection();
        foreach (var file in parse.GetValue(Trust) ?? [])
        {
            anchors.AddRange(IssuanceCli.LoadCertificates(file).ToArray());
        }

        return anchors;
    }

    public CumulocityClientOptions Options(ParseResult parse, bool resolveTenant = true)
    {
        var token = Secrets.Resolve(null, parse.GetValue(TokenFile), useEnvironment: false) ?? Environment.GetEnvironmentVariable("C8Y_TOKEN");
        var user = parse.GetValue(User) ?? Environment.GetEnvironmentVariable("C8Y_USER");
        var password = Secrets.Resolve(parse.GetValue(Password), parse.GetValue(PasswordFile), useEnvironment: false) ?? Environment.GetEnvironmentVariable("C8Y_PASSWORD");
        var options = new CumulocityClientOptions
        {
            BaseUri = BaseUri(parse),
            Tenant = resolveTenant ? parse.GetValue(Tenant) ?? NullIfEmpty(Environment.GetEnvironmentVariable("C8Y_TENANT")) : null,
            MaxRetries = parse.GetValue(Retries),
        };
        if (user is not null && password is not null)
        {
            options.UserName = user;
            options.Password = password;
        }
        else if (token is not null)
        {
            options.BearerToken = token;
        }
        else
        {
            throw new CliException("missing-credentials", "give --user and --password-file (or set C8Y_USER and C8Y_PASSWORD), or a Bearer token with --token-file or C8Y_TOKEN");
        }

        return options;
    }

    public string? GivenTenant(ParseResult parse) => parse.GetValue(Tenant) ?? NullIfEmpty(Environment.GetEnvironmentVariable("C8Y_TENANT"));

    public CumulocityClient Client(ParseResult parse, CumulocityClientOptions? options = null)
    {
        options ??= Options(parse);
        options.TrustAnchors.AddRange(TrustAnchors(parse));
        Validated(options);
        return new CumulocityClient(new HttpClient(options.CreateHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan }, options);
    }

    private static CumulocityClientOptions Validated(CumulocityClientOptions options)
    {
        var problems = options.GetProblems();
        return problems.Count == 0 ? options : throw new CliException("usage", string.Join("; ", problems));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A private key from a file (PEM/DER/PKCS#12, optionally encrypted); the passphrase comes from a file.</summary>
    public static AsymmetricAlgorithm LoadKey(string path, string? passphrase)
    {
        var material = MaterialLoader.LoadFile(path, new LoadOptions { Password = passphrase });
        return material.PrivateKeys.Count > 0
            ? material.PrivateKeys[0].CreateAsymmetricAlgorithm()
            : throw new CliException("no-key", $"'{path}' holds no private key");
    }

    /// <summary>Runs a command body, turning client errors into the CLI's one sentence and exit code 2.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CumulocityException ex)
        {
            throw new CliException(ex.CodeString, ex.Message);
        }
        catch (IssuanceException ex)
        {
            throw new CliException(ex.CodeString, ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw new CliException("usage", ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException("usage", ex.Message);
        }
    }
}
