namespace IoTCerts.Samples.DeviceAot;

/// <summary>A command line the sample cannot use (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The sample's command line, parsed by hand: NativeAOT-friendly and without dependencies.</summary>
internal sealed class DeviceArguments
{
    public const string Usage =
        "usage: device-aot --host <host> --port <port> --cert <file> --key <file> [--chain <file>] --trust <file> " +
        "[--topic <topic>] [--message <text>] [--key-password-file <file>]";

    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string CertificatePath { get; init; }
    public required string KeyPath { get; init; }
    public string? ChainPath { get; init; }
    public required string TrustPath { get; init; }
    public string Topic { get; init; } = "iotcerts/device-aot";
    public string Message { get; init; } = "hello from device-aot";

    /// <summary>Read from a file (never from the command line, which other users can see).</summary>
    public string? KeyPassword { get; init; }

    public static DeviceArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is not ("--host" or "--port" or "--cert" or "--key" or "--chain" or "--trust" or "--topic" or "--message" or "--key-password-file"))
            {
                throw new UsageException($"unknown argument '{name}'");
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{name} needs a value");
            }

            values[name] = args[++i];
        }

        string Required(string name) =>
            values.TryGetValue(name, out string? v) && v.Length > 0 ? v : throw new UsageException($"{name} is required");

        string portText = Required("--port");
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new UsageException($"--port '{portText}' is not a TCP port (1-65535)");
        }

        string? password = null;
        if (values.TryGetValue("--key-password-file", out string? passwordFile))
        {
            try
            {
                password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read the key password file '{passwordFile}': {e.Message}");
            }
        }

        return new DeviceArguments
        {
            Host = Required("--host"),
            Port = port,
            CertificatePath = Required("--cert"),
            KeyPath = Required("--key"),
            ChainPath = values.GetValueOrDefault("--chain"),
            TrustPath = Required("--trust"),
            Topic = values.GetValueOrDefault("--topic") ?? "iotcerts/device-aot",
            Message = values.GetValueOrDefault("--message") ?? "hello from device-aot",
            KeyPassword = password,
        };
    }
}
