using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IoTCerts.Mqtt.Tests.Pkcs11;

/// <summary>
/// One SoftHSM2 token per test process, in a temp directory. SoftHSM reads SOFTHSM2_CONF and libp11 reads
/// PKCS11_MODULE_PATH with getenv once per process, and .NET's Environment.SetEnvironmentVariable does not reach the
/// native environment, so the variables are set with libc's setenv before the first token access.
/// </summary>
public static class SoftHsmToken
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";
    public const string Label = "iotcerts-mqtt";
    public const string Pin = "5813";

    /// <summary>
    /// A second token nobody in this process logs in to with the right PIN: libp11 keeps a slot logged in once a
    /// key was opened, and then never checks a later PIN for that slot. Neither label may start with the other:
    /// libp11 0.4.12 then opens the key in whichever token comes first.
    /// </summary>
    public const string NeverLoggedInLabel = "cold-token";
    private static readonly Lazy<string> s_directory = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object s_keyLock = new();

    public static string Directory => s_directory.Value;

    public static string ConfigPath => Path.Combine(Directory, "softhsm2.conf");

    public static bool IsAvailable => File.Exists(Module) && File.Exists("/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so") && OnPath("pkcs11-tool") && OnPath("softhsm2-util");

    /// <summary>Generates a P-256 key pair in the token with the given label; returns its URI (without PIN).</summary>
    public static string GenerateEcKey(string label, string token = Label)
    {
        _ = Directory;
        lock (s_keyLock)
        {
            Run("pkcs11-tool", "--module", Module, "--token-label", token, "--login", "--pin", Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(label)));
        }

        return $"pkcs11:token={token};object={label};type=private";
    }

    public static IDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["SOFTHSM2_CONF"] = ConfigPath,
        ["PKCS11_MODULE_PATH"] = Module,
    };

    private static string Create()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("iotcerts-mqtt-softhsm-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "tokens"));
        string conf = Path.Combine(dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n");
        Assert.Equal(0, SetEnv("SOFTHSM2_CONF", conf, 1));
        Assert.Equal(0, SetEnv("PKCS11_MODULE_PATH", Module, 1));
        System.Environment.SetEnvironmentVariable("SOFTHSM2_CONF", conf);
        System.Environment.SetEnvironmentVariable("PKCS11_MODULE_PATH", Module);
        Run("softhsm2-util", "--init-token", "--free", "--label", Label, "--pin", Pin, "--so-pin", "97531");
        Run("softhsm2-util", "--init-token", "--free", "--label", NeverLoggedInLabel, "--pin", Pin, "--so-pin", "97531");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        };
        return dir;
    }

    private static void Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"{tool} hung");
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed: {stdout.Result}\n{stderr.Result}");
    }

    private static bool OnPath(string tool) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
